import { withManagement } from "@/lib/api/handler";
import { createConfigHandler, listConfigsHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listConfigsHandler);
export const POST = withManagement("member", createConfigHandler);
