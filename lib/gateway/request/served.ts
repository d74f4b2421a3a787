/**
 * The context of one inference request (`Served`), the narrower types it has as the stages of
 * handle-inference.ts fill it in, and what every answer shares: Detour's own time and the queued log row.
 */
import { errorDetail, logger } from "../../logger";
import { newLogId } from "../../logs/types";
import { getLogWriter } from "../../logs/writer";
import { observeRequest } from "../../metrics";
import { inferenceEnded, inferenceStarted } from "../in-flight";
import type { AuthenticatedKey } from "../../store/api-keys";
import type { AffinityRecord } from "../affinity";
import type { Endpoint, ResourceCall } from "../providers/types";
import type { Pinned } from "./origin";
import { countTokens } from "../rate-limit/checks";
import type { ResolvedTarget, Routing } from "./resolve-targets";
import type { RouteResult } from "../router";
import type { UpstreamPayload } from "./attempt";
import { newWaits, upstreamMsNow, type Waits } from "./waits";
import { requestStartOf } from "../../http/node-request";
import type { RequestContext } from "./headers";
import { buildLogRecord, type LogInput } from "./log-record";
import { type BudgetHold, settleBudgets, spendSubjects } from "../../budgets/enforce";
import { dayOf } from "../../budgets/period";
import type { LogRecord } from "../../logs/types";
import type { PriceOverrides } from "../../logs/cost";
import { requestTracer } from "../../tracing";
import { answerFacts } from "../../tracing/genai";
import type { RequestTrace } from "../../tracing/types";
import type { CancelSignal } from "../router/cancel";

/**
 * Who sends an inference request: a Detour API key, or a signed-in dashboard user trying a config
 * ("Test this config": config-test.ts), who has no API key: then `id` is null, and nothing is
 * limited, allowed or charged for an API key (no rpm/tpm, no allow-list, no API-key budget).
 */
export type Caller = Omit<AuthenticatedKey, "id"> & { id: string | null };

/** Where the answer goes in the response cache, when the config caches (`cacheLookup`). */
export type CachePlan = { key: string; ttlMs: number };

/**
 * One request as the stages see it. Every field exists from the start (one object shape); the ones
 * a stage fills in are null until then. The error answer and the log row read it as is.
 */
export type Served = {
  /** When the request started (`performance.now()`): taken by Detour's server, else when the handler was called. */
  t0: number;
  startedAt: Date;
  logId: string;
  request: Request;
  endpoint: Endpoint;
  /** A call on one stored response (`responses/{id}`...): method, id and query; null for the other endpoints. */
  call: ResourceCall | null;
  /** The target holding the response or conversation the request continues (`findOrigin`), null when unknown or none. */
  origin: AffinityRecord | null;
  /** The routing pinned to that origin (`pinToOrigin`). */
  pinned: Pinned | null;
  /**
   * Conversation affinity as answered (`x-detour-affinity`): "pinned" to the origin, "fallback_without_state"
   * when it failed and the config let the request go elsewhere; null when the request continues nothing known.
   */
  affinity: "pinned" | "fallback_without_state" | null;
  /** Responses and conversations this request created, with their target: written with its log row. */
  created: AffinityRecord[];
  /** The x-portkey-* request headers (`parseHeaders`). */
  ctx: RequestContext | null;
  /** The Detour API key (`authenticate`), or the dashboard user testing a config. */
  key: Caller | null;
  /** The body as received and as parsed (`readBody`). */
  requestText: string | null;
  body: Record<string, unknown> | null;
  /** Config and targets (`resolveTargets`). */
  routing: Routing | null;
  /** Null when the request is not cached (`cacheLookup`). */
  cache: CachePlan | null;
  /** The router's answer (`routeUpstream`). */
  result: RouteResult<ResolvedTarget, UpstreamPayload> | null;
  /** Time spent waiting on upstreams and on the client (waits.ts), and in retry back-off: not Detour's own. */
  timing: Waits;
  sleptMs: number;
  /** The server's write of the answer's last bytes (respond.ts: handOver), which its log row counts as Detour's own time. */
  writeMs: number;
  cacheStatus: "HIT" | "MISS" | "REFRESH" | "DISABLED";
  /** The reservation held against the request's budgets (`reserveBudget`), released when its log row is built. */
  budget: BudgetHold | null;
  /** The workspace's price overrides (`loadPrices`): what its answers and its budgets are priced with. */
  prices: PriceOverrides | null;
  /** The request's OpenTelemetry spans (lib/tracing), ended with its log row; null when tracing is off. */
  trace: RequestTrace | null;
  /** Counted in the process's inference requests in flight (lib/gateway/in-flight.ts) until its log row is queued. */
  inFlight: boolean;
  /** Called once its log row is queued, or could not be built: a config test waits for it (config-test.ts). */
  onLogged: (() => void) | null;
};

/** `S` with the fields `K` known to be set. */
export type Known<S, K extends keyof S> = S & { [P in K]: NonNullable<S[P]> };

/** The context after each stage that fills something in. */
export type Authenticated = Known<Served, "key">;
export type WithHeaders = Known<Authenticated, "ctx">;
export type WithBody = Known<WithHeaders, "body" | "requestText">;
export type Resolved = Known<WithBody, "routing">;
export type Routed = Known<Resolved, "result">;

export function newServed(request: Request, endpoint: Endpoint, call: ResourceCall | null = null): Served {
  const tracer = requestTracer();
  inferenceStarted();
  return {
    t0: requestStartOf(request) ?? performance.now(),
    startedAt: new Date(),
    logId: newLogId(),
    request,
    endpoint,
    call,
    origin: null,
    pinned: null,
    affinity: null,
    created: [],
    ctx: null,
    key: null,
    requestText: null,
    body: null,
    routing: null,
    cache: null,
    result: null,
    timing: newWaits(),
    sleptMs: 0,
    writeMs: 0,
    cacheStatus: "DISABLED",
    budget: null,
    prices: null,
    trace: tracer === null ? null : tracer.start(request, endpoint),
    inFlight: true,
    onLogged: null,
  };
}

/** Sets a field of the context and hands the same object back, typed with that field known. */
export function fill<S extends Served, K extends keyof Served>(s: S, field: K, value: NonNullable<Served[K]>): Known<S, K> {
  (s as Served)[field] = value;
  return s as Known<S, K>;
}

export function modelRequested(s: Served): string | null {
  return typeof s.body?.model === "string" ? s.body.model : null;
}

/**
 * Detour's own time so far: elapsed since the request started, minus the waits on upstreams and on
 * the client and the retry back-off. Everything else Detour did for it counts: the adapter, the
 * stages, reading and relaying the upstream's answer (docs/GATEWAY.md §3, `server-timing`).
 */
export function ownMs(s: Served): number {
  return Math.max(0, performance.now() - s.t0 - upstreamMsNow(s.timing) - s.timing.clientMs - s.sleptMs);
}

/** The upstream waits so far (`server-timing`'s `upstream`). */
export function upstreamMs(s: Served): number {
  return upstreamMsNow(s.timing);
}

/** The router's wait between retries, counted in `sleptMs` (not Detour's own time). */
export function trackedSleep(s: Served, ms: number, signal: CancelSignal): Promise<void> {
  const started = performance.now();
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      s.sleptMs += performance.now() - started;
      signal.removeEventListener("abort", onAbort);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      done();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Queues the request's log row. The row is built (bodies bounded and redacted, attempts, metrics,
 * token counts) on the next turn of the event loop, after the answer has been handed to the
 * client: none of that work delays the response. Times are taken now. Requests without an API key
 * belong to no workspace: they are not logged. Every answer comes here once it is complete (a
 * stream once it has ended, or the client has gone): the request stops counting as in flight.
 */
export function enqueueLog(s: Served, input: LogInput): void {
  if (s.inFlight) {
    s.inFlight = false;
    inferenceEnded();
  }
  const key = s.key;
  const trace = s.trace;
  const endedAt = trace === null ? 0 : trace.now();
  if (!key) {
    if (trace !== null) trace.finish({ endedAt, status: input.status, errorType: input.errorType, record: null, answer: null });
    s.onLogged?.();
    return;
  }
  const elapsed = performance.now() - s.t0;
  setImmediate(() => {
    let record: LogRecord | null = null;
    try {
      // The server's write of the answer's last bytes, done by now, ends the latency as it ends Detour's own time.
      record = buildLogRecord(s, key, input, Math.round(elapsed + s.writeMs));
      if (trace !== null) finishTrace(s, trace, input, record, endedAt);
      observeRequest(record);
      countTokens(record, input.result?.target ?? null, key);
      chargeBudgets(s, key, input, record);
      getLogWriter().enqueue(record);
    } catch (err) {
      logger.error({ err: errorDetail(err), logId: s.logId }, "could not build a request log row");
      // The spans end even without a row (once: a row built means they ended above).
      if (trace !== null && record === null)
        trace.finish({ endedAt, status: input.status, errorType: input.errorType, record, answer: null });
    }
    s.onLogged?.();
  });
}

/** Ends the request's spans with its log row, and what its JSON answer says (id, model, finish reasons). */
function finishTrace(s: Served, trace: RequestTrace, input: LogInput, record: LogRecord, endedAt: number): void {
  const payload = s.result?.outcome.response;
  // Read only for a request whose spans are exported.
  const answer = trace.recording && payload?.kind === "json" && input.result !== null ? answerFacts(payload.json) : null;
  trace.finish({ endedAt, status: input.status, errorType: input.errorType, record, answer });
}

/**
 * What the request costs its budgets: its logged cost, or, when an answer came but its cost is
 * unknown, the whole reservation (never less than the provider can bill). Recorded on the row
 * (`spend`: persisted with it) and settled on the ledger, which releases the reservation.
 */
function chargeBudgets(s: Served, key: Caller, input: LogInput, record: LogRecord): void {
  const answered = input.result?.target ?? null;
  const subjects = spendSubjects(key, s.routing, answered);
  const hold = s.budget;
  s.budget = null;
  const succeeded = record.status >= 200 && record.status < 300;
  const usd = record.cost ?? (hold && succeeded ? hold.nanos / 1e9 : 0);
  const now = Date.now();
  if (usd > 0) record.spend = { usd, day: dayOf(now), subjects: subjects.map(({ scope, id }) => ({ scope, id })) };
  if (hold || usd > 0)
    void settleBudgets(hold, key.workspaceId, subjects, usd, now).catch((err: unknown) =>
      logger.error({ err: errorDetail(err), logId: s.logId }, "could not settle a request's budgets"),
    );
}
