import { withManagement } from "@/lib/api/handler";
import { listBudgetsHandler } from "@/lib/api/budgets";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listBudgetsHandler);
