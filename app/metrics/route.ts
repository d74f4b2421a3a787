import { handleMetrics } from "@/lib/api/metrics";

export const dynamic = "force-dynamic";
export const GET = handleMetrics;
