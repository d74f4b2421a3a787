import { withManagement } from "@/lib/api/handler";
import { getConfigVersionHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ slug: string; version: string }>("viewer", getConfigVersionHandler);
