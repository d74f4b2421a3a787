/**
 * Prometheus metrics (prom-client), served at GET /metrics. Request metrics are observed from each
 * finished request's log record (one place, synchronous, no I/O); the log queue's figures are read
 * from the writer when scraped. Label values are bounded: at most MAX_MODELS distinct models, the
 * rest count as "other", so user-supplied model names cannot blow up the series count.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { BudgetScope } from "./budgets/types";
import type { LogRecord } from "./logs/types";
import type { LogWriterStats } from "./logs/writer";
import { inferenceInFlight } from "./gateway/in-flight";
import { getRuntime } from "./runtime";

const MAX_MODELS = 100;
/** Distinct `target` values of detour_circuit_open; circuits beyond it are not shown. */
const MAX_CIRCUIT_TARGETS = 200;
const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];
const OVERHEAD_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50];

/** The registry and its metrics (one per process: the runtime's `metrics`). */
export type Metrics = {
  registry: Registry;
  requests: Counter<"provider" | "model" | "status" | "cache">;
  inFlight: Gauge;
  latency: Histogram<"provider">;
  overhead: Histogram<"provider">;
  fallbacks: Counter<"provider">;
  retries: Counter<"provider">;
  attempts: Counter<"provider" | "outcome">;
  tokens: Counter<"provider" | "kind">;
  cost: Counter<"provider">;
  logQueue: Gauge<"state">;
  spillBytes: Gauge;
  spillFiles: Gauge;
  spillErrors: Gauge;
  spillTornLines: Gauge;
  rateLimited: Counter<"scope">;
  models: Set<string>;
  circuitSkips: Counter<"provider">;
  circuitOpen: Gauge<"target">;
  circuitTargets: Set<string>;
  balanceLatency: Gauge<"target">;
  balanceInFlight: Gauge<"target">;
  signIns: Counter<"outcome">;
  signInLocks: Counter<"scope">;
  spend: Counter<"scope" | "name">;
  budgetRemaining: Gauge<"scope" | "name" | "period">;
  budgetRefused: Counter<"scope">;
  budgetAlerts: Counter<"scope" | "threshold">;
  retentionRuns: Counter<"outcome">;
  retentionDeleted: Counter<"kind">;
  retentionPartitionsDropped: Counter;
  retentionLastRun: Gauge;
  logPartitions: Gauge;
  logPartitionOldest: Gauge;
  budgetAlertWebhooks: Counter<"outcome">;
  traceSpans: Counter<"outcome">;
  responseCache: Counter<"store" | "op" | "outcome">;
  costSaved: Counter<"provider">;
};

function metrics(): Metrics {
  const rt = getRuntime();
  rt.metrics ??= createMetrics();
  return rt.metrics;
}

function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "detour_" });
  return {
    registry,
    requests: new Counter({
      name: "detour_requests_total",
      help: "Requests answered on /v1 inference routes",
      labelNames: ["provider", "model", "status", "cache"],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "detour_inference_requests_in_flight",
      help: "Inference requests this instance is serving now (a stream until it ends)",
      registers: [registry],
      // Read when scraped: the request path only moves an integer (lib/gateway/in-flight.ts).
      collect() {
        this.set(inferenceInFlight());
      },
    }),
    latency: new Histogram({
      name: "detour_request_duration_ms",
      help: "Total request latency (ms), upstream included",
      labelNames: ["provider"],
      buckets: LATENCY_BUCKETS_MS,
      registers: [registry],
    }),
    overhead: new Histogram({
      name: "detour_overhead_ms",
      help: "Detour's own time per request (ms), upstream and back-off excluded",
      labelNames: ["provider"],
      buckets: OVERHEAD_BUCKETS_MS,
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: "detour_fallbacks_total",
      help: "Requests answered by a target other than the first tried",
      labelNames: ["provider"],
      registers: [registry],
    }),
    retries: new Counter({
      name: "detour_retries_total",
      help: "Retry attempts made (attempts beyond each target's first)",
      labelNames: ["provider"],
      registers: [registry],
    }),
    attempts: new Counter({
      name: "detour_upstream_attempts_total",
      help: "Upstream attempts by outcome (ok, status class, or error class)",
      labelNames: ["provider", "outcome"],
      registers: [registry],
    }),
    tokens: new Counter({
      name: "detour_tokens_total",
      help: "Tokens reported by providers",
      labelNames: ["provider", "kind"],
      registers: [registry],
    }),
    cost: new Counter({
      name: "detour_cost_usd_total",
      help: "Cost in USD of answered requests (known models only)",
      labelNames: ["provider"],
      registers: [registry],
    }),
    logQueue: new Gauge({
      name: "detour_log_rows",
      help: "Request-log writer: rows queued now and waiting in spill files (spill_pending), and written / dropped / rejected / spilled / replayed since start",
      labelNames: ["state"],
      registers: [registry],
    }),
    spillBytes: new Gauge({
      name: "detour_log_spill_pending_bytes",
      help: "Bytes of request logs waiting in spill files (<data dir>/log-spill) for the database",
      registers: [registry],
    }),
    spillFiles: new Gauge({
      name: "detour_log_spill_files",
      help: "Spill files waiting to be replayed into the database",
      registers: [registry],
    }),
    spillErrors: new Gauge({ name: "detour_log_spill_errors", help: "Spill file write or read errors since start", registers: [registry] }),
    spillTornLines: new Gauge({
      name: "detour_log_spill_torn_lines",
      help: "Torn (partly written) spill lines skipped since start",
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "detour_rate_limited_total",
      help: "Requests refused with 429 by Detour's own rate limits, by the limited key's scope (api_key, virtual_key)",
      labelNames: ["scope"],
      registers: [registry],
    }),
    models: new Set(),
    circuitSkips: new Counter({
      name: "detour_circuit_skips_total",
      help: "Targets skipped without a call because their circuit was open",
      labelNames: ["provider"],
      registers: [registry],
    }),
    circuitOpen: new Gauge({
      name: "detour_circuit_open",
      help: "1 while a target's circuit is open (as last seen by this instance), else 0",
      labelNames: ["target"],
      registers: [registry],
    }),
    circuitTargets: new Set(),
    // Read when scraped from the loadbalance figures (lib/gateway/balance): at most 200 targets.
    balanceLatency: new Gauge({
      name: "detour_balance_latency_ms",
      help: "Moving average of a loadbalanced target's time to response headers (a stream: its first content chunk), as this instance measured it",
      labelNames: ["target"],
      registers: [registry],
      collect() {
        collectBalance(this, "latency");
      },
    }),
    balanceInFlight: new Gauge({
      name: "detour_balance_in_flight",
      help: "Attempts this instance has in flight to a loadbalanced target (a stream until it ends)",
      labelNames: ["target"],
      registers: [registry],
      collect() {
        collectBalance(this, "in_flight");
      },
    }),
    signIns: new Counter({
      name: "detour_sign_in_attempts_total",
      help: "Dashboard sign-in attempts (and password-change checks) by outcome: success, failure (wrong email or password), locked (refused while throttled)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    signInLocks: new Counter({
      name: "detour_sign_in_locks_total",
      help: "Temporary sign-in locks started after repeated failures, by scope (account, address)",
      labelNames: ["scope"],
      registers: [registry],
    }),
    spend: new Counter({
      name: "detour_spend_usd_total",
      help: "Settled cost in USD, by subject (workspace, API key, config, the virtual key that answered), as budgets count it",
      labelNames: ["scope", "name"],
      registers: [registry],
    }),
    budgetRemaining: new Gauge({
      name: "detour_budget_remaining_usd",
      help: "What a budget has left in its current period (limit minus settled spend), as of its last charge",
      labelNames: ["scope", "name", "period"],
      registers: [registry],
    }),
    budgetRefused: new Counter({
      name: "detour_budget_refused_total",
      help: "Requests refused with budget_exceeded, by the scope of the budget that refused",
      labelNames: ["scope"],
      registers: [registry],
    }),
    budgetAlerts: new Counter({
      name: "detour_budget_alerts_total",
      help: "Budget alerts raised (once per budget, period and threshold across instances), by budget scope and threshold percent",
      labelNames: ["scope", "threshold"],
      registers: [registry],
    }),
    retentionRuns: new Counter({
      name: "detour_log_retention_runs_total",
      help: "Log retention runs on this instance by outcome: complete, partial (time budget spent; the next run carries on), failed",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: "detour_log_retention_deleted_total",
      help: "Rows deleted in batches by the log retention on this instance, by kind: logs (with their attempts and metadata), affinity, rollups",
      labelNames: ["kind"],
      registers: [registry],
    }),
    retentionPartitionsDropped: new Counter({
      name: "detour_log_retention_partitions_dropped_total",
      help: "PostgreSQL: days of request logs dropped whole by the log retention on this instance",
      registers: [registry],
    }),
    retentionLastRun: new Gauge({
      name: "detour_log_retention_last_run_timestamp_seconds",
      help: "When this instance last ran the log retention (Unix time)",
      registers: [registry],
    }),
    logPartitions: new Gauge({
      name: "detour_log_partitions",
      help: "PostgreSQL: partitions of RequestLog holding days (the legacy partition included, the default not)",
      registers: [registry],
    }),
    logPartitionOldest: new Gauge({
      name: "detour_log_partition_oldest_timestamp_seconds",
      help: "PostgreSQL: the start of the oldest day partition of RequestLog (the end of the legacy partition while it exists; Unix time)",
      registers: [registry],
    }),
    budgetAlertWebhooks: new Counter({
      name: "detour_budget_alert_webhooks_total",
      help: "Budget alert webhook deliveries by outcome: delivered, failed (after retries or a 4xx), refused (private address), dropped (queue full or shutdown)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    traceSpans: new Counter({
      name: "detour_trace_spans_total",
      help: "OpenTelemetry spans by outcome: exported (the collector took them), failed (the export failed after its retries), dropped (the queue was full, or spans were left at shutdown)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    responseCache: new Counter({
      name: "detour_response_cache_operations_total",
      help: "Response cache reads (outcome hit, miss, error: Redis down, slow or an unreadable value, answered as a miss) and writes (stored, skipped: over 1 MiB, error) by store (memory, redis)",
      labelNames: ["store", "op", "outcome"],
      registers: [registry],
    }),
    costSaved: new Counter({
      name: "detour_cache_saved_cost_usd_total",
      help: "What cache hits saved: the cost their answers would have had upstream, at today's prices (USD)",
      labelNames: ["provider"],
      registers: [registry],
    }),
  };
}

function modelLabel(m: Metrics, model: string | null): string {
  if (!model) return "none";
  if (m.models.has(model)) return model;
  if (m.models.size >= MAX_MODELS) return "other";
  m.models.add(model);
  return model;
}

/** Records one finished request. Called once per log record; never throws. */
export function observeRequest(record: LogRecord): void {
  try {
    const m = metrics();
    const provider = record.provider ?? "none";
    m.requests.inc({ provider, model: modelLabel(m, record.model), status: String(record.status), cache: record.cacheStatus });
    m.latency.observe({ provider }, record.latencyMs);
    m.overhead.observe({ provider }, record.overheadMs);
    if (record.fallbackUsed) m.fallbacks.inc({ provider });
    for (const a of record.attempts) {
      const attemptProvider = a.provider ?? "none";
      if (a.errorClass === "circuit_open") {
        // A skip is not an upstream attempt.
        m.circuitSkips.inc({ provider: attemptProvider });
        continue;
      }
      if (a.retry > 0) m.retries.inc({ provider: attemptProvider });
      const outcome =
        a.errorClass && a.errorClass !== "upstream_status"
          ? a.errorClass
          : a.status === null
            ? "none"
            : a.status < 300
              ? "ok"
              : `${Math.floor(a.status / 100)}xx`;
      m.attempts.inc({ provider: attemptProvider, outcome });
    }
    if (record.promptTokens) m.tokens.inc({ provider, kind: "prompt" }, record.promptTokens);
    if (record.completionTokens) m.tokens.inc({ provider, kind: "completion" }, record.completionTokens);
    // Parts of the prompt count above: what the provider's prompt cache served and stored.
    if (record.cacheReadTokens) m.tokens.inc({ provider, kind: "cache_read" }, record.cacheReadTokens);
    if (record.cacheWriteTokens) m.tokens.inc({ provider, kind: "cache_write" }, record.cacheWriteTokens);
    // Part of the completion count above: what the model spent on reasoning.
    if (record.reasoningTokens) m.tokens.inc({ provider, kind: "reasoning" }, record.reasoningTokens);
    if (record.cost) m.cost.inc({ provider }, record.cost);
    if (record.costSaved) m.costSaved.inc({ provider }, record.costSaved);
  } catch {
    // Metrics must never break the request path.
  }
}

/** Counts one request refused by Detour's own rate limit. Never throws. */
export function observeRateLimited(scope: "api_key" | "virtual_key"): void {
  try {
    metrics().rateLimited.inc({ scope });
  } catch {
    // Metrics must never break the request path.
  }
}

/** Counts one response cache read or write (lib/gateway/cache). Never throws. */
export function observeResponseCache(
  store: "memory" | "redis",
  op: "get" | "set",
  outcome: "hit" | "miss" | "error" | "stored" | "skipped",
): void {
  try {
    metrics().responseCache.inc({ store, op, outcome });
  } catch {
    // Metrics must never break the request path.
  }
}

/** Counts one sign-in attempt by outcome. Never throws. */
export function observeSignIn(outcome: "success" | "failure" | "locked"): void {
  try {
    metrics().signIns.inc({ outcome });
  } catch {
    // Metrics must never break a request.
  }
}

/** Counts one sign-in lock (account or address). Never throws. */
export function observeSignInLock(scope: "account" | "address"): void {
  try {
    metrics().signInLocks.inc({ scope });
  } catch {
    // Metrics must never break a request.
  }
}

/** Counts one budget alert (the instance that claimed it); `thresholdPct` is 1-100, so the label is bounded. Never throws. */
export function observeBudgetAlert(scope: BudgetScope, thresholdPct: number): void {
  try {
    metrics().budgetAlerts.inc({ scope, threshold: String(thresholdPct) });
  } catch {
    // Metrics must never break the caller.
  }
}

/** Counts budget alert webhooks (`count`, default 1) by outcome. Never throws. */
export function observeBudgetAlertWebhook(outcome: "delivered" | "failed" | "refused" | "dropped", count = 1): void {
  try {
    metrics().budgetAlertWebhooks.inc({ outcome }, count);
  } catch {
    // Metrics must never break the caller.
  }
}

/** Counts OpenTelemetry spans by outcome (lib/tracing/otel.ts). Never throws. */
export function observeTraceSpans(outcome: "exported" | "failed" | "dropped", count: number): void {
  try {
    metrics().traceSpans.inc({ outcome }, count);
  } catch {
    // Metrics must never break the caller.
  }
}

/** Sets detour_circuit_open for one target (at most MAX_CIRCUIT_TARGETS labels); never throws. */
export function setCircuitOpen(target: string, open: boolean): void {
  try {
    const m = metrics();
    if (!m.circuitTargets.has(target)) {
      if (m.circuitTargets.size >= MAX_CIRCUIT_TARGETS) return;
      m.circuitTargets.add(target);
    }
    m.circuitOpen.set({ target }, open ? 1 : 0);
  } catch {
    // Metrics must never break the request path.
  }
}

/** Sets a loadbalance gauge from the figures (targets with a metric label only); never throws. */
function collectBalance(gauge: Gauge<"target">, what: "latency" | "in_flight"): void {
  gauge.reset();
  const balance = getRuntime().balance;
  if (!balance) return;
  for (const [id, latency, inFlight] of balance.figures.local()) {
    const target = balance.labels.get(id);
    if (target === undefined) continue;
    if (what === "in_flight") gauge.set({ target }, inFlight);
    else if (latency !== undefined) gauge.set({ target }, Math.round(latency));
  }
}

/** The Prometheus text exposition, with the log queue's current figures. */
export async function renderMetrics(logStats: LogWriterStats): Promise<{ contentType: string; body: string }> {
  const m = metrics();
  m.logQueue.set({ state: "queued" }, logStats.queued);
  m.logQueue.set({ state: "written" }, logStats.written);
  m.logQueue.set({ state: "dropped" }, logStats.dropped);
  m.logQueue.set({ state: "rejected" }, logStats.rejected);
  m.logQueue.set({ state: "spilled" }, logStats.spill.spilled);
  m.logQueue.set({ state: "replayed" }, logStats.spill.replayed);
  m.logQueue.set({ state: "spill_pending" }, logStats.spill.pendingRows);
  m.spillBytes.set(logStats.spill.pendingBytes);
  m.spillFiles.set(logStats.spill.files);
  m.spillErrors.set(logStats.spill.errors);
  m.spillTornLines.set(logStats.spill.tornLines);
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}

/** Settled cost charged to one subject (detour_spend_usd_total). */
export function observeSpend(scope: string, name: string, usd: number): void {
  if (usd > 0) metrics().spend.inc({ scope, name }, usd);
}

/** What a budget has left after a charge (detour_budget_remaining_usd). */
export function observeBudgetRemaining(scope: string, name: string, period: string, usd: number): void {
  metrics().budgetRemaining.set({ scope, name, period }, usd);
}

export function observeBudgetRefused(scope: string): void {
  metrics().budgetRefused.inc({ scope });
}

/** One log retention run on this instance (lib/logs/retention.ts). */
export function observeRetentionRun(run: {
  outcome: "complete" | "partial" | "failed";
  startedAtMs: number;
  deleted: Record<string, number>;
  partitionsDropped: number;
}): void {
  try {
    const m = metrics();
    m.retentionRuns.inc({ outcome: run.outcome });
    for (const [kind, n] of Object.entries(run.deleted)) if (n > 0) m.retentionDeleted.inc({ kind }, n);
    if (run.partitionsDropped > 0) m.retentionPartitionsDropped.inc(run.partitionsDropped);
    m.retentionLastRun.set(run.startedAtMs / 1000);
  } catch {
    // Metrics must never break the caller.
  }
}

/** PostgreSQL: the day partitions of RequestLog and where the oldest starts (null: none). */
export function observeLogPartitions(count: number, oldest: Date | null): void {
  try {
    const m = metrics();
    m.logPartitions.set(count);
    if (oldest) m.logPartitionOldest.set(oldest.getTime() / 1000);
    else m.logPartitionOldest.reset();
  } catch {
    // Metrics must never break the caller.
  }
}
