import { withManagement } from "@/lib/api/handler";
import { restoreConfigVersionHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const POST = withManagement<{ slug: string; version: string }>("member", restoreConfigVersionHandler);
