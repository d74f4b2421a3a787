/** settleHeap: one forced full collection, and no `gc` left where the app's code could see it. */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { describe, expect, it, vi } from "vitest";
import { GROWN_YOUNG_GENERATION, processProbes, settleHeap, settleWhenIdle } from "./settle-heap";

describe("settleHeap", () => {
  it("runs one full, forced garbage collection", async () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc;
    const seen: { kind: number; flags: number }[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        seen.push((entry as PerformanceEntry & { detail: unknown }).detail as { kind: number; flags: number });
    });
    observer.observe({ entryTypes: ["gc"] });
    try {
      expect(settleHeap()).toBe(true);
      // GC entries are delivered on a later turn.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      observer.disconnect();
    }
    const full = seen.filter(
      (d) => d.kind === constants.NODE_PERFORMANCE_GC_MAJOR && (d.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
    );
    expect(full).toHaveLength(1);
    // The function was fetched from a context of its own: the app's global is as it was.
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(hadGc);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe("undefined");
  });
});

describe("settleWhenIdle", () => {
  /** Probes fed by the test: the loop's share per check and the young generation's size. */
  function scripted(shares: number[], young: () => number) {
    const calls = { settle: 0 };
    const probes = {
      loopBusySinceLastCall: () => shares.shift() ?? 0,
      youngGenerationBytes: young,
      settle: () => {
        calls.settle += 1;
      },
    };
    return { probes, calls };
  }

  it("settles once the loop has been idle for the intervals asked and the young generation has grown, not before", () => {
    vi.useFakeTimers();
    try {
      let young = 32 * 1024 * 1024;
      // Busy, then one idle check, busy again (the count starts over), then two idle checks in a row.
      const { probes, calls } = scripted([0.4, 0.005, 0.3, 0.002, 0.009, 0.001, 0.001, 0.001], () => young);
      const stop = settleWhenIdle(
        { everyMs: 1000, idleIntervals: 2 },
        {
          ...probes,
          settle: () => {
            probes.settle();
            young = 1024 * 1024;
          },
        },
      );
      vi.advanceTimersByTime(4000);
      expect(calls.settle).toBe(0);
      vi.advanceTimersByTime(1000);
      expect(calls.settle).toBe(1);
      // Settled: the young generation is small again, so further idle checks do nothing.
      vi.advanceTimersByTime(3000);
      expect(calls.settle).toBe(1);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("does nothing while the young generation is small, however idle, and nothing under load", () => {
    vi.useFakeTimers();
    try {
      const idle = scripted(Array(10).fill(0), () => GROWN_YOUNG_GENERATION);
      const stopIdle = settleWhenIdle({ everyMs: 1000, idleIntervals: 2 }, idle.probes);
      const busy = scripted(Array(10).fill(0.5), () => 8 * GROWN_YOUNG_GENERATION);
      const stopBusy = settleWhenIdle({ everyMs: 1000, idleIntervals: 2 }, busy.probes);
      vi.advanceTimersByTime(10_000);
      expect(idle.calls.settle).toBe(0);
      expect(busy.calls.settle).toBe(0);
      stopIdle();
      stopBusy();
    } finally {
      vi.useRealTimers();
    }
  });

  it("reads this process's own figures by default: the loop's busy share and V8's young generation", () => {
    const probes = processProbes();
    const share = probes.loopBusySinceLastCall();
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(1);
    // V8 starts the young generation at 1 MiB and grows it by doubling up to 32 MiB.
    const young = probes.youngGenerationBytes();
    expect(young).toBeGreaterThanOrEqual(1024 * 1024);
    expect(young).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(probes.settle).toBe(settleHeap);
  });
});
