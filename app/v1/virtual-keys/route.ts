import { withManagement } from "@/lib/api/handler";
import { createVirtualKeyHandler, listVirtualKeysHandler } from "@/lib/api/virtual-keys";

export const dynamic = "force-dynamic";
export const GET = withManagement(listVirtualKeysHandler);
export const POST = withManagement(createVirtualKeyHandler);
