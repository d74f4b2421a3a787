/**
 * The gateway-only role's engine (DETOUR_ROLE=gateway): what Detour's HTTP server
 * (scripts/server.ts) loads instead of Next.js. `npm run build` bundles this module, with the whole
 * of `lib/` it reaches, into `<build>/detour-server/engine.mjs`, and the log sink's worker into
 * `log-sink-worker.mjs` beside it (scripts/build-server.ts); plain `node` loads both, without
 * tsx, React, Next.js or next-auth.
 *
 * It runs the same start sequence as the default role (lib/server-start.ts: environment, database
 * and migrations, log writer, caches, Redis) and answers the inference routes with the same
 * handlers, plus GET /api/health and GET /metrics (a scrape token or an admin API key: there are no
 * sign-in sessions here). Every other request gets a 404 that says which role serves it.
 */
import v8 from "node:v8";
import { handleGatewayMetrics } from "./api/gateway-metrics";
import { handleHealth } from "./api/health";
import { errorResponse } from "./api/errors";
import { DetourError } from "./errors";
import type { InferenceHandler, InferenceRoutes } from "./gateway/endpoints/handler-table";
import { getRuntime } from "./runtime";
import { startServerProcess } from "./server-start";

const EXTRA_ROUTES: ReadonlyMap<string, InferenceHandler> = new Map([
  ["GET /api/health", handleHealth],
  ["HEAD /api/health", handleHealth],
  ["GET /metrics", handleGatewayMetrics],
]);

/**
 * Starts the process's runtime (exits when Detour cannot start, as the default role does) and
 * returns what the server answers: the inference routes, health and metrics. `sinkWorkerFile` is
 * the bundled log sink worker.
 */
export async function startGatewayRole(options: { sinkWorkerFile: string }): Promise<InferenceRoutes> {
  getRuntime().logSinkWorkerFile = options.sinkWorkerFile;
  // The start sequence's queries (migrations, bootstrap) in V8's baseline tier: optimising Prisma's
  // query compiler (WebAssembly) for them held ~20 MiB and ~0.5 s of start. Off again before the
  // first request: undici's HTTP parser is WebAssembly too, and must be optimised (in the baseline
  // tier a fallback's two upstream answers cost ~0.35 ms more). docs/PERFORMANCE.md.
  v8.setFlagsFromString("--liftoff-only");
  try {
    await startServerProcess();
  } finally {
    v8.setFlagsFromString("--no-liftoff-only");
  }
  const inference = getRuntime().inferenceHandlers;
  if (!inference) throw new Error("the start sequence did not publish the inference routes");
  return { get: (routeKey) => EXTRA_ROUTES.get(routeKey) ?? inference.get(routeKey) };
}

/** Methods an inference path may be served with. */
const METHODS = ["GET", "POST", "DELETE"] as const;

/**
 * The answer to anything else: 405 `method_not_allowed` (with `Allow`) for another method on an
 * inference path, else 404 `not_found` naming the role and what it serves.
 */
export function notServedHere(routes: InferenceRoutes, method: string, pathname: string): Response {
  const allowed = METHODS.filter((m) => routes.get(`${m} ${pathname}`) !== undefined);
  const shown = pathname.length > 200 ? `${pathname.slice(0, 200)}...` : pathname;
  const error =
    allowed.length > 0
      ? new DetourError("method_not_allowed", `${method} is not served on ${shown}; it takes ${allowed.join(", ")}.`)
      : new DetourError(
          "not_found",
          `${method} ${shown} is not served by this Detour instance: it runs DETOUR_ROLE=gateway, which serves the /v1 inference ` +
            "routes, GET /api/health and GET /metrics only. The dashboard and the management API are on the instances of the default role.",
        );
  const response = errorResponse(error, () => {});
  response.headers.set("cache-control", "no-store");
  if (allowed.length > 0) response.headers.set("allow", allowed.join(", "));
  return response;
}
