/**
 * SQLite: an interactive transaction that reads, then writes, while another connection commits in
 * between (the log sink's thread, another process). With Prisma's plain BEGIN the write failed at
 * once with SQLITE_BUSY_SNAPSHOT ("Operation has timed out"); transactions now take the write lock
 * first (lib/db/sqlite-write-lock.ts), so the other connection waits its turn instead.
 *
 * And a write that finds the lock held by another thread (the log sink's) waits for it on a timer:
 * better-sqlite3's busy timeout waited inside the native call, with the event loop stopped.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWriteLockFirst } from "@/lib/db/sqlite-write-lock";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

/** Another thread that holds the write lock of `file` (BEGIN IMMEDIATE) for `ms`, then commits. */
async function holdTheLock(file: string, ms: number): Promise<{ heldAt: number; released: Promise<number> }> {
  const worker = new Worker(
    `const { workerData, parentPort } = require("node:worker_threads");
     const db = new (require("better-sqlite3"))(workerData.file);
     db.prepare("BEGIN IMMEDIATE").run();
     parentPort.postMessage("held");
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
     db.prepare("COMMIT").run();
     db.close();
     parentPort.postMessage("released");`,
    { eval: true, workerData: { file, ms } },
  );
  const message = (what: string) =>
    new Promise<number>((resolve, reject) => {
      worker.on("message", (m) => m === what && resolve(performance.now()));
      worker.once("error", reject);
    });
  const held = message("held");
  const released = message("released").finally(() => worker.terminate());
  return { heldAt: await held, released };
}

/** The longest the event loop went without running a 5 ms timer, while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number; doneAt: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    const doneAt = performance.now();
    stallMs = Math.max(stallMs, doneAt - last);
    return { result, stallMs, doneAt };
  } finally {
    clearInterval(timer);
  }
}

describe.runIf(TEST_DB_KIND === "sqlite")("SQLite transactions beside another connection", () => {
  let t: TestDatabase;
  let other: Database.Database;

  beforeAll(async () => {
    t = await createTestDatabase();
    if (t.target.kind !== "sqlite") throw new Error("SQLite only");
    // A short busy timeout: the test's own transaction holds the lock in this same thread.
    other = new Database(t.target.file, { timeout: 50 });
  });
  afterAll(async () => {
    other?.close();
    await t?.db.$disconnect();
    await t?.drop();
  });

  const otherWrite = (name: string) =>
    other
      .prepare(`INSERT INTO "Workspace" (id, name, slug, "createdAt") VALUES (?, ?, ?, ?)`)
      .run(`ws_${name}`, name, `slug-${name}`, Date.now());

  it("a read, another connection's commit attempt, then a write: the transaction commits; the other waits", async () => {
    let during = "";
    await t.db.$transaction(async (tx) => {
      await tx.workspace.findMany({ select: { id: true } });
      try {
        otherWrite("during");
        during = "committed";
      } catch (err) {
        during = (err as { code?: string }).code ?? String(err);
      }
      await tx.workspace.create({ data: { id: "ws_tx", name: "written by the transaction", slug: "slug-tx" } });
    });
    expect(during).toBe("SQLITE_BUSY");
    otherWrite("after");
    const ids = (await t.db.workspace.findMany({ select: { id: true } })).map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(["ws_tx", "ws_after"]));
    expect(ids).not.toContain("ws_during");
  });

  it("a transaction that fails still ends: the next one and the other connection can write", async () => {
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.workspace.create({ data: { id: "ws_rolled_back", name: "never kept", slug: "slug-rolled-back" } });
        throw new Error("the caller gives up");
      }),
    ).rejects.toThrow("the caller gives up");
    otherWrite("after_rollback");
    await t.db.$transaction(async (tx) => tx.workspace.create({ data: { id: "ws_next", name: "next", slug: "slug-next" } }));
    const ids = (await t.db.workspace.findMany({ select: { id: true } })).map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(["ws_after_rollback", "ws_next"]));
    expect(ids).not.toContain("ws_rolled_back");
  });

  it("a write and a transaction wait for another thread's lock on a timer: the event loop keeps turning", async () => {
    if (t.target.kind !== "sqlite") throw new Error("SQLite only");
    const holder = await holdTheLock(t.target.file, 800);
    const { stallMs, doneAt } = await longestStall(async () => {
      await Promise.all([
        t.db.appMeta.upsert({ where: { key: "busy-test" }, create: { key: "busy-test", value: "1" }, update: { value: "2" } }),
        t.db.$transaction(async (tx) => tx.workspace.create({ data: { id: "ws_waited", name: "waited", slug: "slug-waited" } }), {
          maxWait: 5_000,
        }),
      ]);
    });
    const releasedAt = await holder.released;
    // Both ran once the other thread let go (a timer's wait later at most), not before.
    expect(doneAt - holder.heldAt).toBeGreaterThan(700);
    expect(doneAt - releasedAt).toBeLessThan(1_000);
    // In a busy timeout the loop stood still for the whole 800 ms.
    expect(stallMs).toBeLessThan(400);
    expect(await t.db.appMeta.findUnique({ where: { key: "busy-test" } })).toMatchObject({ value: "1" });
    expect(await t.db.workspace.findUnique({ where: { id: "ws_waited" } })).toMatchObject({ name: "waited" });
  });

  it("a statement that cannot have the lock within its wait fails with the busy error, and a transaction's start leaves nothing open", async () => {
    if (t.target.kind !== "sqlite") throw new Error("SQLite only");
    const adapter = await withWriteLockFirst(new PrismaBetterSqlite3({ url: `file:${t.target.file}`, timeout: 0 }), {
      busyWaitMs: 150,
    }).connect();
    try {
      const holder = await holdTheLock(t.target.file, 1_000);
      const started = performance.now();
      const write = { sql: `UPDATE "Workspace" SET "name" = 'late' WHERE "id" = 'ws_waited'`, args: [], argTypes: [] };
      await expect(adapter.executeRaw(write)).rejects.toMatchObject({ name: "DriverAdapterError", cause: { originalCode: "SQLITE_BUSY" } });
      await expect(adapter.startTransaction()).rejects.toMatchObject({ cause: { originalCode: "SQLITE_BUSY" } });
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(2 * 150 - 5);
      expect(waited).toBeLessThan(900);
      // A read does not need the lock.
      expect((await adapter.queryRaw({ sql: `SELECT COUNT(*) AS n FROM "Workspace"`, args: [], argTypes: [] })).rows.length).toBe(1);
      await holder.released;
      // The failed start rolled back and freed the adapter: the next transaction begins and commits.
      const tx = await adapter.startTransaction();
      expect(await tx.executeRaw(write)).toBe(1);
      await tx.executeRaw({ sql: "COMMIT", args: [], argTypes: [] });
      await tx.commit();
    } finally {
      await adapter.dispose();
    }
    expect(await t.db.workspace.findUnique({ where: { id: "ws_waited" } })).toMatchObject({ name: "late" });
  });
});
