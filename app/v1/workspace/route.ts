import { withManagement } from "@/lib/api/handler";
import { getWorkspaceHandler, updateWorkspaceHandler } from "@/lib/api/workspace";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", getWorkspaceHandler);
export const PUT = withManagement("admin", updateWorkspaceHandler);
