import { analyticsHandler } from "@/lib/api/analytics";
import { withManagement } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", analyticsHandler);
