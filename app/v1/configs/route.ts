import { withManagement } from "@/lib/api/handler";
import { createConfigHandler, listConfigsHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const GET = withManagement(listConfigsHandler);
export const POST = withManagement(createConfigHandler);
