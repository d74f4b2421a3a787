import { listLogsHandler } from "@/lib/api/logs";
import { withManagement } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listLogsHandler);
