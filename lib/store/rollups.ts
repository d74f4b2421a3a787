/**
 * Analytics rollups in the database (the LogRollup table, prisma/migrations/<db>/0012_log_rollups.sql
 * says why one row per dimension): the upsert every writer uses, adding a batch's deltas
 * (lib/logs/rollup.ts) to the rows in one statement per up to ROLLUP_CHUNK rows, histograms
 * included (`ON CONFLICT ... DO UPDATE` adds the two JSON arrays of counts bin by bin, in SQL: no
 * read-modify-write, so concurrent writers need no other lock than the rows'). Deltas arrive
 * sorted by key and are sent in that order, so two writers lock shared rows in one order and
 * cannot deadlock. Three drivers: node-postgres (the log sink, the seeder, the rebuild),
 * better-sqlite3 (the same) and Prisma (insertLogBatch).
 *
 * Also here: reading the rows of a range for analytics, and pruning rows past their retention.
 */
import type Database from "better-sqlite3";
import type pg from "pg";
import type { Db } from "../db";
import { type Dialect, dialectOf, timeParam, timeSql } from "../db/dialect";
import { Prisma } from "../generated/sqlite/client";
import { type RollupCounts, type RollupDelta, zeroCounts } from "../logs/rollup";

const SUMMED = [
  "requests",
  "errors",
  "rescued",
  "fallbacks",
  "unpriced",
  "costNanoUsd",
  "savedNanoUsd",
  "promptTokens",
  "completionTokens",
  "totalTokens",
] as const satisfies readonly (keyof RollupCounts)[];
const COLUMNS = ["workspaceId", "dimension", "hour", "key", ...SUMMED, "latency"] as const;

/** At most this many rows per statement (15 parameters each: well under PostgreSQL's 65535). */
export const ROLLUP_CHUNK = 1000;

/** `a` + `b`, two JSON arrays of counts of any lengths, as a JSON array (the longer one's length). */
function mergeHistogramSql(dialect: Dialect, a: string, b: string): string {
  // SQLite: walk the longer array and look the index up in both (json_extract reuses its parse of
  // the same text): a FULL JOIN of two json_each has no index and costs ~12x more.
  if (dialect === "sqlite")
    return `(SELECT json_group_array(COALESCE(json_extract(${a}, '$[' || x.key || ']'), 0) + COALESCE(json_extract(${b}, '$[' || x.key || ']'), 0) ORDER BY x.key)
      FROM json_each(CASE WHEN json_array_length(${a}) >= json_array_length(${b}) THEN ${a} ELSE ${b} END) AS x)`;
  return `(SELECT COALESCE('[' || string_agg((COALESCE(x.n::bigint, 0) + COALESCE(y.n::bigint, 0))::text, ',' ORDER BY COALESCE(x.i, y.i)) || ']', '[]')
      FROM json_array_elements_text(${a}::json) WITH ORDINALITY AS x(n, i)
      FULL JOIN json_array_elements_text(${b}::json) WITH ORDINALITY AS y(n, i) ON x.i = y.i)`;
}

/** INSERT of `rows` rows (placeholders `?` on SQLite, `$n` on PostgreSQL) adding to existing rows. */
export function rollupUpsertSql(dialect: Dialect, rows: number): string {
  let n = 0;
  const ph = () => (dialect === "sqlite" ? "?" : `$${++n}`);
  const tuples = Array.from({ length: rows }, () => `(${COLUMNS.map(ph).join(", ")})`).join(", ");
  const sums = SUMMED.map((c) => `"${c}" = "LogRollup"."${c}" + excluded."${c}"`).join(", ");
  return `INSERT INTO "LogRollup" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples}
    ON CONFLICT ("workspaceId", "dimension", "hour", "key") DO UPDATE SET ${sums},
    "latency" = ${mergeHistogramSql(dialect, `"LogRollup"."latency"`, `excluded."latency"`)}`;
}

function params(dialect: Dialect, d: RollupDelta): unknown[] {
  return [d.workspaceId, d.dimension, timeParam(dialect, d.hour), d.key, ...SUMMED.map((c) => d[c]), JSON.stringify(d.latency)];
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Adds the deltas with node-postgres, inside the caller's transaction. */
export async function upsertRollupsPg(client: Pick<pg.ClientBase, "query">, deltas: readonly RollupDelta[]): Promise<void> {
  for (const part of chunks(deltas, ROLLUP_CHUNK))
    await client.query(
      rollupUpsertSql("postgresql", part.length),
      part.flatMap((d) => params("postgresql", d)),
    );
}

/** A function adding deltas with better-sqlite3 (one prepared single-row statement), inside the caller's transaction. */
export function rollupUpserterSqlite(db: Database.Database): (deltas: readonly RollupDelta[]) => void {
  const stmt = db.prepare(rollupUpsertSql("sqlite", 1));
  return (deltas) => {
    for (const d of deltas) stmt.run(params("sqlite", d));
  };
}

/** Adds the deltas through Prisma (insertLogBatch), inside its interactive transaction. */
export async function upsertRollupsPrisma(tx: Prisma.TransactionClient, dialect: Dialect, deltas: readonly RollupDelta[]): Promise<void> {
  for (const part of chunks(deltas, dialect === "sqlite" ? 50 : ROLLUP_CHUNK))
    await tx.$executeRawUnsafe(rollupUpsertSql(dialect, part.length), ...part.flatMap((d) => params(dialect, d)));
}

/** One stored rollup row, numbers as numbers and the histogram parsed. */
export type RollupRow = RollupDelta;

type RawRollupRow = { [c in (typeof SUMMED)[number]]: number | bigint | string } & {
  workspaceId: string;
  dimension: string;
  hour: Date | string;
  key: string;
  latency: string;
};

/**
 * The rollup rows of one dimension of a workspace with hour in [from, to) (from and to whole
 * hours), one range of the primary key.
 */
export async function readRollups(
  db: Db,
  q: { workspaceId: string; dimension: string; from: Date; to: Date },
  dialect: Dialect = dialectOf(db),
): Promise<RollupRow[]> {
  const rows = await db.$queryRaw<RawRollupRow[]>(Prisma.sql`
    SELECT "workspaceId", "dimension", "hour", "key", ${Prisma.raw(SUMMED.map((c) => `"${c}"`).join(", "))}, "latency" FROM "LogRollup"
    WHERE "workspaceId" = ${q.workspaceId} AND "dimension" = ${q.dimension}
      AND "hour" >= ${timeSql(dialect, q.from)} AND "hour" < ${timeSql(dialect, q.to)}`);
  return rows.map(toRollupRow);
}

export function toRollupRow(r: RawRollupRow): RollupRow {
  const counts = zeroCounts();
  for (const c of SUMMED) counts[c] = Number(r[c]);
  const hour = r.hour instanceof Date ? r.hour : new Date(r.hour.endsWith("Z") || r.hour.includes("+") ? r.hour : `${r.hour}Z`);
  return {
    workspaceId: r.workspaceId,
    dimension: r.dimension as RollupRow["dimension"],
    hour,
    key: r.key,
    ...counts,
    latency: JSON.parse(r.latency) as number[],
  };
}

/**
 * Deletes at most `batchSize` rollup rows whose hour is before `cutoff` (oldest first), for the
 * retention job (DETOUR_ROLLUP_RETENTION_DAYS). `found`: rows selected; `deleted`: rows removed
 * (fewer when another pruner removed some meanwhile). The histograms are in the rows.
 */
export async function pruneRollupsBatch(db: Db, cutoff: Date, batchSize: number): Promise<{ found: number; deleted: number }> {
  const dialect = dialectOf(db);
  const limit = Math.max(0, Math.floor(batchSize));
  if (limit === 0) return { found: 0, deleted: 0 };
  const keys = await db.$queryRaw<{ workspaceId: string; dimension: string; hour: Date | string; key: string }[]>(Prisma.sql`
    SELECT "workspaceId", "dimension", "hour", "key" FROM "LogRollup"
    WHERE "hour" < ${timeSql(dialect, cutoff)} ORDER BY "hour" LIMIT ${limit}`);
  if (keys.length === 0) return { found: 0, deleted: 0 };
  // The hour as read, compared as stored: text on SQLite, timestamp on PostgreSQL.
  const hourOf = (h: Date | string) => (typeof h === "string" ? Prisma.sql`${h}` : timeSql(dialect, h));
  const tuples = keys.map((k) => Prisma.sql`(${k.workspaceId}, ${k.dimension}, ${hourOf(k.hour)}, ${k.key})`);
  let deleted = 0;
  for (const part of chunks(tuples, 500))
    deleted += await db.$executeRaw(
      Prisma.sql`DELETE FROM "LogRollup" WHERE ("workspaceId", "dimension", "hour", "key") IN (${Prisma.join(part)})`,
    );
  return { found: keys.length, deleted };
}

/**
 * The summed counts of one key of one dimension over [from, to) (whole hours): e.g. a virtual
 * key's requests, errors and cost over the last 7 days, for its page. Summed by the database.
 */
export async function rollupTotals(
  db: Db,
  q: { workspaceId: string; dimension: string; key: string; from: Date; to: Date },
  dialect: Dialect = dialectOf(db),
): Promise<RollupCounts> {
  const sums = SUMMED.map((c) => `COALESCE(SUM("${c}"), 0) AS "${c}"`).join(", ");
  const rows = await db.$queryRaw<Record<string, unknown>[]>(Prisma.sql`
    SELECT ${Prisma.raw(sums)} FROM "LogRollup"
    WHERE "workspaceId" = ${q.workspaceId} AND "dimension" = ${q.dimension} AND "key" = ${q.key}
      AND "hour" >= ${timeSql(dialect, q.from)} AND "hour" < ${timeSql(dialect, q.to)}`);
  const counts = zeroCounts();
  for (const c of SUMMED) counts[c] = Number(rows[0]?.[c] ?? 0);
  return counts;
}
