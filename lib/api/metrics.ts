/**
 * GET /metrics: Prometheus text. A scraper authenticates with `Authorization: Bearer
 * <DETOUR_METRICS_TOKEN>` when that is set; otherwise (or also) an admin API key or a session, like
 * every management route. The gateway-only role has no sessions (no Next.js): there it takes the
 * token or an admin API key (lib/api/gateway-metrics.ts).
 */
import { withManagement } from "./handler";
import { hasMetricsToken, serveMetrics } from "./metrics-text";

// Metrics span every workspace of the installation: an admin's view.
const withAdmin = withManagement("admin", serveMetrics);

export async function handleMetrics(request: Request, route: { params: Promise<Record<string, never>> }): Promise<Response> {
  if (hasMetricsToken(request)) return serveMetrics();
  return withAdmin(request, route);
}
