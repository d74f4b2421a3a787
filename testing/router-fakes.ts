/**
 * Fakes for the router's tests: a scripted attempt(), a manual clock and timer, a seeded random,
 * and tree builders. Not imported by production code.
 */
import type { CancelSignal } from "../lib/gateway/router/cancel";
import type {
  AttemptFn,
  AttemptOutcome,
  NodeSettings,
  RouteChild,
  RouteLeaf,
  RouteNode,
  Schedule,
  StrategySpec,
} from "../lib/gateway/router/types";

/** `hang`: never answers on its own (only a timeout or a client abort ends it). */
export type ScriptStep = AttemptOutcome<string> | "hang";

export type AttemptCall = { path: string; retryIndex: number; signal: CancelSignal };

/**
 * attempt() answering from a script: each call for a path takes that path's next step (the last
 * step repeats). `onCall` runs before answering (to advance a clock, fire a timer, abort...).
 */
export function scriptedAttempt(
  script: Record<string, ScriptStep[]>,
  onCall?: (call: AttemptCall) => void,
): { attempt: AttemptFn<string, string>; calls: AttemptCall[] } {
  const calls: AttemptCall[] = [];
  const callsPerPath = new Map<string, number>();
  const attempt: AttemptFn<string, string> = (leaf, info) => {
    const call = { path: leaf.path, retryIndex: info.retryIndex, signal: info.signal };
    calls.push(call);
    const steps = script[leaf.path];
    if (!steps || steps.length === 0) throw new Error(`no script for ${leaf.path}`);
    const used = callsPerPath.get(leaf.path) ?? 0;
    callsPerPath.set(leaf.path, used + 1);
    const step = steps[Math.min(used, steps.length - 1)] as ScriptStep;
    onCall?.(call);
    if (step === "hang") {
      return new Promise((_, reject) => {
        info.signal.addEventListener("abort", () => reject(info.signal.reason), { once: true });
      });
    }
    return Promise.resolve(step);
  };
  return { attempt, calls };
}

export const ok = (response = "ok"): AttemptOutcome<string> => ({ status: 200, response });
export const status = (code: number, headers?: Record<string, string>): AttemptOutcome<string> => ({
  status: code,
  response: `error ${code}`,
  ...(headers ? { headers } : {}),
});
export const networkError: AttemptOutcome<string> = { status: 502, errorClass: "network" };

/** A clock and timers that move only when told to. */
export function fakeClock(start = 1_000_000) {
  let time = start;
  const timers: { ms: number; fn: () => void; cancelled: boolean; fired: boolean }[] = [];
  const schedule: Schedule = (ms, fn) => {
    const timer = { ms, fn, cancelled: false, fired: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
    schedule,
    timers,
    /** Fires every pending timer (as if their time had come). */
    fireAll: () => {
      for (const timer of timers) {
        if (timer.cancelled || timer.fired) continue;
        timer.fired = true;
        timer.fn();
      }
    },
  };
}

/** sleep() that returns at once and records what it was asked to wait. */
export function recordingSleep() {
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };
  return { sleep, waits };
}

/** Mulberry32: a small seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function leaf(path: string, settings: NodeSettings = {}): RouteLeaf<string> {
  return { kind: "leaf", path, target: `target@${path}`, settings };
}

type ChildSpec = RouteNode<string> | (Omit<RouteChild<string>, "weight"> & { weight?: number });

/** A strategy node; children given as nodes (weight 1) or as `{ node, weight, name, ... }`. */
export function strategy(path: string, spec: StrategySpec, children: ChildSpec[]): RouteNode<string> {
  return {
    kind: "strategy",
    path,
    strategy: spec,
    settings: {},
    children: children.map((child) => ("kind" in child ? { weight: 1, node: child } : { weight: 1, ...child })),
  };
}
