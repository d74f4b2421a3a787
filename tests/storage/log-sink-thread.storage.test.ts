/**
 * The log sink on its own thread (lib/store/log-sink-thread.ts) on a real database: what the
 * thread writes is what the sink writes in process; the database's refusals come back with their
 * code; a thread that dies fails the write in flight, and the next write starts a new thread and
 * writes each log once.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogRecord } from "@/lib/logs/types";
import { createLogSink } from "@/lib/store/log-sink";
import { threadedLogSink } from "@/lib/store/log-sink-thread";
import { isPermanentLogWriteError } from "@/lib/store/logs";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

describe(`the log sink's thread on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  const records = (n: number, text: string): LogRecord[] =>
    Array.from({ length: n }, (_, i) =>
      testLogRecord({
        workspaceId,
        createdAt: new Date(Date.now() - i),
        requestBody: JSON.stringify({ messages: [{ role: "user", content: `${text} ${i}` }] }),
        cost: 0.001,
      }),
    );
  const stored = async (ids: string[]) =>
    (await t.db.requestLog.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id).sort();
  const attempts = async (ids: string[]) => t.db.requestAttempt.count({ where: { logId: { in: ids } } });

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await ensureDefaultWorkspace(t.db)).id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("is the app's sink, and writes what the in-process sink writes", async () => {
    const sink = createLogSink(t.target);
    expect("thread" in sink && typeof sink.thread).toBe("function");
    const batch = records(30, "threaded pelican");
    await sink.write(batch);
    expect(await stored(batch.map((r) => r.id))).toEqual(batch.map((r) => r.id).sort());
    expect(await attempts(batch.map((r) => r.id))).toBe(batch.reduce((n, r) => n + r.attempts.length, 0));
    // The same batch again, in process this time: nothing more (exactly once, whichever thread).
    const inProcess = createLogSink(t.target, { thread: false });
    await inProcess.write(batch);
    await inProcess.close();
    await sink.close();
    expect(await attempts(batch.map((r) => r.id))).toBe(batch.reduce((n, r) => n + r.attempts.length, 0));
  });

  it("passes the database's refusal back with its code, so the writer can tell it is permanent", async () => {
    const sink = createLogSink(t.target);
    const orphan = { ...records(1, "orphan")[0]!, workspaceId: "no-such-workspace" };
    const err = await sink.write([orphan]).then(
      () => null,
      (e: unknown) => e,
    );
    await sink.close();
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: unknown }).code).toEqual(expect.any(String));
    expect(isPermanentLogWriteError(err)).toBe(true);
  });

  it("fails the write in flight when its thread dies, then writes on a new thread, each log once", async () => {
    const sink = threadedLogSink(t.target);
    await sink.write(records(1, "warm-up"));
    const first = sink.thread()!;
    expect(first).not.toBeNull();
    const batch = records(20, "interrupted heron");
    if (t.target.kind === "postgresql") {
      // Hold the log table so that the thread's write waits in the database, then end the thread.
      // (Not on SQLite: there the wait is inside a native call, and ending a thread there aborts the
      // process; its thread is only ever ended idle, below.)
      const release = await holdLogTable(t.target.url);
      const inFlight = sink.write(batch).then(
        () => "written",
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 200));
      await first.terminate();
      await release();
      const outcome = await inFlight;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/thread exited/);
    } else {
      await first.terminate();
    }
    // The writer retries the batch: a new thread takes it, and nothing is written twice.
    await sink.write(batch);
    expect(sink.thread()).not.toBe(first);
    await sink.write(batch);
    expect(await stored(batch.map((r) => r.id))).toEqual(batch.map((r) => r.id).sort());
    expect(await attempts(batch.map((r) => r.id))).toBe(batch.reduce((n, r) => n + r.attempts.length, 0));
    const thread = sink.thread()!;
    const exited = new Promise<number>((resolve) => thread.once("exit", resolve));
    await sink.close();
    expect(sink.thread()).toBeNull();
    expect(await exited).toBe(0); // it ended by itself, not terminated (that exits with 1)
  });
});

/** Another connection holds PostgreSQL's log table until the returned function is called. */
async function holdLogTable(url: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`LOCK TABLE "RequestLog" IN EXCLUSIVE MODE`);
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}
