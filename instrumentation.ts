/**
 * Runs once when a Detour server process starts, before it serves requests: validates the
 * environment, migrates, checks the encryption key against the database, creates the first admin.
 * Any failure prints why and exits, so a misconfigured Detour never half-runs. Then the request-log
 * writer's shutdown hooks are installed, so queued log rows are written before the process exits,
 * and (with REDIS_URL) the gateway subscribes to cross-instance cache invalidation without waiting
 * for Redis: a Redis that is down never stops Detour from serving. Last, the inference handlers are
 * published for Detour's HTTP server (lib/gateway/endpoints/handler-table.ts).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServerProcess } = await import("./lib/server-start");
  await startServerProcess();
  const { getLogWriter } = await import("./lib/logs/writer");
  getLogWriter().installShutdownHooks();
  // Count log spill files left by an earlier run before serving, so /api/health is complete from
  // the first answer (bounded: a huge spill directory must not hold the start for long).
  await Promise.race([getLogWriter().ready(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  const { startGatewayState } = await import("./lib/gateway/cache/lookups");
  startGatewayState();
  // Detour's HTTP server (scripts/server.ts) answers the inference routes with these handlers.
  const { publishInferenceRoutes } = await import("./lib/gateway/endpoints/handler-table");
  publishInferenceRoutes();
  // Rows stored by earlier versions may hold inline configs' provider keys: scrubbed once, in the background (lib/logs/scrub.ts).
  (await import("./lib/logs/scrub")).startLogScrub();
}
