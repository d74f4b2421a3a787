/**
 * Routes one request over a resolved target tree (docs/GATEWAY.md §5), recursively:
 * - single: the first child;
 * - fallback: children in order; after a child answers, stop unless its status is in
 *   `on_status_codes` (the child's own list, else the strategy's) or, with no list, unless it is
 *   not 2xx. A stream broken before its first chunk always moves on. When every child fails, the
 *   last child's outcome is returned;
 * - loadbalance: one child drawn by weight (never one of weight 0), or with `by: latency | in_flight`
 *   by the per-target figures of `balance` (balance.ts); no fallback among them;
 * - fallback and loadbalance with `hedge`: another child is started too when the running ones have
 *   not answered in time (runHedged, docs/GATEWAY.md §5.11);
 * - conditional: the child named by the first matching condition, else by `default`, else
 *   `NoMatchingConditionError` (400).
 * A leaf runs its retries (retry-policy.ts) before its parent decides anything. Every attempt is
 * recorded in order with the reason Detour moved on from it. A leaf refused by `admit()` (circuit
 * breaker) is skipped without a call: a fallback moves on, and when the last child is skipped the
 * last real outcome is the answer (a 503 `circuit_open` only when nothing was tried). A client abort stops everything:
 * `route()` then rejects with `RouteAbortedError`, whose `attempts` hold what was tried.
 * At most `maxAttempts` upstream attempts are made (retries included; skips are free): when routing
 * wants one more (a retry, or the next target of a fallback), it stops at once, before any back-off
 * wait, and rejects with `AttemptBudgetError`, whose `attempts` hold the ones made.
 */
import { chooseConditionalTarget, type ConditionContext } from "./conditions";
import { MAX_UPSTREAM_ATTEMPTS } from "../config/limits";
import { AttemptBudgetError, InvalidRouteTreeError, NoMatchingConditionError, RouteAbortedError, RouteError } from "./errors";
import { isRetryTrigger, MAX_TOTAL_RETRY_WAIT_MS, retryDelayMs } from "./retry-policy";
import { runAttempt, type AttemptEnv } from "./run-attempt";
import type {
  AttemptOutcome,
  HedgePolicy,
  AttemptRecord,
  RouteChild,
  RouteLeaf,
  RouteNode,
  RouteOptions,
  RouteResult,
  RouteStrategyNode,
  Schedule,
  StrategySpec,
} from "./types";
import { pickWeighted } from "./weighted";
import { pickByFigures, scoreChildren } from "./balance";
import { withChanges } from "../../object";
import { Cancel, type CancelSignal, eitherCancel } from "./cancel";

type RouteEnv<T, R> = AttemptEnv<T, R> & {
  context: ConditionContext;
  sleep: (ms: number, signal: CancelSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  attempts: AttemptRecord<T>[];
  /** Attempts that called attempt() (the records minus skips): shared by a hedge's branches. */
  counts: { made: number; firstPath?: string };
  /** Inside a hedge's branch: aborted when another branch answered first (its attempt is `hedge_cancelled`). */
  hedgeSignal?: CancelSignal;
  nonIdempotent: boolean;
  maxAttempts: number;
  admit?: RouteOptions<T, R>["admit"];
  report?: RouteOptions<T, R>["report"];
  balance?: RouteOptions<T, R>["balance"];
  skippedResponse?: RouteOptions<T, R>["skippedResponse"];
};

/** What a subtree answered: the outcome, the leaf it came from, and that leaf's last attempt. */
type NodeResult<T, R> = {
  outcome: AttemptOutcome<R>;
  leaf: RouteLeaf<T>;
  retryCount: number;
  last: AttemptRecord<T>;
  /** The answer is a skip (admit() refused the leaf): nothing was sent. */
  skipped?: boolean;
};

export async function route<T, R = unknown>(root: RouteNode<T>, options: RouteOptions<T, R>): Promise<RouteResult<T, R>> {
  const env: RouteEnv<T, R> = {
    attempt: options.attempt,
    signal: options.signal ?? new Cancel(),
    schedule: options.schedule ?? realSchedule,
    timeoutResponse: options.timeoutResponse,
    context: { metadata: options.metadata, params: options.params },
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    attempts: [],
    counts: { made: 0 },
    nonIdempotent: options.nonIdempotent === true,
    maxAttempts: options.maxAttempts ?? MAX_UPSTREAM_ATTEMPTS,
    admit: options.admit,
    report: options.report,
    balance: options.balance,
    skippedResponse: options.skippedResponse,
  };
  try {
    const answer = await runNode(root, env);
    const firstPath = env.counts.firstPath;
    return {
      outcome: answer.outcome,
      path: answer.leaf.path,
      target: answer.leaf.target,
      retryCount: answer.retryCount,
      fallbackUsed: firstPath !== undefined && firstPath !== answer.leaf.path,
      attempts: env.attempts,
    };
  } catch (error) {
    if (error instanceof RouteError) error.attempts = env.attempts;
    throw error;
  }
}

function runNode<T, R>(node: RouteNode<T>, env: RouteEnv<T, R>): Promise<NodeResult<T, R>> {
  if (node.kind === "leaf") return runLeaf(node, env);
  const { strategy } = node;
  switch (strategy.mode) {
    case "single":
      return runNode(childAt(node, 0).node, env);
    case "fallback":
      return runFallback(node, strategy, env);
    case "loadbalance": {
      const { hedge } = strategy;
      if (hedge && (!env.nonIdempotent || hedge.allowNonIdempotent))
        return runHedged(node, hedge, loadbalanceRule(node, strategy, env), env);
      const drawn = drawChild(node.children, strategy, env);
      if (!drawn) throw new InvalidRouteTreeError(node.path, "loadbalance has no target with weight > 0");
      return runNode(drawn.node, env);
    }
    case "conditional":
      return runNode(conditionalChild(node, strategy, env.context).node, env);
  }
}

async function runFallback<T, R>(
  node: RouteStrategyNode<T>,
  strategy: Extract<StrategySpec, { mode: "fallback" }>,
  env: RouteEnv<T, R>,
): Promise<NodeResult<T, R>> {
  const { hedge } = strategy;
  if (hedge && (!env.nonIdempotent || hedge.allowNonIdempotent)) return runHedged(node, hedge, fallbackRule(node, strategy), env);
  let result: NodeResult<T, R> | undefined;
  let lastTried: NodeResult<T, R> | undefined;
  for (const [index, child] of node.children.entries()) {
    result = await runNode(child.node, env);
    if (!result.skipped) lastTried = result;
    if (index === node.children.length - 1) break;
    const reason = fallbackReason(result.outcome, child.onStatusCodes ?? strategy.onStatusCodes);
    if (reason === undefined) break;
    result.last.reason ??= reason;
  }
  if (!result) throw new InvalidRouteTreeError(node.path, "fallback has no targets");
  if (result.skipped && lastTried) {
    // Every target after the last one tried was skipped: the last real outcome is the answer.
    delete lastTried.last.reason;
    return lastTried;
  }
  return result;
}

type Branch<T, R> = { child: RouteChild<T>; cancel: Cancel; done: Promise<BranchSettled<T, R>> };
type BranchSettled<T, R> = { branch: Branch<T, R>; result: NodeResult<T, R> } | { branch: Branch<T, R>; error: unknown };

/** How a hedged node picks its children and judges their answers. */
type HedgeRule<T> = {
  /** Whether a child is left to start. */
  hasNext: () => boolean;
  /** The next child to start (the first call: the first attempt), drawn when it starts; undefined when none is left. */
  next: () => RouteChild<T> | undefined;
  /** Why the node moves past this child's outcome (undefined: it is the answer). */
  reason: (outcome: AttemptOutcome<unknown>, child: RouteChild<T>) => string | undefined;
  /** A failed attempt with no other running starts the next child (fallback), or is the answer (loadbalance). */
  movesOn: boolean;
};

/** Delay before a hedge when the target's p95 is not known yet (too few samples): docs/GATEWAY.md §5.11. */
export const HEDGE_P95_FALLBACK_MS = 2_000;

/**
 * A fallback or loadbalance with `hedge` (docs/GATEWAY.md §5.11): the children as without it, but
 * when the running ones have not answered within the delay (`afterMs`, or the p95 of the child
 * started last), another child is started too (at most `max` beside the first, each within the
 * attempt budget): a fallback's next one, a loadbalance's next draw among the children not started.
 * The first answer the node would stop at wins: the other branches are aborted (their attempts in
 * flight are `hedge_cancelled`). A failed branch moves on like a fallback (or, under loadbalance,
 * is the answer) only when no other branch is still running. A client abort or a router error
 * (budget) ends every branch.
 */
async function runHedged<T, R>(
  node: RouteStrategyNode<T>,
  hedge: HedgePolicy,
  rule: HedgeRule<T>,
  env: RouteEnv<T, R>,
): Promise<NodeResult<T, R>> {
  const running = new Set<Branch<T, R>>();
  let lastTried: NodeResult<T, R> | undefined;
  let lastStarted: RouteChild<T> | undefined;
  const start = () => {
    const child = rule.next();
    if (!child) throw new InvalidRouteTreeError(node.path, `${node.strategy.mode} has no targets`);
    lastStarted = child;
    const cancel = new Cancel();
    const branchEnv: RouteEnv<T, R> = withChanges(env, {
      signal: eitherCancel(env.signal, cancel),
      hedgeSignal: cancel,
    });
    const branch = { child, cancel } as Branch<T, R>;
    branch.done = runNode(child.node, branchEnv).then(
      (result) => ({ branch, result }),
      (error: unknown) => ({ branch, error }),
    );
    running.add(branch);
  };
  const cancelOthers = () => {
    for (const branch of running) branch.cancel.abort();
    running.clear();
  };
  start();
  for (;;) {
    const canHedge = rule.hasNext() && running.size <= hedge.max && env.counts.made < env.maxAttempts;
    let cancelTimer: (() => void) | undefined;
    const waits: Promise<BranchSettled<T, R> | "hedge">[] = [...running].map((branch) => branch.done);
    if (canHedge) {
      const delay = hedgeDelay(hedge, (lastStarted as RouteChild<T>).node, env);
      waits.push(new Promise((resolve) => (cancelTimer = env.schedule(delay, () => resolve("hedge")))));
    }
    const settled = await Promise.race(waits);
    cancelTimer?.();
    if (settled === "hedge") {
      if (env.signal.aborted) throw new RouteAbortedError();
      // The budget is read again when the timer fires: the first attempt may have been made since.
      if (env.counts.made < env.maxAttempts) start();
      continue;
    }
    running.delete(settled.branch);
    if ("error" in settled) {
      cancelOthers();
      throw settled.error;
    }
    const { result } = settled;
    if (!result.skipped) lastTried = result;
    const reason = rule.reason(result.outcome, settled.branch.child);
    if (reason === undefined) {
      cancelOthers();
      return result;
    }
    if (running.size > 0) {
      result.last.reason ??= reason;
      continue;
    }
    if (rule.movesOn && rule.hasNext()) {
      result.last.reason ??= reason;
      start();
      continue;
    }
    if (result.skipped && lastTried) {
      delete lastTried.last.reason;
      return lastTried;
    }
    return result;
  }
}

/** The hedge's wait for a child: `afterMs`, or its p95 (a subtree: the largest of its leaves'), HEDGE_P95_FALLBACK_MS while unknown. */
function hedgeDelay<T, R>(hedge: HedgePolicy, node: RouteNode<T>, env: RouteEnv<T, R>): number {
  if (hedge.afterMs !== "p95") return hedge.afterMs;
  const p95 = env.balance?.p95 ? nodeP95(node, env.balance.p95) : undefined;
  return p95 === undefined ? HEDGE_P95_FALLBACK_MS : Math.max(1, p95);
}

function nodeP95<T>(node: RouteNode<T>, p95: (leaf: RouteLeaf<T>) => number | undefined): number | undefined {
  if (node.kind === "leaf") return p95(node);
  let most: number | undefined;
  for (const child of node.children) {
    const value = nodeP95(child.node, p95);
    if (value === undefined) return undefined;
    most = Math.max(most ?? 0, value);
  }
  return most;
}

/** The hedge rule of a fallback: its children in order. */
function fallbackRule<T>(node: RouteStrategyNode<T>, strategy: Extract<StrategySpec, { mode: "fallback" }>): HedgeRule<T> {
  let index = 0;
  return {
    hasNext: () => index < node.children.length,
    next: () => node.children[index++],
    reason: (outcome, child) => fallbackReason(outcome, child.onStatusCodes ?? strategy.onStatusCodes),
    movesOn: true,
  };
}

/** The hedge rule of a loadbalance: each start draws among the children not started yet (by weight or `by`). */
function loadbalanceRule<T, R>(
  node: RouteStrategyNode<T>,
  strategy: Extract<StrategySpec, { mode: "loadbalance" }>,
  env: RouteEnv<T, R>,
): HedgeRule<T> {
  const left = [...node.children];
  let first = true;
  return {
    hasNext: () => left.some((child) => child.weight > 0 && Number.isFinite(child.weight)),
    next: () => {
      const drawn = drawChild(left, strategy, env);
      if (!drawn && first) throw new InvalidRouteTreeError(node.path, "loadbalance has no target with weight > 0");
      first = false;
      if (drawn) left.splice(left.indexOf(drawn), 1);
      return drawn;
    },
    reason: (outcome) => {
      const why = fallbackReason(outcome, undefined);
      return why === undefined ? undefined : `hedge: ${why.replace(/^fallback: /, "")}, another attempt still running`;
    },
    movesOn: false,
  };
}

function drawChild<T, R>(
  children: readonly RouteChild<T>[],
  strategy: Extract<StrategySpec, { mode: "loadbalance" }>,
  env: RouteEnv<T, R>,
): RouteChild<T> | undefined {
  return strategy.by && env.balance
    ? pickByFigures(scoreChildren(children, strategy.by, env.balance), strategy.by, env.random)
    : pickWeighted(children, (child) => child.weight, env.random);
}

/** Why a fallback moves past this outcome, or undefined when the outcome is the answer. */
export function fallbackReason(outcome: AttemptOutcome<unknown>, onStatusCodes: number[] | undefined): string | undefined {
  if (outcome.errorClass === "circuit_open") return "skipped: circuit open";
  if (outcome.errorClass === "stream_broken") return "fallback: stream broken before its first chunk";
  if (onStatusCodes) {
    if (!onStatusCodes.includes(outcome.status)) return undefined;
    const detail = outcome.errorClass ? ` (${describeOutcome(outcome)})` : "";
    return `fallback: status ${outcome.status} in on_status_codes${detail}`;
  }
  const is2xx = outcome.status >= 200 && outcome.status < 300 && outcome.errorClass === undefined;
  return is2xx ? undefined : `fallback: ${describeOutcome(outcome)}`;
}

function describeOutcome(outcome: AttemptOutcome<unknown>): string {
  switch (outcome.errorClass) {
    case "timeout":
      return "timeout";
    case "network":
      return "network error";
    case "stream_broken":
      return "stream broken before its first chunk";
    case "invalid_json":
      return "2xx body that is not JSON";
    case "redirect":
      return "upstream redirect";
    case "address_not_allowed":
      return "upstream address not allowed";
    case "aborted":
      return "client disconnected";
    case "circuit_open":
      return "circuit open";
    case "hedge_cancelled":
      return "cancelled: another attempt answered first";
    case undefined:
      return `status ${outcome.status}`;
  }
}

function conditionalChild<T>(
  node: RouteStrategyNode<T>,
  strategy: Extract<StrategySpec, { mode: "conditional" }>,
  context: ConditionContext,
): RouteChild<T> {
  const name = chooseConditionalTarget(strategy.conditions, strategy.default, context);
  if (name === undefined) throw new NoMatchingConditionError(node.path);
  const child = node.children.find((candidate) => candidate.name === name);
  if (!child) throw new InvalidRouteTreeError(node.path, `no target is named "${name}"`);
  return child;
}

function childAt<T>(node: RouteStrategyNode<T>, index: number): RouteChild<T> {
  const child = node.children[index];
  if (!child) throw new InvalidRouteTreeError(node.path, "the strategy has no targets");
  return child;
}

/** A target with its retries: the retry count is 0, n (answered on retry n) or -1 (gave up). */
async function runLeaf<T, R>(leaf: RouteLeaf<T>, env: RouteEnv<T, R>): Promise<NodeResult<T, R>> {
  ensureBudget(env);
  const admission = await admitLeaf(leaf, env);
  if (!admission.ok) return skipLeaf(leaf, admission.reason, env);
  const probe = admission.probe === true;
  // A probe is one request: no retries on it.
  const policy = probe ? undefined : leaf.settings.retry;
  let waitedMs = 0;
  for (let retryIndex = 0; ; retryIndex++) {
    const { outcome, record } = await attemptOnce(leaf, retryIndex, env);
    env.report?.(leaf, outcome, { probe });
    if (!policy || !isRetryTrigger(outcome, policy)) return { outcome, leaf, retryCount: retryIndex, last: record };
    if (retryIndex >= policy.attempts) return { outcome, leaf, retryCount: -1, last: record };
    const delayMs = retryDelayMs(outcome, policy, retryIndex + 1, env.random, env.now());
    if (waitedMs + delayMs > MAX_TOTAL_RETRY_WAIT_MS) return { outcome, leaf, retryCount: -1, last: record };
    ensureBudget(env);
    record.reason = `retry: ${describeOutcome(outcome)}`;
    waitedMs += delayMs;
    await sleepUnlessAborted(delayMs, env);
  }
}

/** Throws `AttemptBudgetError` when no upstream attempt is left for the one routing is about to make. */
function ensureBudget<T, R>(env: RouteEnv<T, R>): void {
  if (env.counts.made < env.maxAttempts) return;
  const last = env.attempts.findLast((record) => record.errorClass !== "circuit_open");
  if (last) last.reason = `stopped: ${env.maxAttempts} upstream attempts made, the limit for one request`;
  throw new AttemptBudgetError(env.maxAttempts, last?.status);
}

async function admitLeaf<T, R>(leaf: RouteLeaf<T>, env: RouteEnv<T, R>) {
  if (env.signal.aborted) throw new RouteAbortedError();
  if (!env.admit) return { ok: true as const };
  try {
    return await env.admit(leaf);
  } catch {
    return { ok: true as const };
  }
}

/** A leaf refused by admit(): recorded (no status), answered as 503 `circuit_open` if it is the answer. */
function skipLeaf<T, R>(leaf: RouteLeaf<T>, reason: string, env: RouteEnv<T, R>): NodeResult<T, R> {
  if (env.signal.aborted) throw new RouteAbortedError();
  const record: AttemptRecord<T> = {
    index: env.attempts.length,
    path: leaf.path,
    target: leaf.target,
    retryIndex: 0,
    errorClass: "circuit_open",
    latencyMs: 0,
    reason: `skipped: ${reason}`,
  };
  env.attempts.push(record);
  env.counts.firstPath ??= leaf.path;
  const outcome: AttemptOutcome<R> = { status: 503, errorClass: "circuit_open" };
  if (leaf.settings.measured) env.balance?.observe(leaf, outcome, 0);
  if (env.skippedResponse) outcome.response = env.skippedResponse({ path: leaf.path, target: leaf.target, reason });
  return { outcome, leaf, retryCount: 0, last: record, skipped: true };
}

async function attemptOnce<T, R>(
  leaf: RouteLeaf<T>,
  retryIndex: number,
  env: RouteEnv<T, R>,
): Promise<{ outcome: AttemptOutcome<R>; record: AttemptRecord<T> }> {
  if (env.signal.aborted) throw new RouteAbortedError();
  const startedAt = env.now();
  env.counts.made += 1;
  env.counts.firstPath ??= leaf.path;
  const settled = await runAttempt(leaf, retryIndex, env);
  const record: AttemptRecord<T> = {
    index: env.attempts.length,
    path: leaf.path,
    target: leaf.target,
    retryIndex,
    latencyMs: Math.max(0, env.now() - startedAt),
  };
  env.attempts.push(record);
  if (settled.kind === "aborted") {
    if (env.hedgeSignal?.aborted) {
      record.errorClass = "hedge_cancelled";
      record.reason = "hedge_cancelled: another attempt answered first";
      if (leaf.settings.timed) env.balance?.cancelled?.(leaf, record.latencyMs);
    } else {
      record.errorClass = "aborted";
      record.reason = "client disconnected";
    }
    throw new RouteAbortedError();
  }
  record.status = settled.outcome.status;
  if (settled.outcome.errorClass) record.errorClass = settled.outcome.errorClass;
  if (leaf.settings.measured) env.balance?.observe(leaf, settled.outcome, record.latencyMs);
  return { outcome: settled.outcome, record };
}

function sleepUnlessAborted<T, R>(ms: number, env: RouteEnv<T, R>): Promise<void> {
  const { signal } = env;
  if (signal.aborted) return Promise.reject(new RouteAbortedError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new RouteAbortedError());
    signal.addEventListener("abort", onAbort, { once: true });
    env.sleep(ms, signal).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) reject(new RouteAbortedError());
        else resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(signal.aborted ? new RouteAbortedError() : error);
      },
    );
  });
}

const realSchedule: Schedule = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

function realSleep(ms: number, signal: CancelSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
