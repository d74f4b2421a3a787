import { withManagement } from "@/lib/api/handler";
import { createLogViewHandler, listLogViewsHandler } from "@/lib/api/log-views";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listLogViewsHandler);
export const POST = withManagement("viewer", createLogViewHandler);
