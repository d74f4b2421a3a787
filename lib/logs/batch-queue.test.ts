import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { BatchQueue } from "./batch-queue";
import { testLogRecord } from "../../testing/sample-log-record";
import type { LogRecord } from "./types";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Pushes `n` records and returns weak references to them (the queue holds the only strong ones). */
function fill(queue: BatchQueue, n: number): WeakRef<LogRecord>[] {
  const refs: WeakRef<LogRecord>[] = [];
  for (let i = 0; i < n; i++) {
    const record = testLogRecord({ requestBody: "x".repeat(1000) });
    refs.push(new WeakRef(record));
    queue.push(record);
  }
  return refs;
}

/** WeakRef targets stay alive until the current job ends: yield, then collect. */
async function collect(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

describe("BatchQueue", () => {
  it("hands out records in order: batches, then the oldest, then everything left", () => {
    const queue = new BatchQueue();
    const records = Array.from({ length: 7 }, () => testLogRecord());
    for (const r of records) queue.push(r);
    const batch = queue.nextBatch(3)!;
    expect(batch).toEqual(records.slice(0, 3));
    expect(queue.nextBatch(3)).toBe(batch); // the head batch until it is settled
    queue.shiftHead();
    expect(queue.takeOldest(2)).toEqual(records.slice(3, 5));
    expect(queue.takeAll()).toEqual(records.slice(5));
    expect(queue.nextBatch(3)).toBeUndefined();
  });

  it("keeps no reference to a record once its batch is settled (its bodies can be collected)", async () => {
    const queue = new BatchQueue();
    // Fewer than the 1024 consumed records that trigger a compaction: the taken slots themselves must be cleared.
    const written = fill(queue, 300);
    const waiting = fill(queue, 5);
    while (queue.nextBatch(100)!.length === 100) queue.shiftHead();
    await collect();
    expect(written.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    expect(waiting.every((r) => r.deref() !== undefined)).toBe(true);
  });

  it("keeps no reference to records taken for the spill", async () => {
    const queue = new BatchQueue();
    const taken = fill(queue, 50);
    const left = fill(queue, 3);
    expect(queue.takeOldest(50)).toHaveLength(50);
    await collect();
    expect(taken.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    expect(left.every((r) => r.deref() !== undefined)).toBe(true);
  });
});
