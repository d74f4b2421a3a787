import { withManagement } from "@/lib/api/handler";
import { rotateApiKeyHandler } from "@/lib/api/api-keys";

export const dynamic = "force-dynamic";
export const POST = withManagement<{ id: string }>("member", rotateApiKeyHandler);
