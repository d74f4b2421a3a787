import { withManagement } from "@/lib/api/handler";
import { deleteVirtualKeyHandler, getVirtualKeyHandler, updateVirtualKeyHandler } from "@/lib/api/virtual-keys";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ slug: string }>(getVirtualKeyHandler);
export const PUT = withManagement<{ slug: string }>(updateVirtualKeyHandler);
export const DELETE = withManagement<{ slug: string }>(deleteVirtualKeyHandler);
