/**
 * The process's start and shutdown, in one place: the order in which the runtime's parts
 * (lib/runtime.ts) are created at start, and the order in which they are closed at the end.
 *
 * Start (startServerProcess, from instrumentation.ts, once per process before Next.js serves):
 *  1. the environment (lib/env.ts); then OpenTelemetry tracing, only when OTEL_EXPORTER_OTLP_ENDPOINT
 *     (or _TRACES_ENDPOINT) is set: the SDK is loaded then, never otherwise (lib/tracing)
 *  2. the encryption key (lib/secrets.ts; generated into the data directory when not set)
 *  3. the database client, then bootstrap: migrate, check the key against the database, encrypt
 *     provider keys stored in clear by earlier versions, create the default workspace and the first
 *     admin, register DETOUR_ADMIN_API_KEY (lib/bootstrap.ts)
 *     PostgreSQL: the request logs' day partitions from yesterday to a week ahead (lib/logs/retention.ts);
 *     the log retention's schedule starts (its first run a minute later, then every 10 minutes)
 *  4. the metrics listener (DETOUR_METRICS_PORT, lib/metrics-server.ts)
 *  5. the request-log writer and the process's shutdown hooks; then a wait (at most 10 s) until the
 *     spill files of an earlier run are counted, so /api/health is complete from the first answer
 *  6. the gateway's caches; with REDIS_URL the Redis connections and the cache-invalidation
 *     subscription, not waited for (a Redis that is down never stops Detour)
 *  7. the inference handler table, published for Detour's HTTP server (scripts/server.ts)
 *  8. "Detour is ready"; the background scrub of earlier log rows starts 10 s later (lib/logs/scrub.ts),
 *     the audit trail's retention a minute later, then hourly (lib/audit/retention.ts)
 * A failure prints `Detour cannot start: <why>` and exits 1. The other parts are created on first
 * use: the metrics registry, the upstream agent, the response cache, the parse memos, the circuit
 * breaker's state, the sign-in throttle and the budget alerts (the webhook's URL and secret are
 * checked with the environment, step 1).
 *
 * Shutdown (SIGTERM/SIGINT): at the signal the log writer starts writing eagerly (it still accepts
 * the rows of requests in flight); scripts/server.ts stops accepting, lets in-flight requests
 * finish, closes Next.js and calls process.exit, which the hooks (lib/shutdown-hooks.ts) defer
 * until stopServerProcess has run (when nothing else handles the signal, the hooks run it at once):
 *  1. the runtime is marked stopping: background work (the log scrub, audit and log retention) ends quietly
 *  2. the metrics listener closes
 *  3. the log writer closes: its queue goes to the database, what the database does not take in
 *     time to the spill file (at most 10 s); then the spans not yet exported are flushed (tracing
 *     on only; at most 2 s)
 *  4. the budget alerts close: the claims of crossings noted so far (the last settles included) and
 *     the webhook deliveries still queued get at most 2 s, then what is left is dropped and logged
 *     (lib/budgets/alerts.ts)
 *  5. the Redis connections, the database client and the log writer's database connection close
 *     (together, at most 1 s)
 * Then the process exits with 128 + the signal's number.
 */
import { startAuditRetention, stopAuditRetention } from "./audit/retention";
import { startLogRetention, stopLogRetention } from "./logs/retention";
import { bootstrap, StartupError } from "./bootstrap";
import { EncryptionKeyError } from "./crypto";
import { describeDatabase, getDb } from "./db";
import { MigrationError } from "./db/migrate";
import { EnvError, getEnv } from "./env";
import { startGatewayState } from "./gateway/cache/lookups";
import { publishInferenceRoutes } from "./gateway/endpoints/handler-table";
import { logger } from "./logger";
import { getLogWriter } from "./logs/writer";
import { startLogScrub } from "./logs/scrub";
import { startMetricsServer, stopMetricsServer } from "./metrics-server";
import { closeRedis, loadRedisDriver } from "./redis";
import { getRuntime } from "./runtime";
import { getEncryptionKeyInfo } from "./secrets";
import { installShutdownHooks } from "./shutdown-hooks";
import { startTracing, stopTracing, TracingConfigError } from "./tracing";

/** Start step 5: how long the start waits for the log spill directory to be counted. */
const SPILL_COUNT_WAIT_MS = 10_000;
/** Shutdown step 3: how long the last spans may take to export. */
const TRACES_FLUSH_MS = 2_000;
/** Shutdown step 4: how long pending budget alerts (claims, webhook deliveries) may take. */
const ALERTS_CLOSE_MS = 2_000;
/** Shutdown step 5: how long closing Redis and the database may take. */
const CONNECTIONS_CLOSE_MS = 1_000;

function fail(message: string): never {
  // Plain stderr as well as the JSON log: this is the line a person starting Detour must read.
  process.stderr.write(`\nDetour cannot start: ${message}\n\n`);
  logger.fatal({ reason: message }, "startup failed");
  process.exit(1);
}

/** Runs the start sequence (above). Exits the process when Detour cannot start. */
export async function startServerProcess(): Promise<void> {
  try {
    // 1. environment; tracing when configured
    const env = getEnv();
    const tracing = await startTracing({ captureBodies: env.DETOUR_OTEL_CAPTURE_BODIES });
    if (tracing) logger.info({ protocol: tracing, captureBodies: env.DETOUR_OTEL_CAPTURE_BODIES }, "OpenTelemetry traces on");
    if (env.REDIS_URL) await loadRedisDriver();
    // 2. encryption key
    const keyInfo = getEncryptionKeyInfo();
    if (keyInfo.generated) {
      logger.warn(
        { file: keyInfo.file },
        "No DETOUR_ENCRYPTION_KEY set: generated one and stored it in the data directory (mode 0600). " +
          "Back it up with the database; set DETOUR_ENCRYPTION_KEY to share it between instances.",
      );
    }
    // 3. database and bootstrap
    const origin = keyInfo.source === "env" ? "DETOUR_ENCRYPTION_KEY" : `key file ${keyInfo.file}`;
    const result = await bootstrap(env, { key: keyInfo.key, origin }, getDb());
    if (result.adminCreated?.generatedPassword) {
      const banner = [
        "",
        "==================================================================",
        " Detour created the first admin. This password is shown only once:",
        `   email:    ${result.adminCreated.email}`,
        `   password: ${result.adminCreated.generatedPassword}`,
        " (set DETOUR_ADMIN_EMAIL / DETOUR_ADMIN_PASSWORD before the first start to choose them)",
        "==================================================================",
        "",
      ];
      process.stdout.write(`${banner.join("\n")}\n`);
    } else if (result.adminCreated) {
      logger.info({ email: result.adminCreated.email }, "created the first admin from DETOUR_ADMIN_EMAIL / DETOUR_ADMIN_PASSWORD");
    }
    await startLogRetention();
    // 4. metrics listener
    await startMetricsServer(env).catch((err: Error) => fail(err.message));
    // 5. request-log writer, shutdown hooks
    const writer = getLogWriter();
    installProcessHooks();
    await Promise.race([writer.ready(), new Promise((resolve) => setTimeout(resolve, SPILL_COUNT_WAIT_MS).unref())]);
    // 6. gateway caches, Redis and cache invalidation (in the background)
    startGatewayState();
    // 7. inference handlers for scripts/server.ts
    publishInferenceRoutes();
    // 8. ready; the log scrub later, in the background
    logger.info({ database: describeDatabase(env.database) }, "Detour is ready");
    startLogScrub();
    startAuditRetention();
  } catch (err) {
    if (
      err instanceof EnvError ||
      err instanceof EncryptionKeyError ||
      err instanceof StartupError ||
      err instanceof MigrationError ||
      err instanceof TracingConfigError
    ) {
      fail(err.message);
    }
    fail(`unexpected error during start-up: ${(err as Error).message}`);
  }
}

/** The process's shutdown hooks, once per process: the log writer's, with stopServerProcess as the close. */
function installProcessHooks(): void {
  const rt = getRuntime();
  if (rt.shutdownHooksInstalled) return;
  rt.shutdownHooksInstalled = true;
  installShutdownHooks({ ...getLogWriter().shutdownTarget(), close: stopServerProcess });
}

/** Runs the shutdown sequence (above); never rejects. `timeoutMs` bounds the log writer's close. */
export async function stopServerProcess(timeoutMs: number): Promise<void> {
  const rt = getRuntime();
  // 1. stopping
  rt.stopping = true;
  stopAuditRetention();
  stopLogRetention();
  // 2. metrics listener
  await stopMetricsServer().catch(() => {});
  // 3. log writer (it reports its own failures)
  await rt.logWriter?.close(timeoutMs).catch(() => {});
  await stopTracing(TRACES_FLUSH_MS).catch(() => {});
  // 4. budget alerts (they report what they drop)
  await rt.budgetAlerts?.close(ALERTS_CLOSE_MS).catch(() => {});
  // 5. Redis and the database connections
  await withinMs(
    Promise.allSettled([closeRedis(), rt.db?.$disconnect(), rt.logSink?.close()]).then(() => {}),
    CONNECTIONS_CLOSE_MS,
  );
}

/** `promise`, or nothing once `ms` have passed. */
function withinMs(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}
