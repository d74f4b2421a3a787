/**
 * PostgreSQL only: the daily partitions of the request-log tables (0011_log_retention.sql).
 *
 * `RequestLog` is partitioned by "createdAt", `RequestAttempt` and `RequestLogMetadata` by their
 * log's time ("logCreatedAt"), each with one partition per UTC day named `<table>_pYYYYMMDD`, a
 * DEFAULT partition (`<table>_default`) that takes any row no day partition covers, and, after an
 * upgrade, `<table>_legacy`: the former table, covering everything before the day after its newest row.
 *
 * - `ensureLogPartitions` creates the days from yesterday to `daysAhead` days ahead on all three
 *   tables. Every instance calls it at start and hourly; a transaction-scoped advisory lock makes
 *   them take turns, and a day that exists (or that the legacy partition covers) is skipped. Should
 *   the DEFAULT partition hold rows of a day being created (written while its partition was
 *   missing), they are moved into it in the same transaction.
 * - `dropLogPartitionsBefore` drops every day (and the legacy partition) that ends at or before the
 *   cutoff, a day's three tables in one transaction. Dropping needs a brief exclusive lock on the
 *   parent tables; `lock_timeout` keeps a long explorer query or export from making the log writer
 *   queue behind the drop: the drop gives up and the next retention run tries again.
 *
 * Identifiers are built here from dates, never from input.
 */
import type { Db } from "../db";

export const PARTITIONED_LOG_TABLES = [
  { table: "RequestLog", key: "createdAt" },
  { table: "RequestAttempt", key: "logCreatedAt" },
  { table: "RequestLogMetadata", key: "logCreatedAt" },
] as const;
export type PartitionedLogTable = (typeof PARTITIONED_LOG_TABLES)[number]["table"];

/** Days created ahead of today: a week of slack should partition creation fail for a while. */
export const PARTITION_DAYS_AHEAD = 7;
/** How long creating or dropping a partition waits for the parent's lock before giving up. */
export const PARTITION_LOCK_TIMEOUT = "2s";
const DAY_MS = 86_400_000;
// Any constant shared by every instance; only partition maintenance takes it.
const PARTITION_LOCK_KEY = 4_173_920_011;

export type LogPartition = {
  table: PartitionedLogTable;
  name: string;
  kind: "day" | "legacy" | "default";
  /** Inclusive lower bound (UTC); null for MINVALUE and the default partition. */
  from: Date | null;
  /** Exclusive upper bound (UTC); null for the default partition. */
  to: Date | null;
  /** PostgreSQL's estimate of its rows (pg_class.reltuples, -1 before its first ANALYZE). */
  estimatedRows: number;
};

/** `2026-12-05` -> `20261205` */
const dayTag = (d: Date) => d.toISOString().slice(0, 10).replaceAll("-", "");
/** The timestamp literal of a UTC instant, as `timestamp without time zone` holds it. */
const pgTimestamp = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");
const startOfUtcDay = (d: Date) => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);

/** Reads `FOR VALUES FROM ('2026-12-05 00:00:00') TO ('2026-12-06 00:00:00')`, MINVALUE or DEFAULT. */
export function parsePartitionBound(bound: string): { from: Date | null; to: Date | null; isDefault: boolean } | null {
  if (bound.trim() === "DEFAULT") return { from: null, to: null, isDefault: true };
  const m = /^FOR VALUES FROM \((MINVALUE|'[^']+')\) TO \((MAXVALUE|'[^']+')\)$/.exec(bound.trim());
  if (!m) return null;
  const at = (v: string) => (v.startsWith("'") ? new Date(`${v.slice(1, -1).replace(" ", "T")}Z`) : null);
  return { from: at(m[1]!), to: at(m[2]!), isDefault: false };
}

type Queryable = Pick<Db, "$queryRawUnsafe" | "$executeRawUnsafe">;

/** The partitions of the three tables, oldest first (the default partition last). */
export async function listLogPartitions(db: Queryable): Promise<LogPartition[]> {
  const rows = await db.$queryRawUnsafe<{ parent: string; name: string; bound: string; rows: number }[]>(
    `SELECT p.relname AS parent, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, c.reltuples::float8 AS rows
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE n.nspname = current_schema() AND p.relname IN (${PARTITIONED_LOG_TABLES.map((t) => `'${t.table}'`).join(", ")})`,
  );
  const out: LogPartition[] = [];
  for (const r of rows) {
    const bound = parsePartitionBound(r.bound);
    if (!bound) continue; // not one of ours (a partition someone added by hand with another shape)
    out.push({
      table: r.parent as PartitionedLogTable,
      name: r.name,
      kind: bound.isDefault ? "default" : bound.from === null ? "legacy" : "day",
      from: bound.from,
      to: bound.to,
      estimatedRows: Number(r.rows),
    });
  }
  const order = (p: LogPartition) => (p.kind === "default" ? Number.POSITIVE_INFINITY : (p.from?.getTime() ?? Number.NEGATIVE_INFINITY));
  return out.sort((a, b) => order(a) - order(b) || a.table.localeCompare(b.table));
}

/** A UTC day (its start) that may hold logs, and the partition of "RequestLog" (its name) holding them. */
export type LogDay = { day: Date; partition: string };

/**
 * The UTC days that may hold logs of the workspace, oldest first: each day of every partition of
 * "RequestLog" that has ever been written to, and the days of the workspace's own rows in a
 * partition without a bounded range (DEFAULT, legacy, MAXVALUE: one index seek per day). A
 * partition no row was ever inserted into has no pages: its size on disk, unlike the planner's
 * estimate, is current, so the partitions created ahead are skipped without reading them. A day
 * listed may still hold none of the workspace's logs; a log is never on a day not listed.
 *
 * One catalog query, and one more per unbounded partition with pages (none while every day has had
 * its partition). What the log explorer searches, a day at a time (lib/store/log-query.ts), instead
 * of the workspace's oldest and newest log, which take a plan of every partition each.
 */
export async function logDaysWithRows(db: Queryable, workspaceId: string): Promise<LogDay[]> {
  const parts = await db.$queryRawUnsafe<{ rel: string; name: string; bound: string; filled: boolean }[]>(
    `SELECT c.oid::regclass::text AS rel, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, pg_relation_size(c.oid) > 0 AS filled
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = '"RequestLog"'::regclass`,
  );
  const days = new Map<number, string>();
  for (const p of parts) {
    if (!p.filled) continue;
    const bound = parsePartitionBound(p.bound);
    if (bound && !bound.isDefault && bound.from && bound.to) {
      for (let t = startOfUtcDay(bound.from).getTime(); t < bound.to.getTime(); t += DAY_MS) if (!days.has(t)) days.set(t, p.name);
      continue;
    }
    // `rel` is the partition's name as PostgreSQL quotes it (regclass output), not input.
    const rows = await db.$queryRawUnsafe<{ day: Date }[]>(
      `WITH RECURSIVE d("day") AS (
         SELECT date_trunc('day', min("createdAt")) FROM ${p.rel} WHERE "workspaceId" = $1
         UNION ALL
         SELECT (SELECT date_trunc('day', min("createdAt")) FROM ${p.rel} WHERE "workspaceId" = $1 AND "createdAt" >= d."day" + interval '1 day')
         FROM d WHERE d."day" IS NOT NULL
       )
       SELECT "day" FROM d WHERE "day" IS NOT NULL`,
      workspaceId,
    );
    for (const r of rows) {
      const t = startOfUtcDay(new Date(r.day)).getTime();
      if (!days.has(t)) days.set(t, p.name);
    }
  }
  return [...days].sort(([a], [b]) => a - b).map(([t, partition]) => ({ day: new Date(t), partition }));
}

/**
 * Merges the pending entries of the full-text index (the GIN index over "searchVector",
 * 0019_log_search_vector) of every "RequestLog" day partition that has ended into the index
 * proper, the newest day first, until `shouldStop` says so. Returns the pages merged and whether
 * every such index was done.
 *
 * Why: GIN adds new entries to a pending list, read in full by every search of that partition,
 * until a vacuum or autoanalyze (or a list past gin_pending_list_limit, 4 MB) merges it. Autovacuum
 * visits a partition as its rows grow (analyze every 10% more), so a day that stops being written
 * at midnight keeps the entries written since its last visit for good: up to 4 MB per day (measured
 * at 1M seeded logs: 210-290 pages per day, 1.2 ms of each day's search; a word searched over 30
 * days, 38.7 ms of execution, 1.1 ms once merged). An index with nothing pending costs a read of its
 * metapage, so every finished day is asked each time. Needs the table's owner (as migrations do).
 */
export async function mergeSearchIndexPending(
  db: Queryable,
  now: Date,
  shouldStop: () => boolean = () => false,
): Promise<{ pages: number; complete: boolean }> {
  const indexes = await db.$queryRawUnsafe<{ idx: string; bound: string }[]>(
    `SELECT ix.indexrelid::regclass::text AS idx, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_index ix ON ix.indrelid = c.oid JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.inhparent = '"RequestLog"'::regclass AND am.amname = 'gin'`,
  );
  const ended = indexes
    .map((x) => ({ idx: x.idx, to: parsePartitionBound(x.bound)?.to ?? null }))
    .filter((x): x is { idx: string; to: Date } => x.to !== null && x.to.getTime() <= now.getTime())
    .sort((a, b) => b.to.getTime() - a.to.getTime());
  let pages = 0;
  for (const { idx } of ended) {
    if (shouldStop()) return { pages, complete: false };
    // `idx` is the index's name as PostgreSQL quotes it (regclass output), passed as a value.
    const [row] = await db.$queryRawUnsafe<{ pages: bigint | number }[]>(`SELECT gin_clean_pending_list($1::regclass) AS pages`, idx);
    pages += Number(row?.pages ?? 0);
  }
  return { pages, complete: true };
}

function overlaps(p: LogPartition, from: Date, to: Date): boolean {
  if (p.kind === "default") return false;
  const lo = p.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const hi = p.to?.getTime() ?? Number.POSITIVE_INFINITY;
  return lo < to.getTime() && from.getTime() < hi;
}

/**
 * Creates the missing day partitions from yesterday (or the day of `from`, for a seeder writing
 * the past) to `daysAhead` days after today (UTC) on the three tables. Returns the names created.
 */
export async function ensureLogPartitions(db: Db, options: { now?: Date; daysAhead?: number; from?: Date } = {}): Promise<string[]> {
  const today = startOfUtcDay(options.now ?? new Date());
  const first = Math.min(today.getTime() - DAY_MS, startOfUtcDay(options.from ?? today).getTime());
  const days: Date[] = [];
  for (let t = first; t <= today.getTime() + (options.daysAhead ?? PARTITION_DAYS_AHEAD) * DAY_MS; t += DAY_MS) days.push(new Date(t));
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`);
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${PARTITION_LOCK_KEY})`);
      const existing = await listLogPartitions(tx);
      const created: string[] = [];
      for (const { table, key } of PARTITIONED_LOG_TABLES) {
        const mine = existing.filter((p) => p.table === table);
        for (const day of days) {
          const next = new Date(day.getTime() + DAY_MS);
          if (mine.some((p) => overlaps(p, day, next))) continue;
          const name = `${table}_p${dayTag(day)}`;
          const range = `FROM ('${pgTimestamp(day)}') TO ('${pgTimestamp(next)}')`;
          const strays = await tx.$queryRawUnsafe<unknown[]>(
            `SELECT 1 FROM ONLY "${table}_default" WHERE "${key}" >= '${pgTimestamp(day)}' AND "${key}" < '${pgTimestamp(next)}' LIMIT 1`,
          );
          if (strays.length === 0) {
            await tx.$executeRawUnsafe(`CREATE TABLE "${name}" PARTITION OF "${table}" FOR VALUES ${range}`);
          } else {
            // Rows written while the day had no partition: move them in, then attach it. A
            // partition's generated columns must be generated too (RequestLog's "searchVector",
            // 0019_log_search_vector), and take no value on insert: they are recomputed.
            await tx.$executeRawUnsafe(`CREATE TABLE "${name}" (LIKE "${table}" INCLUDING DEFAULTS INCLUDING GENERATED)`);
            const cols = (await storedColumns(tx, table)).map((c) => `"${c}"`).join(", ");
            await tx.$executeRawUnsafe(
              `WITH moved AS (DELETE FROM ONLY "${table}_default" WHERE "${key}" >= '${pgTimestamp(day)}' AND "${key}" < '${pgTimestamp(next)}' RETURNING *)
               INSERT INTO "${name}" (${cols}) SELECT ${cols} FROM moved`,
            );
            await tx.$executeRawUnsafe(`ALTER TABLE "${table}" ATTACH PARTITION "${name}" FOR VALUES ${range}`);
          }
          created.push(name);
        }
      }
      return created;
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/** The table's columns that take a value on insert: all but the dropped and the generated ones, in order. */
async function storedColumns(db: Queryable, table: PartitionedLogTable): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = '"${table}"'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
  );
  return rows.map((r) => r.name);
}

export type DroppedPartition = { day: string; tables: string[]; estimatedRows: number };

/**
 * Drops the days (and the legacy partition) of the three tables that end at or before `cutoff`,
 * oldest first, one day per transaction; stops early when `shouldStop` says so. A day whose drop
 * times out on a lock is left for the next run (reported in `blocked`).
 */
export async function dropLogPartitionsBefore(
  db: Db,
  cutoff: Date,
  shouldStop: () => boolean = () => false,
): Promise<{ dropped: DroppedPartition[]; blocked: string[] }> {
  const all = await listLogPartitions(db);
  const expired = all.filter((p) => p.kind !== "default" && p.to !== null && p.to.getTime() <= cutoff.getTime());
  // One group per range: a day's (or the legacy) partitions of the three tables go together.
  const groups = new Map<string, LogPartition[]>();
  for (const p of expired) {
    const key = p.kind === "legacy" ? "legacy" : dayTag(p.from!);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const dropped: DroppedPartition[] = [];
  const blocked: string[] = [];
  for (const [day, parts] of groups) {
    if (shouldStop()) break;
    // One transaction: a reader never sees a day's logs without their attempts. Dropping a partition
    // locks its parent, so the parents are taken in the log writer's order (logs, attempts,
    // metadata): the other order deadlocks with a batch being written.
    const rank = (p: LogPartition) => PARTITIONED_LOG_TABLES.findIndex((t) => t.table === p.table);
    const ordered = [...parts].sort((a, b) => rank(a) - rank(b));
    try {
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`);
        for (const p of ordered) await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS "${p.name}"`);
      });
      dropped.push({
        day,
        tables: ordered.map((p) => p.name),
        estimatedRows: Math.max(0, parts.find((p) => p.table === "RequestLog")?.estimatedRows ?? 0),
      });
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
      blocked.push(day);
    }
  }
  return { dropped, blocked };
}

function isLockTimeout(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /lock timeout|55P03/.test(text);
}
