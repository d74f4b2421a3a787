import { withManagement } from "@/lib/api/handler";
import { deletePriceHandler, listPricesHandler, putPriceHandler } from "@/lib/api/prices";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listPricesHandler);
export const PUT = withManagement("admin", putPriceHandler);
export const DELETE = withManagement("admin", deletePriceHandler);
