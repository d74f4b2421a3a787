import { withManagement } from "@/lib/api/handler";
import { logTotalsHandler } from "@/lib/api/log-totals";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", logTotalsHandler);
