import { withManagement } from "@/lib/api/handler";
import { deletePriceHandler, listPricesHandler, putPriceHandler } from "@/lib/api/prices";

export const dynamic = "force-dynamic";
export const GET = withManagement(listPricesHandler);
export const PUT = withManagement(putPriceHandler);
export const DELETE = withManagement(deletePriceHandler);
