import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testLogRecord } from "../../testing/sample-log-record";
import { boundBody, newLogId, type LogRecord } from "./types";
import { LogWriter, type LogWriterErrorInfo, type LogWriterOptions, type ShutdownProcess } from "./writer";

const record = testLogRecord;

/** A fake database write: records every call; each call's outcome comes from `outcome` (default ok). */
function fakeWrite(outcome: (call: number, batch: readonly LogRecord[]) => "ok" | Error | Promise<void> = () => "ok") {
  const calls: { at: number; ids: string[] }[] = [];
  const stored: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (batch: readonly LogRecord[]): Promise<void> => {
    calls.push({ at: Date.now(), ids: batch.map((r) => r.id) });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const result = outcome(calls.length, batch);
      if (result instanceof Error) throw result;
      if (result !== "ok") await result;
      stored.push(...batch.map((r) => r.id));
    } finally {
      inFlight -= 1;
    }
  };
  return { write, calls, stored, maxInFlight: () => maxInFlight };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

function writer(options: LogWriterOptions): LogWriter {
  return new LogWriter({ flushIntervalMs: 250, retryBaseMs: 200, retryMaxMs: 5_000, ...options });
}

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe("LogWriter batching", () => {
  it("writes full batches at once and the remainder after the flush interval", async () => {
    const db = fakeWrite();
    const w = writer({ write: db.write, batchSize: 3, maxBatchSize: 3 });
    const records = Array.from({ length: 7 }, () => record());
    for (const r of records) w.enqueue(r);
    expect(db.calls).toHaveLength(0); // enqueue itself never writes
    await settle();
    expect(db.calls.map((c) => c.ids.length)).toEqual([3, 3]);
    await vi.advanceTimersByTimeAsync(249);
    expect(db.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(db.calls.map((c) => c.ids.length)).toEqual([3, 3, 1]);
    expect(db.stored).toEqual(records.map((r) => r.id));
    expect(w.stats()).toMatchObject({ queued: 0, written: 7, dropped: 0, failedWrites: 0, lastWriteAt: new Date(250) });
  });

  it("takes a backlog in one write, up to maxBatchSize (2000 by default)", async () => {
    const db = fakeWrite();
    const w = writer({ write: db.write, batchSize: 200 });
    for (let i = 0; i < 4500; i++) w.enqueue(record());
    await settle();
    expect(db.calls.map((c) => c.ids.length)).toEqual([2000, 2000, 500]);
    expect(w.stats()).toMatchObject({ queued: 0, written: 4500 });
  });

  it("flushes a partial batch flushIntervalMs after the first record, without waiting for quiet", async () => {
    const db = fakeWrite();
    const w = writer({ write: db.write, batchSize: 100 });
    w.enqueue(record());
    await vi.advanceTimersByTimeAsync(100);
    w.enqueue(record());
    await vi.advanceTimersByTimeAsync(100);
    w.enqueue(record());
    expect(db.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(db.calls).toEqual([{ at: 250, ids: expect.any(Array) }]);
    expect(db.calls[0]!.ids).toHaveLength(3);
  });

  it("keeps one write in flight; records arriving meanwhile go in the next batches", async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const db = fakeWrite(() => {
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    });
    const w = writer({ write: db.write, batchSize: 2, maxBatchSize: 3 });
    for (let i = 0; i < 2; i++) w.enqueue(record());
    await settle();
    expect(db.calls).toHaveLength(1);
    // A backlog builds up while the write is in flight: the next writes take up to maxBatchSize.
    for (let i = 0; i < 4; i++) w.enqueue(record());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(db.calls).toHaveLength(1);
    gates[0]!.resolve();
    await settle();
    expect(db.calls).toHaveLength(2);
    gates[1]!.resolve();
    await settle();
    await vi.advanceTimersByTimeAsync(250); // the last record alone waits for the flush interval
    gates[2]!.resolve();
    await settle();
    expect(db.calls.map((c) => c.ids.length)).toEqual([2, 3, 1]);
    expect(db.maxInFlight()).toBe(1);
    expect(w.stats().written).toBe(6);
  });
});

describe("LogWriter failures", () => {
  it("retries the head batch with exponential back-off, then writes everything once, in order", async () => {
    const errors: LogWriterErrorInfo[] = [];
    const db = fakeWrite((call) => (call <= 3 ? new Error(`database down ${call}`) : "ok"));
    const w = writer({ write: db.write, batchSize: 2, maxBatchSize: 2, onError: (_err, info) => errors.push(info) });
    const records = Array.from({ length: 5 }, () => record());
    for (const r of records.slice(0, 3)) w.enqueue(r);
    await settle();
    expect(db.calls.map((c) => c.at)).toEqual([0]);
    for (const r of records.slice(3)) w.enqueue(r); // arrive while the writer backs off
    await vi.advanceTimersByTimeAsync(199);
    expect(db.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 + 400 + 800);
    expect(db.calls.map((c) => c.at)).toEqual([0, 200, 600, 1400, 1400]);
    expect(db.calls.slice(0, 4).map((c) => c.ids)).toEqual(Array(4).fill([records[0]!.id, records[1]!.id]));
    await vi.advanceTimersByTimeAsync(250); // the last, partial batch waits for the interval again
    expect(db.stored).toEqual(records.map((r) => r.id));
    expect(errors.map((e) => (e.kind === "write_failed" ? e.retryInMs : e.kind))).toEqual([200, 400, 800]);
    expect(w.stats()).toMatchObject({ queued: 0, written: 5, dropped: 0, failedWrites: 3, lastError: "Error: database down 3" });
  });

  it("caps the back-off at retryMaxMs and resets it after a success", async () => {
    let down = true;
    const db = fakeWrite(() => (down ? new Error("down") : "ok"));
    const w = writer({ write: db.write, batchSize: 1, retryBaseMs: 100, retryMaxMs: 300 });
    w.enqueue(record());
    await vi.advanceTimersByTimeAsync(100 + 200 + 300 + 300);
    expect(db.calls.map((c) => c.at)).toEqual([0, 100, 300, 600, 900]);
    down = false;
    await vi.advanceTimersByTimeAsync(300);
    expect(w.stats().written).toBe(1);
    down = true;
    w.enqueue(record());
    await vi.advanceTimersByTimeAsync(100);
    expect(db.calls.map((c) => c.at).slice(-2)).toEqual([1200, 1300]);
  });

  it("splits a batch that fails for good and rejects only the record that cannot be written", async () => {
    const errors: LogWriterErrorInfo[] = [];
    const poison = record({ traceId: "poison" });
    const db = fakeWrite((_call, batch) => (batch.some((r) => r.traceId === "poison") ? new Error("constraint") : "ok"));
    const w = writer({ write: db.write, batchSize: 8, isPermanentError: () => true, onError: (_e, info) => errors.push(info) });
    const records = [record(), record(), poison, record(), record()];
    for (const r of records) w.enqueue(r);
    const flushed = w.flush(1_000);
    await settle();
    expect(await flushed).toBe(true);
    expect(db.stored).toEqual(records.filter((r) => r !== poison).map((r) => r.id));
    expect(errors.filter((e) => e.kind === "rejected")).toEqual([{ kind: "rejected", logId: poison.id }]);
    expect(w.stats()).toMatchObject({ queued: 0, written: 4, rejected: 1 });
  });
});

describe("LogWriter bounded queue", () => {
  it("counts records refused when full and reports drops at most once per interval", async () => {
    const gate = deferred();
    const db = fakeWrite(() => gate.promise);
    const reports: LogWriterErrorInfo[] = [];
    let clock = 0;
    const w = writer({ write: db.write, maxQueue: 5, batchSize: 2, now: () => clock, onError: (_e, info) => reports.push(info) });
    for (let i = 0; i < 8; i++) w.enqueue(record());
    await settle();
    expect(w.stats()).toMatchObject({ queued: 5, dropped: 3 });
    expect(reports).toEqual([{ kind: "dropped", count: 1, reason: "queue_full" }]);
    clock = 10_000;
    w.enqueue(record());
    expect(reports.at(-1)).toEqual({ kind: "dropped", count: 3, reason: "queue_full" });
    gate.resolve();
    const flushed = w.flush(1_000);
    await settle();
    expect(await flushed).toBe(true);
    expect(w.stats()).toMatchObject({ queued: 0, written: 5, dropped: 4 });
  });

  it("never throws from enqueue, even when the error hook throws", () => {
    const w = writer({
      write: async () => {},
      maxQueue: 0,
      onError: () => {
        throw new Error("hook broke");
      },
    });
    expect(() => w.enqueue(record())).not.toThrow();
    expect(w.stats().dropped).toBe(1);
  });
});

describe("LogWriter flush and close", () => {
  it("flush resolves once earlier records are written, without waiting for the interval", async () => {
    const db = fakeWrite();
    const w = writer({ write: db.write, batchSize: 100, flushIntervalMs: 60_000 });
    w.enqueue(record());
    w.enqueue(record());
    const flushed = w.flush(1_000);
    await settle();
    expect(await flushed).toBe(true);
    expect(db.stored).toHaveLength(2);
    expect(await w.flush(1_000)).toBe(true); // nothing queued: at once
  });

  /** One record queued for a database that stays down, flushed with `quiet`: what the flush gave and what was reported. */
  async function flushWhileDown(quiet: boolean) {
    const reports: LogWriterErrorInfo[] = [];
    const w = writer({
      write: async () => {
        throw new Error("down");
      },
      onError: (_e, info) => reports.push(info),
    });
    w.enqueue(record());
    const flushed = w.flush(1_000, { quiet });
    await vi.advanceTimersByTimeAsync(1_000);
    return { flushed: await flushed, queued: w.stats().queued, unwritten: reports.filter((r) => r.kind === "unwritten") };
  }

  it("flush returns false after its timeout when the database stays down, keeping the records", async () => {
    expect(await flushWhileDown(false)).toEqual({
      flushed: false,
      queued: 1,
      unwritten: [{ kind: "unwritten", count: 1, reason: "flush_timeout" }],
    });
  });

  it("a quiet flush (a config test waiting for its row) times out the same, reporting nothing", async () => {
    expect(await flushWhileDown(true)).toEqual({ flushed: false, queued: 1, unwritten: [] });
  });

  it("close flushes, then counts later records as dropped", async () => {
    const db = fakeWrite();
    const w = writer({ write: db.write });
    w.enqueue(record());
    const closed = w.close(1_000);
    w.enqueue(record());
    await settle();
    expect(await closed).toBe(true);
    expect(w.stats()).toMatchObject({ written: 1, dropped: 1, queued: 0 });
  });
});

describe("LogWriter shutdown hooks", () => {
  function fakeProcess() {
    const emitter = new EventEmitter();
    const exits: (number | string | null | undefined)[] = [];
    const proc: ShutdownProcess = {
      on: (event, listener) => emitter.on(event, listener),
      listenerCount: (event) => emitter.listenerCount(event),
      exit: (code) => void exits.push(code),
    };
    return { proc, emitter, exits };
  }

  it("is idempotent", () => {
    const { proc, emitter } = fakeProcess();
    const w = writer({ write: async () => {} });
    w.installShutdownHooks({ proc });
    w.installShutdownHooks({ proc });
    expect(["SIGTERM", "SIGINT", "beforeExit", "exit"].map((e) => emitter.listenerCount(e))).toEqual([1, 1, 1, 1]);
  });

  it("on SIGTERM handled by Next.js, accepts late logs and defers Next's exit until they are written", async () => {
    const gate = deferred();
    const db = fakeWrite(() => gate.promise);
    const { proc, emitter, exits } = fakeProcess();
    const w = writer({ write: db.write, batchSize: 100 });
    w.installShutdownHooks({ proc });
    emitter.on("SIGTERM", () => {}); // stands for Next.js's own handler
    w.enqueue(record());
    emitter.emit("SIGTERM", "SIGTERM");
    await settle();
    expect(db.calls).toHaveLength(1); // written eagerly, not after the interval
    w.enqueue(record()); // an in-flight request finishing during Next's graceful close
    proc.exit(143);
    await settle();
    expect(exits).toEqual([]);
    gate.resolve();
    await settle();
    expect(exits).toEqual([143]);
    expect(db.stored).toHaveLength(2);
  });

  it("on a signal nobody else handles, flushes and exits with 128 + signal number", async () => {
    const db = fakeWrite();
    const { proc, emitter, exits } = fakeProcess();
    const w = writer({ write: db.write });
    w.installShutdownHooks({ proc });
    w.enqueue(record());
    emitter.emit("SIGINT", "SIGINT");
    await settle();
    expect(db.stored).toHaveLength(1);
    expect(exits).toEqual([130]);
  });

  it("flushes on beforeExit", async () => {
    const db = fakeWrite();
    const { proc, emitter } = fakeProcess();
    const w = writer({ write: db.write, flushIntervalMs: 60_000 });
    w.installShutdownHooks({ proc });
    w.enqueue(record());
    emitter.emit("beforeExit", 0);
    await settle();
    expect(db.stored).toHaveLength(1);
  });

  it("reports records still unwritten at exit", () => {
    const reports: LogWriterErrorInfo[] = [];
    const { proc, emitter } = fakeProcess();
    const w = writer({ write: async () => {}, onError: (_e, info) => reports.push(info) });
    w.installShutdownHooks({ proc });
    w.enqueue(record());
    w.enqueue(record());
    emitter.emit("exit", 0);
    expect(reports).toEqual([{ kind: "unwritten", count: 2, reason: "exit" }]);
  });
});

describe("newLogId", () => {
  it("is log_ + 26 Crockford base32 characters, time first", () => {
    const id = newLogId(Date.UTC(2025, 0, 1));
    expect(id).toMatch(/^log_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newLogId(Date.UTC(2030, 0, 1)) > id).toBe(true);
  });

  it("is strictly increasing within a millisecond and when the clock steps back", () => {
    const ids = Array.from({ length: 1_000 }, () => newLogId(Date.UTC(2031, 0, 1)));
    ids.push(newLogId(Date.UTC(2020, 0, 1)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]!.slice(0, 14)).toBe(ids[999]!.slice(0, 14));
  });
});

describe("boundBody", () => {
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");

  it("keeps a body that fits, exactly at the limit too", () => {
    expect(boundBody("hello", 5)).toEqual({ body: "hello", truncated: false });
    expect(boundBody("é".repeat(4), 8)).toEqual({ body: "éééé", truncated: false });
    expect(boundBody("x".repeat(32 * 1024))).toEqual({ body: "x".repeat(32 * 1024), truncated: false });
  });

  it("truncates at 32 KiB by default", () => {
    const r = boundBody("x".repeat(40_000));
    expect(r.truncated).toBe(true);
    expect(bytes(r.body)).toBe(32 * 1024);
  });

  it("never splits a multi-byte character at the boundary", () => {
    expect(boundBody("abé", 3)).toEqual({ body: "ab", truncated: true }); // é is 2 bytes
    expect(boundBody("a€b", 3)).toEqual({ body: "a", truncated: true }); // € is 3 bytes
    expect(boundBody("ab😀c", 5)).toEqual({ body: "ab", truncated: true }); // surrogate pair, 4 bytes
    expect(boundBody("ab😀c", 6)).toEqual({ body: "ab😀", truncated: true });
    for (let max = 0; max < 40; max++) {
      const { body } = boundBody("aé€😀".repeat(5), max);
      expect(bytes(body)).toBeLessThanOrEqual(max);
      expect(body).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(Buffer.from(body, "utf8").toString("utf8")).toBe(body);
    }
  });
});
