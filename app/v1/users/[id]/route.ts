import { withManagement } from "@/lib/api/handler";
import { getUserHandler, removeUserHandler, updateUserHandler } from "@/lib/api/users";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ id: string }>("viewer", getUserHandler);
export const PATCH = withManagement<{ id: string }>("admin", updateUserHandler);
export const DELETE = withManagement<{ id: string }>("admin", removeUserHandler);
