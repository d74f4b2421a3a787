import { exportLogsHandler } from "@/lib/api/log-export";
import { withManagement } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", exportLogsHandler);
