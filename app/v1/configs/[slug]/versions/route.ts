import { withManagement } from "@/lib/api/handler";
import { listConfigVersionsHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ slug: string }>("viewer", listConfigVersionsHandler);
