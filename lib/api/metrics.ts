/**
 * GET /metrics: Prometheus text. A scraper authenticates with `Authorization: Bearer
 * <DETOUR_METRICS_TOKEN>` when that is set; otherwise (or also) an admin API key or a session, like
 * every management route.
 */
import { safeEqual } from "../crypto";
import { getEnv } from "../env";
import { getLogWriter } from "../logs/writer";
import { renderMetrics } from "../metrics";
import { withManagement } from "./handler";

const serve = async () => {
  const { contentType, body } = await renderMetrics(getLogWriter().stats());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
};

// Metrics span every workspace of the installation: an admin's view.
const withAdmin = withManagement("admin", serve);

export async function handleMetrics(request: Request, route: { params: Promise<Record<string, never>> }): Promise<Response> {
  const token = getEnv().DETOUR_METRICS_TOKEN;
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
  if (token && bearer && safeEqual(bearer, token)) return serve();
  return withAdmin(request, route);
}
