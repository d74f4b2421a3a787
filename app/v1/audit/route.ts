import { listAuditHandler } from "@/lib/api/audit";
import { withManagement } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const GET = withManagement("admin", listAuditHandler);
