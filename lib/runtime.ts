/**
 * The process's runtime: every long-lived object Detour keeps (the environment, the database
 * client, the log writer, Redis, caches, metrics, circuit state, the upstream agent, the budget
 * alerts...) in one typed object, in one global slot (lib/runtime-slot.ts).
 *
 * Why a global slot: Next.js may load `lib/` more than once in one process (each route bundle and
 * instrumentation have their own copy of its modules; dev reloads them), and Detour's HTTP server
 * (scripts/server.ts) must reach the objects Next's build created. Each copy of this module finds
 * the same runtime in the slot, so the process has exactly one of each part.
 *
 * Each part is created by its own module's accessor on first use (getDb(), getLogWriter(),
 * getRedis(), ...), so a unit test that imports a module gets only the parts it touches: no
 * database or Redis it does not use. At server start lib/server-start.ts creates the parts in one
 * order and installs the one shutdown order (both written there). The accessors read a property
 * of this object: no lookup by name per call.
 */
import type { Server } from "node:http";
import type { Logger } from "pino";
import type { Agent } from "undici";
import type { SignInThrottle } from "./auth/sign-in-throttle";
import type { BudgetAlerts } from "./budgets/alerts";
import type { LoadedKey } from "./crypto";
import type { Db } from "./db";
import type { Env } from "./env";
import type { AffinityStore } from "./gateway/affinity/store";
import type { LedgerState } from "./budgets/ledger-runtime";
import type { GatewayState } from "./gateway/cache/lookups";
import type { ParseMemos } from "./gateway/cache/parse-memo";
import type { ResponseCache } from "./gateway/cache/response-cache";
import type { CircuitState } from "./gateway/circuit/hooks";
import type { BalanceState } from "./gateway/balance/hooks";
import type { InferenceRoutes } from "./gateway/endpoints/handler-table";
import type { LogWriter } from "./logs/log-writer";
import type { Metrics } from "./metrics";
import type { RedisState } from "./redis";
import type { LogSink } from "./store/log-sink";
import { RUNTIME_SLOT, type RuntimeSlot } from "./runtime-slot";

/** Every part is `undefined` until its accessor (or the start sequence) creates it. */
export type Runtime = {
  /** lib/env.ts getEnv(): the environment, parsed once. */
  env: Env | undefined;
  /** lib/logger.ts `logger`. */
  logger: Logger | undefined;
  /** lib/secrets.ts: the encryption key and the next-auth secret. */
  encryptionKey: LoadedKey | undefined;
  authSecret: string | undefined;
  /** lib/db/index.ts getDb(). */
  db: Db | undefined;
  /** lib/metrics.ts: the prom-client registry and its metrics. */
  metrics: Metrics | undefined;
  /** lib/metrics-server.ts: the DETOUR_METRICS_PORT listener. */
  metricsServer: Server | undefined;
  /** lib/redis.ts: the connections (with REDIS_URL), the instance id. */
  redis: RedisState | undefined;
  /** lib/logs/writer.ts getLogWriter(), and the database connection it writes with (lib/store/log-sink.ts). */
  logWriter: LogWriter | undefined;
  logSink: LogSink | undefined;
  /**
   * The bundled script the log sink's thread runs (the gateway-only role, lib/gateway-role.ts);
   * undefined: the thread loads the sink's sources through tsx (lib/store/log-sink-thread.ts).
   */
  logSinkWorkerFile: string | undefined;
  /** lib/logs/scrub.ts startLogScrub() ran. */
  logScrubStarted: boolean;
  /** lib/gateway/cache/lookups.ts: API keys, configs, virtual keys; invalidation bus; rate limiter. */
  gateway: GatewayState | undefined;
  /** lib/gateway/cache/parse-memo.ts: parsed inline and virtual-key configs. */
  parseMemos: ParseMemos | undefined;
  /** lib/gateway/cache/response-cache.ts getResponseCache(). */
  responseCache: ResponseCache | undefined;
  /** lib/gateway/circuit/hooks.ts: the circuit breaker and its open circuits. */
  circuit: CircuitState | undefined;
  /** lib/gateway/balance/hooks.ts: per-target figures for loadbalance by latency / in_flight. */
  balance: BalanceState | undefined;
  /** lib/gateway/affinity: where Responses API objects live (local cache, Redis, database). */
  affinity: AffinityStore | undefined;
  /** lib/budgets/ledger-runtime.ts: the budget ledger (Redis or memory) and its in-memory fallback. */
  budgets: LedgerState | undefined;
  /** lib/gateway/upstream/agent.ts getUpstreamAgent(). */
  upstreamAgent: Agent | undefined;
  /** lib/auth/sign-in-throttle.ts getSignInThrottle(). */
  signInThrottle: SignInThrottle | undefined;
  /** lib/budgets/alerts.ts getBudgetAlerts(): budget alerts and their webhook queue. */
  budgetAlerts: BudgetAlerts | undefined;
  /** The /v1 inference handlers Detour's HTTP server answers with (lib/gateway/endpoints/handler-table.ts). */
  inferenceHandlers: InferenceRoutes | undefined;
  /** lib/gateway/in-flight.ts: inference requests in this process not yet answered to the end. */
  inferenceInFlight: number;
  /** lib/server-start.ts installed the process's shutdown hooks. */
  shutdownHooksInstalled: boolean;
  /** The shutdown sequence has begun (background work stops quietly). */
  stopping: boolean;
};

/** Every key present from the start: one shape, so each accessor's property read stays monomorphic. */
function createRuntime(): Runtime {
  return {
    env: undefined,
    logger: undefined,
    encryptionKey: undefined,
    authSecret: undefined,
    db: undefined,
    metrics: undefined,
    metricsServer: undefined,
    redis: undefined,
    logWriter: undefined,
    logSink: undefined,
    logSinkWorkerFile: undefined,
    logScrubStarted: false,
    gateway: undefined,
    parseMemos: undefined,
    responseCache: undefined,
    circuit: undefined,
    balance: undefined,
    affinity: undefined,
    budgets: undefined,
    upstreamAgent: undefined,
    signInThrottle: undefined,
    budgetAlerts: undefined,
    inferenceHandlers: undefined,
    inferenceInFlight: 0,
    shutdownHooksInstalled: false,
    stopping: false,
  };
}

let current: Runtime | undefined;

/** The process's runtime: the one in the global slot, put there by the first copy of this module to ask. */
export function getRuntime(): Runtime {
  if (current) return current;
  const slot = globalThis as RuntimeSlot;
  slot[RUNTIME_SLOT] ??= createRuntime();
  current = slot[RUNTIME_SLOT];
  return current;
}
