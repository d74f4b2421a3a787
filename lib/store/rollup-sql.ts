/**
 * The analytics rollups' upsert (see lib/store/rollups.ts) in SQL, and its runs through the drivers:
 * node-postgres (the log sink, the seeder, the rebuild) and better-sqlite3 (the same). Free of
 * Prisma, so the log sink's thread does not load its client.
 */
import type Database from "better-sqlite3";
import type pg from "pg";
import { type Dialect, timeParam } from "../db/sql-time";
import type { RollupCounts, RollupDelta } from "../logs/rollup";

export const SUMMED = [
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

export function params(dialect: Dialect, d: RollupDelta): unknown[] {
  return [d.workspaceId, d.dimension, timeParam(dialect, d.hour), d.key, ...SUMMED.map((c) => d[c]), JSON.stringify(d.latency)];
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
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
