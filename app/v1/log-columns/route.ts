import { withManagement } from "@/lib/api/handler";
import { getLogColumnsHandler, putLogColumnsHandler } from "@/lib/api/log-views";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", getLogColumnsHandler);
export const PUT = withManagement("viewer", putLogColumnsHandler);
