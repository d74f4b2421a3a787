import { handleAcceptInvite } from "@/lib/api/invite-accept";

export const dynamic = "force-dynamic";
export const POST = handleAcceptInvite;
