/**
 * SQLite: an interactive transaction that reads, then writes, while another connection commits in
 * between (the log sink's thread, another process). With Prisma's plain BEGIN the write failed at
 * once with SQLITE_BUSY_SNAPSHOT ("Operation has timed out"); transactions now take the write lock
 * first (lib/db/sqlite-write-lock.ts), so the other connection waits its turn instead.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

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
});
