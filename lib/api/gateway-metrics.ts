/**
 * GET /metrics in the gateway-only role (DETOUR_ROLE=gateway, scripts/server.ts): Prometheus text
 * for `Authorization: Bearer <DETOUR_METRICS_TOKEN>` or an admin-scope Detour API key. That role
 * has no dashboard sessions (it does not load Next.js or next-auth), so a request without either
 * is told what this instance takes.
 */
import { authenticateApiKey } from "../auth/api-key";
import { getDb } from "../db";
import { DetourError } from "../errors";
import { logger } from "../logger";
import { errorResponse } from "./errors";
import { hasMetricsToken, serveMetrics } from "./metrics-text";

export async function handleGatewayMetrics(request: Request): Promise<Response> {
  if (hasMetricsToken(request)) return serveMetrics();
  let response: Response;
  try {
    const auth = await authenticateApiKey(getDb(), request.headers, "admin");
    if (auth.ok) return await serveMetrics();
    const message =
      auth.code === "missing_api_key"
        ? "This Detour instance runs DETOUR_ROLE=gateway: GET /metrics takes `Authorization: Bearer <DETOUR_METRICS_TOKEN>` " +
          "or an admin-scope Detour API key in x-portkey-api-key (sign-in sessions are served by the instances of the default role)."
        : auth.message;
    throw new DetourError(auth.code, message);
  } catch (err) {
    response = errorResponse(err, (e) => logger.error({ err: e instanceof Error ? e.message : String(e) }, "GET /metrics failed"));
  }
  response.headers.set("cache-control", "no-store");
  return response;
}
