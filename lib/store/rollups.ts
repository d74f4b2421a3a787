/**
 * Analytics rollups in the database (the LogRollup table, prisma/migrations/<db>/0012_log_rollups.sql
 * says why one row per dimension): the upsert every writer uses, adding a batch's deltas
 * (lib/logs/rollup.ts) to the rows in one statement per up to ROLLUP_CHUNK rows, histograms
 * included (`ON CONFLICT ... DO UPDATE` adds the two JSON arrays of counts bin by bin, in SQL: no
 * read-modify-write, so concurrent writers need no other lock than the rows'). Deltas arrive
 * sorted by key and are sent in that order, so two writers lock shared rows in one order and
 * cannot deadlock. Three drivers: node-postgres (the log sink, the seeder, the rebuild),
 * better-sqlite3 (the same) and Prisma (insertLogBatch). The SQL and the drivers' runs are in
 * lib/store/rollup-sql.ts (Prisma-free, for the log sink's thread); Prisma's run is here.
 *
 * Also here: reading the rows of a range for analytics, and pruning rows past their retention.
 */
import type { Db } from "../db";
import { type Dialect, dialectOf, timeSql } from "../db/dialect";
import { Prisma } from "../generated/sqlite/client";
import { type RollupCounts, type RollupDelta, zeroCounts } from "../logs/rollup";
import { chunks, params, ROLLUP_CHUNK, rollupUpsertSql, SUMMED } from "./rollup-sql";

export { ROLLUP_CHUNK, rollupUpsertSql, rollupUpserterSqlite, upsertRollupsPg } from "./rollup-sql";

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
