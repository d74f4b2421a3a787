import { withManagement } from "@/lib/api/handler";
import { createWorkspaceHandler, listWorkspacesHandler } from "@/lib/api/workspaces";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listWorkspacesHandler);
// The role in the current workspace; the handler also refuses API keys (a workspace's creator is a person).
export const POST = withManagement("admin", createWorkspaceHandler);
