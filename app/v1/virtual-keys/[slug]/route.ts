import { withManagement } from "@/lib/api/handler";
import { deleteVirtualKeyHandler, getVirtualKeyHandler, updateVirtualKeyHandler } from "@/lib/api/virtual-keys";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ slug: string }>("viewer", getVirtualKeyHandler);
export const PUT = withManagement<{ slug: string }>("member", updateVirtualKeyHandler);
export const DELETE = withManagement<{ slug: string }>("member", deleteVirtualKeyHandler);
