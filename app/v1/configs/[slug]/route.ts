import { withManagement } from "@/lib/api/handler";
import { deleteConfigHandler, getConfigHandler, updateConfigHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ slug: string }>("viewer", getConfigHandler);
export const PUT = withManagement<{ slug: string }>("member", updateConfigHandler);
export const DELETE = withManagement<{ slug: string }>("member", deleteConfigHandler);
