/**
 * The span batcher on a fake clock: batches by the delay or by size, one export at a time, a full
 * queue drops (and says so), a stuck export is given up at its timeout, shutdown exports the rest.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type BatchSettings, SpanBatcher } from "./span-batcher";

type Item = { id: number; spanCount: number };

const SETTINGS: BatchSettings = { scheduleDelayMs: 1000, maxQueueSize: 10, maxExportBatchSize: 4, exportTimeoutMs: 5000 };

function harness(settings: BatchSettings = SETTINGS, answer: "now" | "later" | "never" = "now") {
  const exports: number[][] = [];
  const pending: (() => void)[] = [];
  const dropped: number[] = [];
  const batcher = new SpanBatcher<Item>(
    settings,
    (items, done) => {
      exports.push(items.map((i) => i.id));
      if (answer === "now") done(true);
      else if (answer === "later") pending.push(() => done(true));
    },
    (spans) => dropped.push(spans),
  );
  return { batcher, exports, pending, dropped };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("SpanBatcher", () => {
  it("exports what is queued once the delay has passed since the first item", async () => {
    const { batcher, exports } = harness();
    batcher.add({ id: 1, spanCount: 2 });
    await vi.advanceTimersByTimeAsync(600);
    batcher.add({ id: 2, spanCount: 1 });
    expect(exports).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(exports).toEqual([[1, 2]]);
    expect(batcher.queuedSpans).toBe(0);
  });

  it("exports at once when a full batch is queued, keeping a request's spans together", async () => {
    const { batcher, exports } = harness();
    batcher.add({ id: 1, spanCount: 2 });
    batcher.add({ id: 2, spanCount: 1 });
    batcher.add({ id: 3, spanCount: 2 }); // 5 spans queued: a batch of 4 is due; item 3 does not fit in it
    await vi.advanceTimersByTimeAsync(0);
    expect(exports).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(exports).toEqual([[1, 2], [3]]);
  });

  it("runs one export at a time and sends the next batch when the last is done", async () => {
    const { batcher, exports, pending } = harness(SETTINGS, "later");
    for (let id = 1; id <= 8; id++) batcher.add({ id, spanCount: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(exports).toEqual([[1, 2, 3, 4]]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(exports).toHaveLength(1); // still waiting for the first
    pending.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    expect(exports).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it("drops a request that would overflow the queue, counting its spans", async () => {
    const { batcher, exports, pending, dropped } = harness({ ...SETTINGS, maxExportBatchSize: 4 }, "later");
    for (let id = 1; id <= 4; id++) batcher.add({ id, spanCount: 1 }); // exported at once, the export hangs
    await vi.advanceTimersByTimeAsync(0);
    for (let id = 5; id <= 10; id++) batcher.add({ id, spanCount: 2 }); // five fill the queue's 10 spans; the sixth overflows
    expect(dropped).toEqual([2]);
    expect(batcher.queuedSpans).toBe(10);
    pending.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    expect(exports[1]).toEqual([5, 6]);
  });

  it("gives up on an export that never answers after the export timeout, and carries on", async () => {
    const { batcher, exports } = harness(SETTINGS, "never");
    for (let id = 1; id <= 5; id++) batcher.add({ id, spanCount: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(exports).toEqual([[1, 2, 3, 4]]);
    await vi.advanceTimersByTimeAsync(4999);
    expect(exports).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(1000); // the leftover waits its delay
    expect(exports).toEqual([[1, 2, 3, 4], [5]]);
  });

  it("shutdown exports everything queued, in batches, then refuses new items", async () => {
    const { batcher, exports, dropped } = harness();
    batcher.add({ id: 1, spanCount: 3 });
    batcher.add({ id: 2, spanCount: 3 });
    batcher.add({ id: 3, spanCount: 1 });
    const done = batcher.shutdown(10_000);
    await vi.advanceTimersByTimeAsync(0);
    await done;
    expect(exports.flat()).toEqual([1, 2, 3]);
    batcher.add({ id: 4, spanCount: 1 });
    expect(dropped).toEqual([1]);
  });

  it("shutdown gives up at its time and counts what was left as dropped", async () => {
    const { batcher, dropped } = harness(SETTINGS, "never");
    for (let id = 1; id <= 6; id++) batcher.add({ id, spanCount: 1 });
    const done = batcher.shutdown(100);
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(dropped).toEqual([2]); // 4 were handed to the exporter; 2 never left the queue
  });

  it("exports a long queue whole and in order, batch after batch, while more keeps arriving", async () => {
    const { batcher, exports, pending, dropped } = harness(
      { scheduleDelayMs: 1000, maxQueueSize: 20_000, maxExportBatchSize: 4, exportTimeoutMs: 5000 },
      "later",
    );
    // 5,000 requests queue behind the first export; each answer lets the next batch go.
    for (let id = 1; id <= 5000; id++) batcher.add({ id, spanCount: 1 });
    for (let round = 0; pending.length > 0; round++) {
      pending.shift()!();
      await vi.advanceTimersByTimeAsync(0);
      if (round === 600) for (let id = 5001; id <= 6000; id++) batcher.add({ id, spanCount: 1 });
    }
    expect(exports.flat()).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
    expect(exports.every((batch) => batch.length <= 4)).toBe(true);
    expect(batcher.queuedSpans).toBe(0);
    expect(dropped).toEqual([]);
  });
});
