import { withManagement } from "@/lib/api/handler";
import { createApiKeyHandler, listApiKeysHandler } from "@/lib/api/api-keys";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listApiKeysHandler);
export const POST = withManagement("member", createApiKeyHandler);
