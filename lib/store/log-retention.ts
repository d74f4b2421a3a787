/**
 * The log retention's statements (lib/logs/retention.ts runs them): one bounded batch of old logs
 * of one workspace, one of old response-affinity rows, SQLite's incremental vacuum, and the lease
 * that lets one instance prune at a time.
 *
 * A batch is one short statement, so it never holds a lock for long:
 * - SQLite: the batch's log ids, deleted by id; the foreign keys cascade to attempts and metadata.
 * - PostgreSQL: the logs go with their attempts and metadata in one statement (the partitioned
 *   tables have no foreign keys between them: 0011_log_retention.sql), matched on the partition key
 *   too so that each delete touches only the partitions involved.
 * On both, the workspace's (workspaceId, createdAt) index finds the batch.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { loadSqliteDriver } from "../db/drivers";
import { type Dialect, timeParam } from "../db/dialect";

/** Deletes at most `limit` logs of the workspace created before `cutoff`, with their attempts and metadata. Returns how many logs went. */
export async function deleteOldLogsBatch(db: Db, dialect: Dialect, workspaceId: string, cutoff: Date, limit: number): Promise<number> {
  const before = timeParam(dialect, cutoff);
  if (dialect === "sqlite") {
    return db.$executeRaw`DELETE FROM "RequestLog" WHERE "id" IN (
      SELECT "id" FROM "RequestLog" WHERE "workspaceId" = ${workspaceId} AND "createdAt" < ${before} ORDER BY "createdAt" LIMIT ${limit})`;
  }
  const rows = await db.$queryRaw<{ n: bigint | number }[]>`
    WITH doomed AS (
      SELECT "id", "createdAt" FROM "RequestLog"
       WHERE "workspaceId" = ${workspaceId} AND "createdAt" < ${before}::timestamp
       ORDER BY "createdAt" LIMIT ${limit}
    ), gone AS (
      DELETE FROM "RequestLog" l USING doomed d WHERE l."id" = d."id" AND l."createdAt" = d."createdAt" RETURNING l."id", l."createdAt"
    ), attempts AS (
      DELETE FROM "RequestAttempt" a USING gone g WHERE a."logId" = g."id" AND a."logCreatedAt" = g."createdAt"
    ), metadata AS (
      DELETE FROM "RequestLogMetadata" m USING gone g WHERE m."logId" = g."id" AND m."logCreatedAt" = g."createdAt"
    )
    SELECT count(*) AS n FROM gone`;
  return Number(rows[0]?.n ?? 0);
}

/** Deletes at most `limit` response-affinity rows created before `cutoff` (any workspace). */
export async function deleteOldAffinityBatch(db: Db, dialect: Dialect, cutoff: Date, limit: number): Promise<number> {
  const before = timeParam(dialect, cutoff);
  if (dialect === "sqlite") {
    return db.$executeRaw`DELETE FROM "ResponseAffinity" WHERE rowid IN (
      SELECT rowid FROM "ResponseAffinity" WHERE "createdAt" < ${before} ORDER BY "createdAt" LIMIT ${limit})`;
  }
  return db.$executeRaw`DELETE FROM "ResponseAffinity" WHERE ("workspaceId", "id") IN (
    SELECT "workspaceId", "id" FROM "ResponseAffinity" WHERE "createdAt" < ${before}::timestamp ORDER BY "createdAt" LIMIT ${limit})`;
}

/** The workspaces and their own retention (null: the default). */
export async function listWorkspaceRetention(db: Db): Promise<{ id: string; logRetentionDays: number | null }[]> {
  return db.workspace.findMany({ select: { id: true, logRetentionDays: true }, orderBy: { createdAt: "asc" } });
}

/** SQLite: pages on the free list (space deleted rows left), and the file's size in pages. */
export async function sqliteFreePages(db: Db): Promise<{ free: number; total: number }> {
  const [free] = await db.$queryRawUnsafe<{ freelist_count: bigint | number }[]>("PRAGMA freelist_count");
  const [total] = await db.$queryRawUnsafe<{ page_count: bigint | number }[]>("PRAGMA page_count");
  return { free: Number(free?.freelist_count ?? 0), total: Number(total?.page_count ?? 0) };
}

/**
 * SQLite: returns up to `pages` free pages of `file` to the file system (auto_vacuum = INCREMENTAL).
 * Through its own connection: the pragma frees one page per step, and Prisma's raw queries take
 * one step only. Returns the pages freed.
 */
export async function sqliteIncrementalVacuum(file: string, pages: number): Promise<number> {
  const Database = await loadSqliteDriver();
  const conn = new Database(file, { timeout: 5_000 });
  try {
    const before = Number(conn.pragma("freelist_count", { simple: true }));
    conn.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    return before - Number(conn.pragma("freelist_count", { simple: true }));
  } finally {
    conn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// A lease in AppMeta: `<expires ms>|<owner>`, taken and renewed by compare-and-swap, so that one
// instance at a time holds it on either database.

export const LEASE_OWNER: string = randomUUID();

const leaseKey = (name: string) => `lease:${name}`;
const leaseValue = (until: number, owner: string) => `${until}|${owner}`;
function parseLease(value: string): { until: number; owner: string } {
  const i = value.indexOf("|");
  return { until: Number(value.slice(0, i)) || 0, owner: value.slice(i + 1) };
}

/**
 * Takes (or renews) the lease `name` for `ttlMs` when it is free, expired or already `owner`'s.
 * Returns whether `owner` holds it now.
 */
export async function tryLease(db: Db, name: string, ttlMs: number, owner = LEASE_OWNER, now = Date.now()): Promise<boolean> {
  const key = leaseKey(name);
  const next = leaseValue(now + ttlMs, owner);
  const at = new Date(now);
  const inserted =
    await db.$executeRaw`INSERT INTO "AppMeta" ("key", "value", "updatedAt") VALUES (${key}, ${next}, ${at}) ON CONFLICT ("key") DO NOTHING`;
  if (inserted === 1) return true;
  const row = await db.appMeta.findUnique({ where: { key } });
  if (!row) return false; // released and removed in between: the next run takes it
  const held = parseLease(row.value);
  if (held.owner !== owner && held.until > now) return false;
  const swapped = await db.appMeta.updateMany({ where: { key, value: row.value }, data: { value: next } });
  return swapped.count === 1;
}

/** Gives the lease up if `owner` holds it. */
export async function releaseLease(db: Db, name: string, owner = LEASE_OWNER): Promise<void> {
  const key = leaseKey(name);
  const row = await db.appMeta.findUnique({ where: { key } });
  if (!row || parseLease(row.value).owner !== owner) return;
  await db.appMeta.updateMany({ where: { key, value: row.value }, data: { value: leaseValue(0, owner) } });
}

// ---------------------------------------------------------------------------------------------
// The last run's summary, shared by every instance (/api/health reads it wherever it is asked).

const LAST_RUN_KEY = "log_retention.last_run";

export async function saveLastRetentionRun(db: Db, summary: object): Promise<void> {
  const value = JSON.stringify(summary);
  await db.appMeta.upsert({ where: { key: LAST_RUN_KEY }, create: { key: LAST_RUN_KEY, value }, update: { value } });
}

export async function readLastRetentionRun<T>(db: Db): Promise<T | null> {
  const row = await db.appMeta.findUnique({ where: { key: LAST_RUN_KEY } });
  if (!row) return null;
  try {
    return JSON.parse(row.value) as T;
  } catch {
    return null;
  }
}
