/**
 * The queries of the one-time request-log scrub (lib/logs/scrub.ts): read the log by id windows,
 * load the candidate rows' texts, write a scrubbed row back with compare-and-set, and keep the
 * scrub's progress in AppMeta.
 *
 * A window is the next `limit` rows by id (the primary key's index) after a cursor, each with a
 * flag "its stored headers hold an x-portkey-config and an api key field" computed by the database
 * (case-sensitive substring tests: instr on SQLite, strpos on PostgreSQL). Prisma cannot filter
 * inside a bounded window, and a filtered "next 500 matches" query would scan up to the whole
 * table in one statement (on SQLite, with the event loop held): raw SQL per dialect, so every
 * statement reads at most `limit` rows.
 */
import { Prisma } from "../generated/sqlite/client";
import type { Db } from "../db";
import { type Dialect, timeSql } from "../db/dialect";
import type { LogScrub, StoredLogText } from "../logs/scrub-row";

export type LogWindow = {
  /** The window's last id (the next cursor); null when no row follows the cursor. */
  lastId: string | null;
  /** Rows in the window. */
  rows: number;
  /** Ids of the window's rows whose stored headers may hold an inline config's key. */
  candidates: string[];
};

function windowSql(dialect: Dialect, afterId: string | null, limit: number): Prisma.Sql {
  const has = (needle: string) =>
    dialect === "sqlite" ? Prisma.sql`instr("requestHeaders", ${needle}) > 0` : Prisma.sql`strpos("requestHeaders", ${needle}) > 0`;
  const flag = Prisma.sql`CASE WHEN ${has("x-portkey-config")} AND (${has("api_key")} OR ${has("apiKey")}) THEN 1 ELSE 0 END`;
  const after = afterId === null ? Prisma.empty : Prisma.sql`WHERE "id" > ${afterId}`;
  return Prisma.sql`SELECT "id", ${flag} AS "candidate" FROM "RequestLog" ${after} ORDER BY "id" LIMIT ${limit}`;
}

/** The `limit` rows after `afterId` (from the first row when null), in id order. */
export async function scanLogWindow(db: Db, dialect: Dialect, afterId: string | null, limit: number): Promise<LogWindow> {
  const rows = await db.$queryRaw<{ id: string; candidate: number | bigint }[]>(windowSql(dialect, afterId, limit));
  return {
    lastId: rows.length > 0 ? rows[rows.length - 1]!.id : null,
    rows: rows.length,
    candidates: rows.filter((r) => Number(r.candidate) === 1).map((r) => r.id),
  };
}

/** The texts the scrub reads of these logs (with their attempts and metadata rows). */
export async function loadLogTexts(db: Db, ids: readonly string[]): Promise<StoredLogText[]> {
  if (ids.length === 0) return [];
  return db.requestLog.findMany({
    where: { id: { in: [...ids] } },
    orderBy: { id: "asc" },
    select: {
      id: true,
      requestHeaders: true,
      requestBody: true,
      requestBodyTruncated: true,
      responseBody: true,
      responseBodyTruncated: true,
      metadata: true,
      searchText: true,
      attempts: { select: { id: true, errorMessage: true }, orderBy: { index: "asc" } },
      metadataEntries: { select: { key: true, value: true }, orderBy: { key: "asc" } },
    },
  });
}

type LogColumn = keyof LogScrub["log"];
const LOG_COLUMNS: Record<LogColumn, Prisma.Sql> = {
  requestHeaders: Prisma.raw('"requestHeaders"'),
  requestBody: Prisma.raw('"requestBody"'),
  responseBody: Prisma.raw('"responseBody"'),
  metadata: Prisma.raw('"metadata"'),
  searchText: Prisma.raw('"searchText"'),
};

/**
 * Writes one scrubbed log, each column only where it still holds the text the scrub read
 * (compare-and-set). Returns false when the log changed since it was read (another instance
 * scrubbed it first, or it was deleted): nothing of it is written then, and the caller does not
 * count it.
 *
 * Single raw UPDATE statements, no transaction: an interactive transaction (or a Prisma write
 * that runs as one) may hold SQLite's write lock across awaits, and the log writer's synchronous
 * driver would then wait for it with the event loop held. Attempts and metadata rows are written
 * before the log row, whose stored headers are what reveals the secrets: a scrub cut short in
 * between leaves the headers as they were, so the next run derives the same secrets and finishes
 * the row. Every instance writes the same text for the same text read, so two cannot disagree.
 */
export async function writeScrubbedLog(db: Db, scrub: LogScrub): Promise<boolean> {
  const changes = Object.entries(scrub.log) as [LogColumn, { from: string; to: string }][];
  const where: Prisma.RequestLogWhereInput = { id: scrub.id };
  for (const [column, c] of changes) where[column] = c.from;
  if ((await db.requestLog.count({ where })) === 0) return false;
  for (const a of scrub.attempts) {
    await db.$executeRaw`UPDATE "RequestAttempt" SET "errorMessage" = ${a.errorMessage.to}
      WHERE "id" = ${a.id} AND "logId" = ${scrub.id} AND "errorMessage" = ${a.errorMessage.from}`;
  }
  for (const m of scrub.metadataEntries) {
    await db.$executeRaw`UPDATE "RequestLogMetadata" SET "value" = ${m.value.to}
      WHERE "logId" = ${scrub.id} AND "key" = ${m.key} AND "value" = ${m.value.from}`;
  }
  if (changes.length === 0) return true;
  const set = Prisma.join(
    changes.map(([column, c]) => Prisma.sql`${LOG_COLUMNS[column]} = ${c.to}`),
    ", ",
  );
  const same = Prisma.join(
    changes.map(([column, c]) => Prisma.sql`${LOG_COLUMNS[column]} = ${c.from}`),
    " AND ",
  );
  const count = await db.$executeRaw`UPDATE "RequestLog" SET ${set} WHERE "id" = ${scrub.id} AND ${same}`;
  return count > 0;
}

export type ScrubProgress = { cursor: string | null; complete: boolean };

/** The scrub's progress, kept in AppMeta under `<name>.cursor` (the last id done) and `<name>.complete`. */
export async function getScrubProgress(db: Db, name: string): Promise<ScrubProgress> {
  const rows = await db.appMeta.findMany({ where: { key: { in: [`${name}.cursor`, `${name}.complete`] } } });
  const value = (key: string) => rows.find((r) => r.key === key)?.value ?? null;
  return { cursor: value(`${name}.cursor`), complete: value(`${name}.complete`) !== null };
}

/**
 * Records that every log up to `cursor` is done, in one statement. The cursor only moves forward:
 * with several instances scrubbing at once, one that is behind does not move it back.
 */
export async function saveScrubCursor(db: Db, dialect: Dialect, name: string, cursor: string, at: Date = new Date()): Promise<void> {
  await db.$executeRaw`INSERT INTO "AppMeta" ("key", "value", "updatedAt") VALUES (${`${name}.cursor`}, ${cursor}, ${timeSql(dialect, at)})
    ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updatedAt" = excluded."updatedAt" WHERE "AppMeta"."value" < excluded."value"`;
}

/** Records that the scrub is finished (`at`: when), in one statement: it never runs again. */
export async function markScrubComplete(db: Db, dialect: Dialect, name: string, at: Date): Promise<void> {
  await db.$executeRaw`INSERT INTO "AppMeta" ("key", "value", "updatedAt") VALUES (${`${name}.complete`}, ${at.toISOString()}, ${timeSql(dialect, at)})
    ON CONFLICT ("key") DO NOTHING`;
}
