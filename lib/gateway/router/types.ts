/**
 * Types of the router: a resolved tree of routing nodes (docs/GATEWAY.md §4, §5), the injected
 * `attempt()` that talks to one upstream target, and what a routed request reports back.
 * `T` is whatever the resolver puts in a leaf (a concrete provider target); `R` is the opaque
 * payload an attempt returns (e.g. the upstream response), handed back untouched.
 */
import type { Query } from "../config/condition-query";
import type { CancelSignal } from "./cancel";

export type StrategyMode = "single" | "fallback" | "loadbalance" | "conditional";

export type RetryPolicy = {
  /** Retries after the first try: 0..5 (docs/GATEWAY.md §4). */
  attempts: number;
  /** Statuses that trigger a retry; default 429, 500, 502, 503, 504, 529. */
  onStatusCodes?: number[];
  useRetryAfterHeader?: boolean;
};

/** Settings of a node after inheritance from its parents (see `mergeSettings`). */
export type NodeSettings = {
  retry?: RetryPolicy;
  cache?: { mode: "simple"; maxAgeSeconds?: number };
  overrideParams?: Record<string, unknown>;
  requestTimeoutMs?: number;
  customHost?: string;
  /** Opt-in circuit breaker (`circuit_breaker`), inherited by every target below the node that sets it. */
  circuitBreaker?: CircuitBreakerPolicy;
  /** The config's `affinity.on_origin_failure` (top level only): a Responses follow-up whose origin fails. */
  onOriginFailure?: "error" | "fallback_without_state";
  /**
   * Set on every leaf below a loadbalance node that draws by figures (`by: latency | in_flight`):
   * its attempts feed the per-target figures (RouteOptions.balance). Absent, nothing is measured.
   */
  measured?: true;
  /**
   * Set (with `measured`) on every leaf below a hedge with `after_ms: "p95"`: its answer times also
   * feed the target's p95 (Balance.p95). Absent, no histogram is kept.
   */
  timed?: true;
};

/** Hedged requests on a fallback or loadbalance node (docs/GATEWAY.md §5.11). */
export type HedgePolicy = {
  /** Wait this long for the running attempts before another target is tried too; "p95": the running target's p95. */
  afterMs: number | "p95";
  /** Extra attempts at once beside the first: 1..3. */
  max: number;
  /** Hedge even a request that is not idempotent (RouteOptions.nonIdempotent). */
  allowNonIdempotent?: boolean;
};

/** What a loadbalance node draws by: weight alone, or per-target figures (docs/GATEWAY.md §5.10). */
export type BalanceBy = "weight" | "latency" | "in_flight";

export type CircuitBreakerPolicy = {
  /** Consecutive failures that open the circuit: 1..100. */
  failureThreshold: number;
  /** How long an open circuit skips the target before one probe is let through: 1000..600000 ms. */
  cooldownMs: number;
  /** Statuses that count as failures; default 429, 500, 502, 503, 504, 529. Network errors and timeouts always do. */
  failureStatusCodes?: number[];
};

export type RouteLeaf<T> = {
  kind: "leaf";
  /** JSON path of the target: `config`, `config.targets[0]`, `config.targets[0].targets[1]`. */
  path: string;
  target: T;
  settings: NodeSettings;
};

export type StrategySpec =
  | { mode: "single" }
  | { mode: "fallback"; onStatusCodes?: number[]; hedge?: HedgePolicy }
  | { mode: "loadbalance"; by?: "latency" | "in_flight"; hedge?: HedgePolicy }
  | { mode: "conditional"; conditions: { query: Query; then: string }[]; default?: string };

export type RouteChild<T> = {
  name?: string;
  weight: number;
  /** The target's own `on_status_codes`: overrides the parent fallback's list for this child. */
  onStatusCodes?: number[];
  node: RouteNode<T>;
};

export type RouteStrategyNode<T> = {
  kind: "strategy";
  path: string;
  strategy: StrategySpec;
  children: RouteChild<T>[];
  settings: NodeSettings;
};

export type RouteNode<T> = RouteLeaf<T> | RouteStrategyNode<T>;

/**
 * Why an attempt failed without an upstream status of its own: `timeout` (request_timeout hit,
 * status 408), `network` (no response), `stream_broken` (the stream broke before its first content
 * chunk), `aborted` (the client went away; set by the router only), `circuit_open` (the target was skipped
 * without a call because `admit()` refused it; no status in its record).
 */
export type AttemptErrorClass =
  | "timeout"
  | "network"
  | "stream_broken"
  | "invalid_json"
  | "redirect"
  | "address_not_allowed"
  | "aborted"
  | "circuit_open"
  | "hedge_cancelled";

export type AttemptOutcome<R = unknown> = {
  status: number;
  /** Upstream response headers, names lower-case (read for Retry-After). */
  headers?: Record<string, string>;
  errorClass?: AttemptErrorClass;
  response?: R;
};

export type AttemptInfo = {
  /** 0 for the first try of a target, n for its n-th retry. */
  retryIndex: number;
  /** Aborted when the attempt times out or the client disconnects: pass it to the upstream request. */
  signal: CancelSignal;
};

/**
 * Calls one upstream target and resolves once the response headers are in (the body may still
 * stream). It must resolve, not reject, for upstream failures: a network error is
 * `{ status: 502, errorClass: "network" }` (or any status the caller prefers). A rejection that is
 * not caused by the abort signal is treated as a bug and makes `route()` reject with it.
 */
export type AttemptFn<T, R = unknown> = (
  leaf: { target: T; path: string; settings: NodeSettings },
  info: AttemptInfo,
) => Promise<AttemptOutcome<R>>;

export type AttemptRecord<T> = {
  /** Position in the request's attempt list, from 0. */
  index: number;
  path: string;
  target: T;
  retryIndex: number;
  /** Absent only for an attempt cut short by the client. */
  status?: number;
  errorClass?: AttemptErrorClass;
  latencyMs: number;
  /** Why Detour moved on from this attempt (`retry: status 429`, `fallback: timeout`, ...); absent on the answer. */
  reason?: string;
};

export type RouteResult<T, R = unknown> = {
  outcome: AttemptOutcome<R>;
  /** Path of the leaf that answered (`x-portkey-last-used-option-index`). */
  path: string;
  target: T;
  /** `x-portkey-retry-attempt-count`: 0 no retry, n answered on retry n, -1 retries exhausted. */
  retryCount: number;
  /** True when a target other than the first one tried answered. */
  fallbackUsed: boolean;
  attempts: AttemptRecord<T>[];
};

/** A timer: run `fn` after `ms`, return a function that cancels it. */
export type Schedule = (ms: number, fn: () => void) => () => void;

export type RouteOptions<T, R = unknown> = {
  attempt: AttemptFn<T, R>;
  /** The client's connection: when it aborts, routing stops at once. */
  signal?: CancelSignal;
  /** `x-portkey-metadata`, read by conditional routing as `metadata.<key>`. */
  metadata?: Record<string, unknown>;
  /** The request body, read by conditional routing as `params.<key>`. */
  params?: Record<string, unknown>;
  /** Waits between retries; default a real timer. Should reject or resolve early on abort. */
  sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
  /** In [0, 1): draws for loadbalance and back-off jitter. Default Math.random. */
  random?: () => number;
  /** Wall clock in ms (latency, HTTP-date Retry-After). Default Date.now. */
  now?: () => number;
  /** Timer for request timeouts. Default setTimeout. */
  schedule?: Schedule;
  /** Payload for a timed-out attempt's outcome (e.g. the OpenAI-shaped timeout error body). */
  timeoutResponse?: (info: { path: string; timeoutMs: number }) => R;
  /**
   * Asked once per leaf before its first attempt (e.g. by a circuit breaker). `{ ok: false }` skips
   * the leaf without calling attempt(): an attempt record with errorClass `circuit_open`, no status,
   * reason `skipped: <reason>`, and a failure for the parent fallback (it always moves on). A `probe`
   * admission makes a single attempt (no retries). A rejection is treated like `{ ok: true }`.
   */
  admit?: (leaf: RouteLeaf<T>) => Admission | Promise<Admission>;
  /** Told the outcome of every attempt that reached an outcome (not client aborts), in order. */
  report?: (leaf: RouteLeaf<T>, outcome: AttemptOutcome<R>, info: { probe: boolean }) => void;
  /**
   * Upstream attempts allowed for this request, retries included (skips do not count). When routing
   * wants one more, it stops and rejects with `AttemptBudgetError`. Default MAX_UPSTREAM_ATTEMPTS (20),
   * the budget every validated config fits in.
   */
  maxAttempts?: number;
  /**
   * The request is not idempotent (a Responses create that stores its response): fallback nodes
   * do not hedge it unless their hedge says `allow_non_idempotent`.
   */
  nonIdempotent?: boolean;
  /** Figures for loadbalance by latency / in_flight; without it such nodes draw by weight. */
  balance?: Balance<T>;
  /** Payload of a skipped leaf's outcome (status 503), e.g. Detour's OpenAI-shaped `circuit_open` error. */
  skippedResponse?: (info: { path: string; target: T; reason: string }) => R;
};

/**
 * Per-target figures for loadbalance by latency / in_flight (lib/gateway/balance): read when a
 * node draws, told each attempt of a measured leaf. Without it, such a node draws by weight.
 */
export type Balance<T> = {
  /** The leaf's figure: latency (ms, undefined when unknown) or attempts in flight; `failing` when it fails more than it answers. */
  figure(leaf: RouteLeaf<T>, by: "latency" | "in_flight"): { value: number | undefined; failing: boolean };
  /**
   * The outcome of an attempt of a measured leaf (`skipped`: refused by admit()), with the time it
   * took to settle (response headers, or a stream's first content chunk). Not called for client aborts.
   */
  observe(leaf: RouteLeaf<T>, outcome: AttemptOutcome<unknown>, latencyMs: number): void;
  /** The leaf's p95 time to answer (ms), undefined while too few samples are known (hedge `after_ms: "p95"`). */
  p95?(leaf: RouteLeaf<T>): number | undefined;
  /** A hedge's loser of a `timed` leaf was cancelled after `latencyMs`: a lower bound of its answer time. */
  cancelled?(leaf: RouteLeaf<T>, latencyMs: number): void;
};

export type Admission = { ok: true; probe?: boolean } | { ok: false; reason: string };
