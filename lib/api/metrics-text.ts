/**
 * The metrics' answer and the scrape token's check, shared by GET /metrics in both roles
 * (lib/api/metrics.ts, lib/api/gateway-metrics.ts). Nothing here reaches Next.js.
 */
import { safeEqual } from "../crypto";
import { getEnv } from "../env";
import { getLogWriter } from "../logs/writer";
import { renderMetrics } from "../metrics";

/** The metrics as Prometheus text, unauthenticated: the caller has checked. */
export async function serveMetrics(): Promise<Response> {
  const { contentType, body } = await renderMetrics(getLogWriter().stats());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}

/** Whether the request carries `Authorization: Bearer <DETOUR_METRICS_TOKEN>` (false when no token is set). */
export function hasMetricsToken(request: Request): boolean {
  const token = getEnv().DETOUR_METRICS_TOKEN;
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
  return Boolean(token && bearer && safeEqual(bearer, token));
}
