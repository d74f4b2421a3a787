import { withManagement } from "@/lib/api/handler";
import { deleteWorkspaceHandler, getWorkspaceByIdHandler, updateWorkspaceByIdHandler } from "@/lib/api/workspaces";

export const dynamic = "force-dynamic";
// The role that counts is the caller's in {id}: each handler checks it there (admin to rename, owner to delete).
export const GET = withManagement<{ id: string }>("viewer", getWorkspaceByIdHandler);
export const PATCH = withManagement<{ id: string }>("viewer", updateWorkspaceByIdHandler);
export const DELETE = withManagement<{ id: string }>("viewer", deleteWorkspaceHandler);
