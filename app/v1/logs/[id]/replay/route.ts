import { withManagement } from "@/lib/api/handler";
import { replayLogHandler } from "@/lib/api/log-replay";

export const dynamic = "force-dynamic";
export const POST = withManagement<{ id: string }>("member", replayLogHandler);
