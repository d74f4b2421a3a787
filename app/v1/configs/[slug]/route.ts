import { withManagement } from "@/lib/api/handler";
import { deleteConfigHandler, getConfigHandler, updateConfigHandler } from "@/lib/api/configs";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ slug: string }>(getConfigHandler);
export const PUT = withManagement<{ slug: string }>(updateConfigHandler);
export const DELETE = withManagement<{ slug: string }>(deleteConfigHandler);
