import { withManagement } from "@/lib/api/handler";
import { getInviteHandler, revokeInviteHandler } from "@/lib/api/invites";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ id: string }>("admin", getInviteHandler);
export const DELETE = withManagement<{ id: string }>("admin", revokeInviteHandler);
