/** settleHeap: one forced full collection, and no `gc` left where the app's code could see it. */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { settleHeap } from "./settle-heap";

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
