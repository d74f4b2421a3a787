import { withManagement } from "@/lib/api/handler";
import { createInviteHandler, listInvitesHandler } from "@/lib/api/invites";

export const dynamic = "force-dynamic";
export const GET = withManagement("admin", listInvitesHandler);
export const POST = withManagement("admin", createInviteHandler);
