import { withManagement } from "@/lib/api/handler";
import { getApiKeyHandler, revokeApiKeyHandler, updateApiKeyHandler } from "@/lib/api/api-keys";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ id: string }>("viewer", getApiKeyHandler);
export const PUT = withManagement<{ id: string }>("member", updateApiKeyHandler);
export const DELETE = withManagement<{ id: string }>("member", revokeApiKeyHandler);
