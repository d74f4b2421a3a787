import { withManagement } from "@/lib/api/handler";
import { deleteLogViewHandler, getLogViewHandler, updateLogViewHandler } from "@/lib/api/log-views";

export const dynamic = "force-dynamic";
export const GET = withManagement<{ id: string }>("viewer", getLogViewHandler);
export const PATCH = withManagement<{ id: string }>("viewer", updateLogViewHandler);
export const DELETE = withManagement<{ id: string }>("viewer", deleteLogViewHandler);
