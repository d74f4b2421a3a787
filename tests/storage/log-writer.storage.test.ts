import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testLogRecord } from "@/testing/sample-log-record";
import { newLogId, type LogRecord } from "@/lib/logs/types";
import { LogWriter, type LogWriteFn } from "@/lib/logs/writer";
import { insertLogBatch as prismaInsertLogBatch, isPermanentLogWriteError } from "@/lib/store/logs";
import { createLogSink, type LogSink } from "@/lib/store/log-sink";
import type { Db } from "@/lib/db";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const BASE_TIME = Date.UTC(2025, 5, 1, 12, 0, 0, 123);

function makeRecord(workspaceId: string, i: number): LogRecord {
  const createdAt = new Date(BASE_TIME + i);
  const attemptCount = i % 3;
  return testLogRecord({
    id: newLogId(createdAt),
    workspaceId,
    createdAt,
    traceId: `trace-${i}`,
    metadata: i % 4 === 0 ? { user: `u${i % 10}`, env: "prod" } : null,
    apiKeyId: "key_1",
    configSlug: i % 2 === 0 ? "pc-fallback" : null,
    configVersion: i % 2 === 0 ? 3 : null,
    stream: i % 5 === 0,
    status: i % 7 === 0 ? 502 : 200,
    model: "gpt-4o-2024-08-06",
    virtualKeySlug: "openai-main",
    virtualKeyVersion: 2,
    promptTokens: 12,
    completionTokens: i,
    totalTokens: 12 + i,
    reasoningTokens: i % 3 === 0 ? i : null,
    responseId: i % 8 === 0 ? `resp_${i}` : null,
    cost: i % 6 === 0 ? null : 0.000123 * i,
    // A cache hit's saved cost (migration 0017): checked column by column below, on both write paths.
    costSaved: i % 4 === 1 ? 0.000456 * i : null,
    latencyMs: 100 + i,
    overheadMs: 1.25 + i / 1000,
    retryCount: attemptCount > 0 ? attemptCount - 1 : 0,
    fallbackUsed: attemptCount === 2,
    requestBody: `{"model":"gpt-4o","n":${i}}`,
    responseBody: i % 9 === 0 ? null : "héllo €",
    responseBodyTruncated: i % 9 === 1,
    requestHeaders: '{"content-type":"application/json"}',
    attempts: Array.from({ length: attemptCount }, (_, index) => ({
      index,
      targetPath: `config.targets[${index}]`,
      provider: "openai",
      virtualKeySlug: "openai-main",
      virtualKeyVersion: 2,
      model: "gpt-4o",
      status: index === 0 && attemptCount === 2 ? null : 200,
      errorClass: index === 0 && attemptCount === 2 ? "timeout" : null,
      errorMessage: index === 0 && attemptCount === 2 ? "no response in 10000 ms" : null,
      latencyMs: 40 + index,
      retry: 0,
      startedAt: new Date(BASE_TIME + i + index),
    })),
  });
}

const { attempts: _a, metadata: _m, affinity: _f, spend: _s, ...sampleColumns } = makeRecord("ws", 0);
const LOG_COLUMNS = Object.keys(sampleColumns) as (keyof typeof sampleColumns)[];

// Both write paths store the same rows: Prisma's (used by tests and tools) and the drivers' (the
// LogWriter's, for speed). Every case runs against each.
const WRITE_PATHS = ["prisma", "driver"] as const;

describe.each(WRITE_PATHS)(`request log writer on ${TEST_DB_KIND}, %s path`, (writePath) => {
  let sink: LogSink | null = null;
  const insertLogBatch = (db: Db, batch: readonly LogRecord[]) => {
    if (writePath === "prisma") return prismaInsertLogBatch(db, batch);
    sink ??= createLogSink(t.target);
    return sink.write(batch);
  };
  let t: TestDatabase;
  let workspaceId: string;
  let n = 0;
  const nextRecords = (count: number) => Array.from({ length: count }, () => makeRecord(workspaceId, n++));
  const writerFor = (write: LogWriteFn) => new LogWriter({ write, flushIntervalMs: 5, retryBaseMs: 5, retryMaxMs: 20 });

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await ensureDefaultWorkspace(t.db)).id;
  });
  afterAll(async () => {
    await sink?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    // On PostgreSQL attempts and metadata have no foreign key to their (partitioned) log: delete all three.
    await t.db.$transaction([t.db.requestAttempt.deleteMany({}), t.db.requestLogMetadata.deleteMany({}), t.db.requestLog.deleteMany({})]);
  });

  async function counts() {
    const [logs, attempts, metadata] = await Promise.all([
      t.db.requestLog.count(),
      t.db.requestAttempt.count(),
      t.db.requestLogMetadata.count(),
    ]);
    return { logs, attempts, metadata };
  }
  const expectedCounts = (records: LogRecord[]) => ({
    logs: records.length,
    attempts: records.reduce((sum, r) => sum + r.attempts.length, 0),
    metadata: records.reduce((sum, r) => sum + Object.keys(r.metadata ?? {}).length, 0),
  });

  it("writes 1,000 records through the writer: every log once, with its attempts and metadata", async () => {
    const records = nextRecords(1_000);
    const writer = writerFor((batch) => insertLogBatch(t.db, batch));
    for (const r of records) writer.enqueue(r);
    expect(await writer.close(20_000)).toBe(true);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 1_000, dropped: 0, failedWrites: 0 });
    expect(await counts()).toEqual(expectedCounts(records));

    const rows = await t.db.requestLog.findMany({ orderBy: { id: "asc" }, select: { id: true } });
    expect(rows.map((r) => r.id)).toEqual(records.map((r) => r.id)); // ids sort in creation order

    for (const original of [records[0]!, records[1]!, records[2]!, records[6]!, records[9]!]) {
      const row = await t.db.requestLog.findUniqueOrThrow({
        where: { id: original.id },
        include: { attempts: { orderBy: { index: "asc" } }, metadataEntries: { orderBy: { key: "asc" } } },
      });
      for (const column of LOG_COLUMNS) expect(row[column], column).toEqual(original[column]);
      expect(row.metadata === null ? null : JSON.parse(row.metadata)).toEqual(original.metadata);
      expect(row.attempts.map(({ id: _id, logId: _logId, ...a }) => a)).toEqual(
        original.attempts.map((a) => ({ ...a, workspaceId, logCreatedAt: original.createdAt })),
      );
      expect(row.metadataEntries).toEqual(
        Object.entries(original.metadata ?? {})
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => ({ logId: original.id, workspaceId, logCreatedAt: original.createdAt, key, value })),
      );
    }
    const unpriced = await t.db.requestLog.findUniqueOrThrow({ where: { id: records[6]!.id } });
    expect(unpriced.cost).toBeNull();
    expect(await t.db.requestLogMetadata.count({ where: { workspaceId, key: "user", value: "u0" } })).toBe(50);
  });

  it("retries failed writes, including one whose commit went through, and stores each row once", async () => {
    const records = nextRecords(450);
    let calls = 0;
    const writer = writerFor(async (batch) => {
      calls += 1;
      if (calls === 1 || calls === 3) throw new Error("connection reset");
      if (calls === 2) {
        await insertLogBatch(t.db, batch);
        throw new Error("COMMIT acknowledgement lost");
      }
      await insertLogBatch(t.db, batch);
    });
    for (const r of records) writer.enqueue(r);
    expect(await writer.close(20_000)).toBe(true);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 450, dropped: 0, failedWrites: 3 });
    expect(await counts()).toEqual(expectedCounts(records));
  });

  it("re-inserting a written batch, whole or overlapping new records, adds nothing twice", async () => {
    const first = nextRecords(30);
    await insertLogBatch(t.db, first);
    await insertLogBatch(t.db, first);
    const more = nextRecords(10);
    await insertLogBatch(t.db, [...first.slice(20), ...more, more[0]!]);
    expect(await counts()).toEqual(expectedCounts([...first, ...more]));
  });

  it("classifies a record the database refuses as permanent; the writer rejects only that one", async () => {
    const orphan = { ...makeRecord("no-such-workspace", n++), attempts: [] };
    const err = await insertLogBatch(t.db, [orphan]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(isPermanentLogWriteError(err)).toBe(true);
    expect(isPermanentLogWriteError(new Error("connection reset"))).toBe(false);

    const good = nextRecords(9);
    const writer = new LogWriter({
      write: (batch) => insertLogBatch(t.db, batch),
      isPermanentError: isPermanentLogWriteError,
      flushIntervalMs: 5,
    });
    for (const r of [...good.slice(0, 4), orphan, ...good.slice(4)]) writer.enqueue(r);
    expect(await writer.close(20_000)).toBe(true);
    expect(writer.stats()).toMatchObject({ written: 9, rejected: 1, queued: 0 });
    expect(await counts()).toEqual(expectedCounts(good));
  });

  it("stores text with NUL characters and lone surrogates on both databases", async () => {
    // A metadata header parsed from JSON can hold a lone surrogate ("\ud800"); a backslash followed
    // by "ud800" in a body is plain text and stays as it is.
    const record = {
      ...nextRecords(1)[0]!,
      requestBody: "a\u0000b \\ud800 \ud83d\ude00",
      responseBody: "x\udc00y\ud800",
      metadata: { k: "v\u0000", s: "\ud800z" },
    };
    await insertLogBatch(t.db, [record]);
    const row = await t.db.requestLog.findUniqueOrThrow({ where: { id: record.id }, include: { metadataEntries: true } });
    expect(row.requestBody).toBe("a\uFFFDb \\ud800 \ud83d\ude00");
    expect(row.responseBody).toBe("x\uFFFDy\uFFFD");
    expect(Object.fromEntries(row.metadataEntries.map((m) => [m.key, m.value]))).toEqual({ k: "v\uFFFD", s: "\uFFFDz" });
  });

  it("writes one batch of 2,500 logs (the writer's backlog batches pass 2,000)", async () => {
    const records = nextRecords(2500);
    await insertLogBatch(t.db, records);
    expect(await counts()).toEqual(expectedCounts(records));
  });
});
