/**
 * Log retention on a real database (SQLite, or PostgreSQL with DETOUR_TEST_DB=postgresql): which
 * logs go (per workspace, with attempts and metadata), what stays (SpendDaily, newer logs, other
 * workspaces), bounded runs that carry on, the lease, SQLite's file shrinking, and on PostgreSQL the
 * day partitions: created ahead, dropped whole, strays moved out of the default partition, and an
 * upgraded database whose old table became the legacy partition.
 */
import { copyFileSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { migrate, migrationsDir } from "@/lib/db/migrate";
import { parseLogQuery } from "@/lib/logs/query";
import { retentionPlan, runLogRetention } from "@/lib/logs/retention";
import { newLogId, type LogRecord } from "@/lib/logs/types";
import { createLogSink, type LogSink } from "@/lib/store/log-sink";
import { dropLogPartitionsBefore, ensureLogPartitions, listLogPartitions, parsePartitionBound } from "@/lib/store/log-partitions";
import { listLogs } from "@/lib/store/log-query";
import { releaseLease, tryLease } from "@/lib/store/log-retention";
import { testAttempt, testLogRecord } from "@/testing/sample-log-record";
import { createEmptyTarget, createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const DAY = 86_400_000;
const NOW = new Date();
const daysAgo = (d: number, plusMs = 0) => new Date(NOW.getTime() - d * DAY + plusMs);

function searchQuery(search: string) {
  const parsed = parseLogQuery(new URLSearchParams(search));
  if (!parsed.success) throw new Error(parsed.error.message);
  return parsed.data;
}

function record(workspaceId: string, createdAt: Date, extra: Partial<LogRecord> = {}): LogRecord {
  return testLogRecord({
    id: newLogId(createdAt),
    workspaceId,
    createdAt,
    metadata: { env: "prod", team: "search" },
    responseBody: "x".repeat(2_000),
    attempts: [0, 1].map((index) =>
      testAttempt(index, { status: index === 0 ? 503 : 200, errorClass: index === 0 ? "upstream_status" : null, startedAt: createdAt }),
    ),
    ...extra,
  });
}

async function counts(db: Db, workspaceId: string) {
  return {
    logs: await db.requestLog.count({ where: { workspaceId } }),
    attempts: await db.requestAttempt.count({ where: { workspaceId } }),
    metadata: await db.requestLogMetadata.count({ where: { workspaceId } }),
  };
}

describe(`log retention on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let sink: LogSink;
  beforeAll(async () => {
    t = await createTestDatabase();
    sink = createLogSink(t.target);
  });
  afterAll(async () => {
    await sink?.close();
    await t?.drop();
  });
  afterEach(async () => {
    await t.db.workspace.deleteMany({});
    await t.db.spendDaily.deleteMany({});
    await t.db.responseAffinity.deleteMany({});
  });

  it("plans each workspace's cutoff, the partitions' and the affinity rows' (0 keeps everything)", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    const plan = retentionPlan(
      [
        { id: "a", logRetentionDays: null },
        { id: "b", logRetentionDays: 7 },
        { id: "c", logRetentionDays: 90 },
      ],
      30,
      now,
    );
    expect(plan.workspaces).toEqual([
      { workspaceId: "a", cutoff: new Date("2026-11-05T12:00:00Z") },
      { workspaceId: "b", cutoff: new Date("2026-11-28T12:00:00Z") },
      { workspaceId: "c", cutoff: new Date("2026-09-06T12:00:00Z") },
    ]);
    // Whole days go only when every workspace is past them: the longest retention decides.
    expect(plan.dropBefore).toEqual(new Date("2026-09-06T12:00:00Z"));
    expect(plan.affinityBefore).toEqual(new Date("2026-09-06T12:00:00Z"));
    const forever = retentionPlan(
      [
        { id: "a", logRetentionDays: null },
        { id: "b", logRetentionDays: 0 },
      ],
      30,
      now,
    );
    expect(forever.dropBefore).toBeNull();
    expect(forever.affinityBefore).toBeNull();
    expect(forever.workspaces.map((w) => w.workspaceId)).toEqual(["a"]);
    // Responses live 30 days at the provider: their affinity outlives a shorter log retention.
    expect(retentionPlan([{ id: "a", logRetentionDays: 3 }], 30, now).affinityBefore).toEqual(new Date("2026-11-05T12:00:00Z"));
  });

  it("removes each workspace's logs past its retention with their attempts and metadata, and keeps spend", async () => {
    const a = await t.db.workspace.create({ data: { name: "A", slug: "a" } });
    const b = await t.db.workspace.create({ data: { name: "B", slug: "b", logRetentionDays: 7 } });
    const c = await t.db.workspace.create({ data: { name: "C", slug: "c", logRetentionDays: 0 } });
    const spend = (ws: string, at: Date) => ({ usd: 0.5, day: at.toISOString().slice(0, 10), subjects: [{ scope: "workspace", id: ws }] });
    const rows: LogRecord[] = [];
    for (const ws of [a.id, b.id, c.id]) {
      for (const age of [1, 5, 10, 40, 100]) rows.push(record(ws, daysAgo(age), { spend: spend(ws, daysAgo(age)) }));
    }
    await sink.write(rows);
    await t.db.responseAffinity.create({
      data: {
        workspaceId: a.id,
        id: "resp_old",
        kind: "response",
        provider: "openai",
        upstream: "openai",
        targetPath: "config",
        createdAt: daysAgo(200),
      },
    });
    const spendBefore = await t.db.spendDaily.aggregate({ _sum: { costUsd: true, requests: true } });

    const run = await runLogRetention(t.db, { dialect: TEST_DB_KIND, defaultDays: 30, now: NOW });
    expect(run.complete).toBe(true);
    expect(run.error).toBeNull();
    // a: default 30 days -> 40 and 100 go; b: 7 days -> 10, 40, 100 go; c: 0 -> nothing goes.
    expect(await counts(t.db, a.id)).toEqual({ logs: 3, attempts: 6, metadata: 6 });
    expect(await counts(t.db, b.id)).toEqual({ logs: 2, attempts: 4, metadata: 4 });
    expect(await counts(t.db, c.id)).toEqual({ logs: 5, attempts: 10, metadata: 10 });
    expect(run.deleted_logs).toBe(5);
    // c keeps everything, so nothing is old enough for everyone: affinity stays too.
    expect(await t.db.responseAffinity.count()).toBe(1);
    // Budget spend is never pruned: a budget's period may outlast the logs.
    expect(await t.db.spendDaily.aggregate({ _sum: { costUsd: true, requests: true } })).toEqual(spendBefore);
    // The remaining rows are the newest ones, whole.
    const left = await t.db.requestLog.findMany({
      where: { workspaceId: b.id },
      include: { attempts: true },
      orderBy: { createdAt: "asc" },
    });
    expect(left.map((l) => l.createdAt.getTime())).toEqual([daysAgo(5).getTime(), daysAgo(1).getTime()]);
    expect(left.every((l) => l.attempts.length === 2)).toBe(true);

    // Once c keeps 30 days too, the old affinity row goes (older than every retention and 30 days).
    // The analytics rollups outlive the logs: with 60 days, the 40-day-old hours stay, the 100-day-old go.
    const rollupHours = async () =>
      (await t.db.logRollup.findMany({ where: { workspaceId: a.id, dimension: "" }, orderBy: { hour: "asc" } })).map((r) => r.requests);
    expect(await rollupHours()).toEqual([1, 1, 1, 1, 1]);
    await t.db.workspace.update({ where: { id: c.id }, data: { logRetentionDays: null } });
    const second = await runLogRetention(t.db, { dialect: TEST_DB_KIND, defaultDays: 30, rollupDays: 60, now: NOW });
    expect(second.deleted_affinity).toBe(1);
    expect(second.deleted_rollups).toBeGreaterThan(0);
    expect(await counts(t.db, c.id)).toEqual({ logs: 3, attempts: 6, metadata: 6 });
    expect(await rollupHours()).toEqual([1, 1, 1, 1]); // 40, 10, 5 and 1 days old: a's logs of 40 days are gone, not their totals
  });

  it("works in bounded batches: a run out of time says so and the next one finishes", async () => {
    const a = await t.db.workspace.create({ data: { name: "A", slug: "a" } });
    const old: LogRecord[] = [];
    for (let i = 0; i < 600; i++) old.push(record(a.id, daysAgo(45, i)));
    await sink.write(old);
    await sink.write([record(a.id, daysAgo(2))]);
    let batches = 0;
    const first = await runLogRetention(t.db, {
      dialect: TEST_DB_KIND,
      defaultDays: 30,
      now: NOW,
      // PostgreSQL drops the partition holding these rows when there is one; the batches are what is left.
      between: async () => ++batches < 1,
    });
    if (TEST_DB_KIND === "sqlite") {
      expect(first.complete).toBe(false);
      expect(first.deleted_logs).toBeGreaterThan(0);
      expect(first.deleted_logs).toBeLessThan(600);
    }
    const second = await runLogRetention(t.db, { dialect: TEST_DB_KIND, defaultDays: 30, now: NOW });
    expect(second.complete).toBe(true);
    expect(await counts(t.db, a.id)).toEqual({ logs: 1, attempts: 2, metadata: 2 });
  });

  it("lets one instance at a time hold the lease, until it lapses or is released", async () => {
    const now = Date.now();
    expect(await tryLease(t.db, "test", 60_000, "one", now)).toBe(true);
    expect(await tryLease(t.db, "test", 60_000, "two", now + 1_000)).toBe(false);
    expect(await tryLease(t.db, "test", 60_000, "one", now + 2_000)).toBe(true); // renewal
    expect(await tryLease(t.db, "test", 60_000, "two", now + 61_000)).toBe(false); // renewed at +2 s
    expect(await tryLease(t.db, "test", 60_000, "two", now + 63_000)).toBe(true); // lapsed
    await releaseLease(t.db, "test", "two");
    expect(await tryLease(t.db, "test", 60_000, "one", now + 64_000)).toBe(true);
    // Of two instances racing for a free lease, exactly one wins.
    await releaseLease(t.db, "test", "one");
    const race = await Promise.all(["x", "y", "z"].map((o) => tryLease(t.db, "test", 60_000, o, now + 70_000)));
    expect(race.filter(Boolean)).toHaveLength(1);
  });
});

describe.runIf(TEST_DB_KIND === "sqlite")("SQLite file size under retention", () => {
  it("returns the pages of deleted logs to the file system (incremental vacuum)", async () => {
    const t = await createTestDatabase();
    const sink = createLogSink(t.target);
    try {
      const [mode] = await t.db.$queryRawUnsafe<{ auto_vacuum: bigint | number }[]>("PRAGMA auto_vacuum");
      expect(Number(mode?.auto_vacuum)).toBe(2);
      const ws = await t.db.workspace.create({ data: { name: "A", slug: "a" } });
      for (let batch = 0; batch < 10; batch++) {
        await sink.write(Array.from({ length: 200 }, (_, i) => record(ws.id, daysAgo(60, batch * 1000 + i))));
      }
      await sink.close();
      const file = t.target.kind === "sqlite" ? t.target.file : "";
      const full = statSync(file).size;
      const run = await runLogRetention(t.db, { dialect: "sqlite", sqliteFile: file, defaultDays: 30, now: NOW });
      expect(run.deleted_logs).toBe(2_000);
      expect(run.vacuumed_pages).toBeGreaterThan(0);
      await t.db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
      expect(statSync(file).size).toBeLessThan(full / 4);
    } finally {
      await sink.close();
      await t.drop();
    }
  });
});

describe.runIf(TEST_DB_KIND === "postgresql")("PostgreSQL day partitions", () => {
  let t: TestDatabase;
  let sink: LogSink;
  beforeAll(async () => {
    t = await createTestDatabase();
    sink = createLogSink(t.target);
  });
  afterAll(async () => {
    await sink?.close();
    await t?.drop();
  });

  const where = async (id: string) =>
    (await t.db.$queryRawUnsafe<{ part: string }[]>(`SELECT tableoid::regclass::text AS part FROM "RequestLog" WHERE "id" = $1`, id))[0]
      ?.part;

  it("reads partition bounds as PostgreSQL prints them", () => {
    expect(parsePartitionBound("FOR VALUES FROM ('2026-12-05 00:00:00') TO ('2026-12-06 00:00:00')")).toEqual({
      from: new Date("2026-12-05T00:00:00Z"),
      to: new Date("2026-12-06T00:00:00Z"),
      isDefault: false,
    });
    expect(parsePartitionBound("FOR VALUES FROM (MINVALUE) TO ('2026-12-06 00:00:00')")?.from).toBeNull();
    expect(parsePartitionBound("DEFAULT")?.isDefault).toBe(true);
  });

  it("creates the days ahead on all three tables, once, and moves strays out of the default partition", async () => {
    const ws = await t.db.workspace.create({ data: { name: "P", slug: "p" } });
    const now = new Date("2026-03-10T08:00:00Z");
    // A row written before its day's partition existed lands in the default partition.
    const early = record(ws.id, new Date("2026-03-12T10:00:00Z"), {
      requestBody: JSON.stringify({ messages: [{ role: "user", content: "a stray kumquat" }] }),
    });
    await sink.write([early]);
    expect(await where(early.id)).toBe('"RequestLog_default"');

    const created = await ensureLogPartitions(t.db, { now, daysAhead: 3 });
    expect(created).toContain("RequestLog_p20260309");
    expect(created).toContain("RequestAttempt_p20260313");
    expect(created).toContain("RequestLogMetadata_p20260310");
    expect(created).toHaveLength(15); // 5 days x 3 tables
    expect(await ensureLogPartitions(t.db, { now, daysAhead: 3 })).toEqual([]);
    // Concurrent calls take turns: nothing is created twice, nothing fails.
    const again = await Promise.all([1, 2, 3].map(() => ensureLogPartitions(t.db, { now, daysAhead: 4 })));
    expect(again.flat().sort()).toEqual(["RequestAttempt_p20260314", "RequestLogMetadata_p20260314", "RequestLog_p20260314"]);

    // The stray moved to its day, with its attempts and metadata; it still reads back whole.
    expect(await where(early.id)).toBe('"RequestLog_p20260312"');
    const back = await t.db.requestLog.findUniqueOrThrow({ where: { id: early.id }, include: { attempts: true, metadataEntries: true } });
    expect(back.attempts).toHaveLength(2);
    expect(back.metadataEntries).toHaveLength(2);
    // With its search text's generated vector (0019_log_search_vector): `q` still finds it.
    const found = await listLogs(t.db, ws.id, { ...searchQuery("q=kumquat"), limit: 10 });
    expect(found.rows.map((r) => r.id)).toEqual([early.id]);
    const late = record(ws.id, new Date("2026-03-13T23:59:59.999Z"));
    await sink.write([late]);
    expect(await where(late.id)).toBe('"RequestLog_p20260313"');
    // A seeder writing the past asks for its first day too.
    const past = await ensureLogPartitions(t.db, { now, daysAhead: 0, from: new Date("2026-03-06T15:00:00Z") });
    expect(past.filter((n) => n.startsWith("RequestLog_p")).sort()).toEqual([
      "RequestLog_p20260306",
      "RequestLog_p20260307",
      "RequestLog_p20260308",
    ]);
  });

  it("drops whole days past the longest retention, and deletes the rest of a shorter one in batches", async () => {
    await t.db.workspace.deleteMany({});
    const a = await t.db.workspace.create({ data: { name: "A", slug: "a2" } });
    const b = await t.db.workspace.create({ data: { name: "B", slug: "b2", logRetentionDays: 2 } });
    const now = new Date("2026-03-14T12:00:00Z");
    const at = (iso: string) => new Date(iso);
    await sink.write([
      record(a.id, at("2026-03-09T10:00:00Z")),
      record(b.id, at("2026-03-09T11:00:00Z")),
      record(a.id, at("2026-03-11T10:00:00Z")),
      record(b.id, at("2026-03-11T11:00:00Z")),
      record(a.id, at("2026-03-13T10:00:00Z")),
      record(b.id, at("2026-03-13T11:00:00Z")),
    ]);
    // a keeps 4 days (cutoff 03-10 12:00): the day 03-09 ends before it and is dropped whole.
    const run = await runLogRetention(t.db, { dialect: "postgresql", defaultDays: 4, now });
    expect(run.complete).toBe(true);
    expect(run.partitions_dropped).toBe(4); // 03-06 to 03-09 (the first three empty, made by the previous test)
    const names = (await listLogPartitions(t.db)).map((p) => p.name);
    expect(names).not.toContain("RequestLog_p20260309");
    expect(names).not.toContain("RequestAttempt_p20260309");
    expect(names).not.toContain("RequestLogMetadata_p20260309");
    expect(names).toContain("RequestLog_p20260310");
    // b keeps 2 days (cutoff 03-12 12:00): its 03-11 row was deleted by a batch, a's stays.
    expect((await counts(t.db, a.id)).logs).toBe(2);
    expect(await counts(t.db, b.id)).toEqual({ logs: 1, attempts: 2, metadata: 2 });
    expect(run.deleted_logs).toBe(1);
  });

  it("merges the search index's pending entries of the days that have ended, and leaves today's to autovacuum", async () => {
    const ws = await t.db.workspace.create({ data: { name: "S", slug: "s-pending" } });
    const now = new Date("2026-03-14T12:00:00Z");
    const said = (at: string, words: string) =>
      record(ws.id, new Date(at), { requestBody: JSON.stringify({ messages: [{ role: "user", content: words }] }) });
    await sink.write([said("2026-03-12T09:00:00Z", "a pending wombat"), said("2026-03-14T09:00:00Z", "a pending quoll")]);
    const pending = (day: string) =>
      t.db
        .$queryRawUnsafe<{ pages: number }[]>(
          `SELECT gin_clean_pending_list('"RequestLog_p${day}_searchVector_idx"'::regclass)::int AS pages`,
        )
        .then((r) => r[0]!.pages);
    const first = await runLogRetention(t.db, { dialect: "postgresql", defaultDays: 0, now });
    expect(first.complete).toBe(true);
    expect(first.search_pending_pages).toBeGreaterThan(0);
    expect(await pending("20260312")).toBe(0); // merged by the run
    const second = await runLogRetention(t.db, { dialect: "postgresql", defaultDays: 0, now });
    expect(second.search_pending_pages).toBe(0);
    expect(await pending("20260314")).toBeGreaterThan(0); // today's, left as it was
    // Merged or not, the words are found.
    for (const [q, day] of [
      ["wombat", "2026-03-12"],
      ["quoll", "2026-03-14"],
    ]) {
      const found = await listLogs(t.db, ws.id, { ...searchQuery(`q=${q}`), limit: 5 });
      expect(found.rows.map((r) => r.createdAt.toISOString().slice(0, 10))).toEqual([day]);
    }
    // Out of budget before it starts: nothing merged, the run says it is not complete.
    await sink.write([said("2026-03-13T09:00:00Z", "a pending numbat")]);
    const stopped = await runLogRetention(t.db, { dialect: "postgresql", defaultDays: 0, now, shouldStop: () => true });
    expect(stopped.search_pending_pages).toBe(0);
    expect(stopped.complete).toBe(false);
  });

  it("leaves a day whose parent is locked by a long query for the next run", async () => {
    const client = new pg.Client({ connectionString: t.target.kind === "postgresql" ? t.target.url : "" });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT count(*) FROM "RequestLog"`); // holds ACCESS SHARE until the end
      const started = Date.now();
      const { dropped, blocked } = await dropLogPartitionsBefore(t.db, new Date("2026-03-11T00:00:00Z"));
      expect(dropped).toEqual([]);
      expect(blocked).toEqual(["20260310"]);
      expect(Date.now() - started).toBeLessThan(10_000);
      await client.query("ROLLBACK");
      const later = await dropLogPartitionsBefore(t.db, new Date("2026-03-11T00:00:00Z"));
      expect(later.dropped.map((d) => d.day)).toEqual(["20260310"]);
    } finally {
      await client.end();
    }
  });

  it("drops a day without deadlocking a log batch being written (parents locked in the writer's order)", async () => {
    const ws = await t.db.workspace.create({ data: { name: "D", slug: "deadlock" } });
    await ensureLogPartitions(t.db, { now: new Date("2026-04-02T00:00:00Z"), daysAhead: 0 });
    const client = new pg.Client({ connectionString: t.target.kind === "postgresql" ? t.target.url : "" });
    await client.connect();
    try {
      // A writer's transaction: the log row first (its parent locked), its attempt to come.
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO "RequestLog" ("id", "workspaceId", "createdAt", "traceId", "path", "status", "latencyMs", "overheadMs") VALUES ('dl1', $1, '2026-04-02 10:00:00', 't', '/v1/chat/completions', 200, 5, 0.1)`,
        [ws.id],
      );
      const drop = dropLogPartitionsBefore(t.db, new Date("2026-04-02T00:00:00Z"));
      await new Promise((resolve) => setTimeout(resolve, 300)); // the drop is now waiting for a lock
      await client.query(
        `INSERT INTO "RequestAttempt" ("id", "logId", "workspaceId", "logCreatedAt", "index", "targetPath", "startedAt") VALUES ('dl1:0', 'dl1', $1, '2026-04-02 10:00:00', 0, 'config', '2026-04-02 10:00:00')`,
        [ws.id],
      );
      await client.query("COMMIT");
      const { dropped } = await drop;
      expect(dropped.map((d) => d.day)).toContain("20260401");
      expect(await t.db.requestAttempt.count({ where: { logId: "dl1" } })).toBe(1);
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});

describe.runIf(TEST_DB_KIND === "postgresql")("upgrading a PostgreSQL database with logs to partitions", () => {
  it("keeps the old rows as the legacy partition, prunes them in batches, then drops it whole", async () => {
    const empty = await createEmptyTarget();
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
    for (const f of readdirSync(migrationsDir("postgresql")).filter((f) => f < "0011")) {
      copyFileSync(path.join(migrationsDir("postgresql"), f), path.join(dir, f));
    }
    await migrate(empty.target, dir);
    const url = empty.target.kind === "postgresql" ? empty.target.url : "";
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let db: Db | null = null;
    try {
      // Rows written by the version before partitioning: 60 days old and 1 day old.
      await client.query(`INSERT INTO "Workspace" ("id", "name", "slug") VALUES ('w1', 'W', 'w1')`);
      for (const [id, age] of [
        ["old1", 60],
        ["old2", 60],
        ["new1", 1],
      ] as const) {
        const at = daysAgo(age).toISOString().slice(0, 23);
        await client.query(
          `INSERT INTO "RequestLog" ("id", "workspaceId", "createdAt", "traceId", "path", "status", "latencyMs", "overheadMs") VALUES ($1, 'w1', $2, 't', '/v1/chat/completions', 200, 5, 0.1)`,
          [id, at],
        );
        await client.query(
          `INSERT INTO "RequestAttempt" ("id", "logId", "index", "targetPath", "startedAt") VALUES ($1, $2, 0, 'config', $3)`,
          [`${id}:0`, id, at],
        );
        await client.query(`INSERT INTO "RequestLogMetadata" ("logId", "workspaceId", "key", "value") VALUES ($1, 'w1', 'env', 'prod')`, [
          id,
        ]);
      }
      await migrate(empty.target);
      db = createDb(empty.target);
      const parts = await listLogPartitions(db);
      expect(
        parts
          .filter((p) => p.kind === "legacy")
          .map((p) => p.name)
          .sort(),
      ).toEqual(["RequestAttempt_legacy", "RequestLogMetadata_legacy", "RequestLog_legacy"]);
      // The old rows read as before, their attempts now carrying their log's workspace and time.
      const old = await db.requestLog.findUniqueOrThrow({ where: { id: "old1" }, include: { attempts: true, metadataEntries: true } });
      expect(old.attempts[0]).toMatchObject({ workspaceId: "w1", logCreatedAt: old.createdAt });
      expect(old.metadataEntries[0]?.logCreatedAt).toEqual(old.createdAt);
      // New days come after the legacy range.
      await ensureLogPartitions(db);
      const legacyEnd = parts.find((p) => p.name === "RequestLog_legacy")!.to!;
      expect((await listLogPartitions(db)).filter((p) => p.kind === "day").every((p) => p.from!.getTime() >= legacyEnd.getTime())).toBe(
        true,
      );

      // 30 days: the legacy partition still holds a day-old row, so its old rows go in batches.
      const run = await runLogRetention(db, { dialect: "postgresql", defaultDays: 30 });
      expect(run.deleted_logs).toBe(2);
      expect(run.partitions_dropped).toBe(0);
      expect(await counts(db, "w1")).toEqual({ logs: 1, attempts: 1, metadata: 1 });
      // Once all of it is past the retention, the legacy partition goes whole.
      const later = await runLogRetention(db, { dialect: "postgresql", defaultDays: 30, now: new Date(legacyEnd.getTime() + 31 * DAY) });
      expect(later.partitions_dropped).toBeGreaterThanOrEqual(1);
      expect((await listLogPartitions(db)).some((p) => p.kind === "legacy")).toBe(false);
      expect(await counts(db, "w1")).toEqual({ logs: 0, attempts: 0, metadata: 0 });
    } finally {
      await client.end();
      await db?.$disconnect();
      await empty.drop();
    }
  });
});
