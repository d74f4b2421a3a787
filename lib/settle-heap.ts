/**
 * Full garbage collections at the moments an idle process can give memory back
 * (docs/PERFORMANCE.md, "The gateway-only role"): once at the end of the server's start
 * (settleHeap), and once whenever a burst of load is over (settleWhenIdle; the server's main thread
 * and the log sink's thread each run one, each for its own heap).
 *
 * Loading the server grows V8's young generation to its maximum (two 16 MiB semi-spaces): its
 * scavenges see most of what they copy survive (modules, compiled code), and V8 doubles the space
 * each time that survival exceeds its size. Load grows it the same way. V8 shrinks it in a full
 * collection only when the allocation rate is low at that moment, or in a "memory-reducing" one,
 * which its memory reducer runs ~8 s after a full collection that gave back old-space memory, and
 * then only if the process is idle. Whether the start's own full collection armed the reducer was a
 * matter of timing: an idle gateway held 91-98 MiB after some starts and 109-117 MiB after others.
 * A full collection once the start is done always frees the start's garbage, and in every start
 * tried the reducer then ran. After load, nothing collected at all until the next load came.
 *
 * Node exposes `gc()` only with `--expose-gc`; the flag is set for the one new context that fetches
 * the function and cleared again, so no code of the app's sees a global `gc`.
 */
import v8 from "node:v8";
import { performance } from "node:perf_hooks";
import vm from "node:vm";

/** Runs one full, synchronous collection; false when this runtime gave no way to (nothing else happens then). */
export function settleHeap(): boolean {
  let gc: unknown;
  try {
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc");
  } catch {
    return false;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
  if (typeof gc !== "function") return false;
  gc();
  return true;
}

/** What settleWhenIdle reads; the defaults read the process itself (tests pass their own). */
export type IdleProbes = {
  /** The event loop's utilization (0-1) since the previous call. */
  loopBusySinceLastCall: () => number;
  /** The young generation's size in bytes (V8's new space: its semi-spaces). */
  youngGenerationBytes: () => number;
  settle: () => unknown;
};

export function processProbes(): IdleProbes {
  let last = performance.eventLoopUtilization();
  return {
    loopBusySinceLastCall: () => {
      const now = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      return busy;
    },
    youngGenerationBytes: () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0,
    settle: settleHeap,
  };
}

/** Below this share of the event loop busy, an interval counts as idle. */
export const IDLE_LOOP_SHARE = 0.01;
/** A young generation over this has grown under load: V8 starts it at 1 MiB and grows it to 32. */
export const GROWN_YOUNG_GENERATION = 4 * 1024 * 1024;

/**
 * After load, once the server has been idle for `idleIntervals` checks `everyMs` apart (its event loop
 * busy under 1% of each) and its young generation is still grown: one full collection (settleHeap).
 * With the allocation rate that low, V8 shrinks the young generation in that collection itself,
 * and frees the load's garbage: an instance that served a burst gives the memory back instead of
 * holding it until the next one. Under load nothing happens (the loop is busy); once settled
 * nothing happens either, until load grows the young generation again. Returns a stop function.
 */
export function settleWhenIdle(
  { everyMs = 5_000, idleIntervals = 2 }: { everyMs?: number; idleIntervals?: number } = {},
  probes: IdleProbes = processProbes(),
): () => void {
  let idleFor = 0;
  const timer = setInterval(() => {
    idleFor = probes.loopBusySinceLastCall() < IDLE_LOOP_SHARE ? idleFor + 1 : 0;
    if (idleFor < idleIntervals || probes.youngGenerationBytes() <= GROWN_YOUNG_GENERATION) return;
    probes.settle();
    idleFor = 0;
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
