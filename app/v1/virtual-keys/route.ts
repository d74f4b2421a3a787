import { withManagement } from "@/lib/api/handler";
import { createVirtualKeyHandler, listVirtualKeysHandler } from "@/lib/api/virtual-keys";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listVirtualKeysHandler);
export const POST = withManagement("member", createVirtualKeyHandler);
