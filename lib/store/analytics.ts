/**
 * Analytics over request logs: per time bucket (hour or day, UTC) and optionally per provider or
 * model, the requests, errors (status >= 400), cost, requests rescued by fallback (fallbackUsed and
 * a 2xx) and latency p50/p95.
 *
 * Fast at 100k rows on both databases: every figure is computed in SQL over one range of the
 * (workspaceId, createdAt) index and only aggregates cross the wire.
 * - Counts and sums: one GROUP BY (bucket, split key). The bucket is a dialect-specific
 *   expression that yields the same text on both databases (`2026-11-20T10` for an hour,
 *   `2026-11-20` for a day): SQLite cuts its ISO text (`substr`), PostgreSQL formats `date_trunc`.
 * - Percentiles: PostgreSQL's `percentile_cont`; SQLite has none, so a window function numbers
 *   each bucket's latencies in order and only the (at most 4) rows around each percentile's rank
 *   are returned, then interpolated here exactly as percentile_cont does. No sampling: exact on
 *   both databases, and the sort happens inside the database, not in JS.
 * The split keeps the TOP_KEYS keys with most requests in the range; the rest are folded into
 * "other". Requests without a provider/model (failed before routing) are under "unknown".
 * Splits by API key, virtual key and config group by the log's id or slug (what the row holds, and
 * what stays true when a name changes); `labels` names each kept key for display (the key's or
 * config's name, with its prefix or slug when two kept keys share a name), in one more query.
 *
 * Latency per split key (only with a split): a percentile cannot be folded after the fact, so once
 * the counts query has ranked the keys, a third query maps each row to its key in SQL (the top keys
 * are bound as parameters, everything else is "other") and computes p50/p95 per (bucket, key) with
 * the same technique as above: `percentile_cont` on PostgreSQL, window ranks + interpolation on
 * SQLite (one more sort; no per-key range percentiles, which would cost a second). It runs after the counts
 * query (it needs the keys) and alongside nothing else, so a split costs one more range scan.
 */
import type { Db } from "../db";
import { Prisma } from "../generated/sqlite/client";
import { getEnv } from "../env";

export type AnalyticsBucket = "hour" | "day";
export type AnalyticsSplit = "provider" | "model" | "endpoint" | "api_key" | "virtual_key" | "config";
export type Dialect = "sqlite" | "postgresql";

export type AnalyticsQuery = {
  workspaceId: string;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  bucket: AnalyticsBucket;
  splitBy: AnalyticsSplit | null;
};

/**
 * `cost`: the sum of the known costs; `unpriced`: answered requests (status below 400) whose cost is
 * unknown (no price for the model, or no usage reported), which that sum leaves out.
 */
export type Counts = { requests: number; errors: number; cost: number; unpriced: number; rescued: number };
export type AnalyticsPoint = Counts & {
  /** Start of the bucket, ISO 8601 UTC. */
  start: string;
  /** Latency percentiles in ms of the bucket's requests; null when it has none. */
  p50: number | null;
  p95: number | null;
  /** Per split key (only with splitBy; every key of `keys` is present). */
  byKey: Record<string, Counts>;
  /** Latency percentiles per split key (only with splitBy; every key of `keys` is present, null when it has no requests in the bucket). */
  latencyByKey: Record<string, Pct>;
};
export type Pct = { p50: number | null; p95: number | null };
export type AnalyticsTotals = Counts & { errorRate: number | null; p50: number | null; p95: number | null };
export type Analytics = {
  bucket: AnalyticsBucket;
  splitBy: AnalyticsSplit | null;
  /** Split keys, most requests first, "other" last when present; empty without a split. */
  keys: string[];
  /** What to show for each key of `keys` (for API keys, virtual keys and configs their names; else the key itself). */
  labels: Record<string, string>;
  /** Every bucket of the range in time order, empty ones included. */
  series: AnalyticsPoint[];
  totals: AnalyticsTotals;
  /** Totals per split key, in `keys` order. */
  byKey: (Counts & { key: string })[];
};

export const TOP_KEYS = 6;
export const OTHER_KEY = "other";
export const UNKNOWN_KEY = "unknown";

const BUCKET_MS: Record<AnalyticsBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** The start of the bucket holding `d` (UTC). */
export function bucketStart(d: Date, bucket: AnalyticsBucket): Date {
  const ms = BUCKET_MS[bucket];
  return new Date(Math.floor(d.getTime() / ms) * ms);
}

/** The bucket's label as both databases' SQL produces it (`2026-11-20T10` / `2026-11-20`). */
function bucketLabel(d: Date, bucket: AnalyticsBucket): string {
  return d.toISOString().slice(0, bucket === "hour" ? 13 : 10);
}

function currentDialect(): Dialect {
  return getEnv().database.kind;
}

export async function getAnalytics(db: Db, query: AnalyticsQuery, dialect: Dialect = currentDialect()): Promise<Analytics> {
  const sql = dialect === "sqlite" ? sqliteSql(query) : postgresSql(query);
  const [groups, pct] = await Promise.all([db.$queryRaw<GroupRow[]>(sql.groups), db.$queryRaw<PctRow[]>(sql.percentiles)]);
  const split = splitKeys(query, groups);
  let keyPct: KeyPercentiles = new Map();
  if (query.splitBy && split.top.length) {
    const ksql = dialect === "sqlite" ? sqliteKeyPercentiles(query, split.top) : postgresKeyPercentiles(query, split.top);
    keyPct = readKeyPercentiles(await db.$queryRaw<KeyPctRow[]>(ksql), dialect);
  }
  const labels = query.splitBy ? await splitLabels(db, query.workspaceId, query.splitBy, split.keys) : {};
  return { ...assemble(query, groups, readPercentiles(pct, dialect), split, keyPct), labels };
}

/** What a request without an API key, virtual key or config is shown as in those splits. */
export const NONE_LABELS: Partial<Record<AnalyticsSplit, string>> = {
  api_key: "no API key",
  virtual_key: "no virtual key",
  config: "no config",
};

/**
 * The display name of each split key: for API keys (by id), virtual keys and configs (by slug) the
 * workspace's name for it, one query for all; a name two keys share gets the key's prefix or slug
 * ("billing (dtr_ab12cd...)"); a key no row names any more is shown as it is. Other splits show the keys.
 */
export async function splitLabels(
  db: Db,
  workspaceId: string,
  split: AnalyticsSplit,
  keys: readonly string[],
): Promise<Record<string, string>> {
  const real = keys.filter((k) => k !== OTHER_KEY && k !== UNKNOWN_KEY);
  const named = new Map<string, { name: string; tag: string }>();
  if (real.length && split === "api_key") {
    const rows = await db.apiKey.findMany({ where: { workspaceId, id: { in: real } }, select: { id: true, name: true, prefix: true } });
    for (const r of rows) named.set(r.id, { name: r.name, tag: `${r.prefix}...` });
  } else if (real.length && split === "virtual_key") {
    const rows = await db.virtualKey.findMany({ where: { workspaceId, slug: { in: real } }, select: { slug: true, name: true } });
    for (const r of rows) named.set(r.slug, { name: r.name, tag: r.slug });
  } else if (real.length && split === "config") {
    const rows = await db.config.findMany({ where: { workspaceId, slug: { in: real } }, select: { slug: true, name: true } });
    for (const r of rows) named.set(r.slug, { name: r.name, tag: r.slug });
  }
  const counts = new Map<string, number>();
  for (const { name } of named.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  const labels: Record<string, string> = {};
  for (const k of keys) {
    const n = named.get(k);
    if (n) labels[k] = (counts.get(n.name) ?? 0) > 1 ? `${n.name} (${n.tag})` : n.name;
    else labels[k] = k === UNKNOWN_KEY ? (NONE_LABELS[split] ?? k) : k;
  }
  return labels;
}

type GroupRow = {
  bucket: string;
  key: string | null;
  requests: number | bigint;
  errors: number | bigint | null;
  cost: number | null;
  unpriced: number | bigint | null;
  rescued: number | bigint | null;
};
/**
 * PostgreSQL: p50/p95 per bucket, and for the whole range on the row whose bucket is null.
 * SQLite: the rows at ranks around each percentile, within their bucket (i of n) and within the
 * range (gi of gn), 0-based.
 */
type PctRow = {
  bucket: string | null;
  p50?: number | null;
  p95?: number | null;
  v?: number | bigint;
  i?: number | bigint;
  n?: number | bigint;
  gi?: number | bigint;
  gn?: number | bigint;
};

type DialectSql = { groups: Prisma.Sql; percentiles: Prisma.Sql };

/** Per (bucket, key). PostgreSQL: p50/p95. SQLite: the rows at ranks around each percentile within their (bucket, key) (i of n), 0-based. */
type KeyPctRow = {
  bucket: string;
  key: string;
  p50?: number | null;
  p95?: number | null;
  v?: number | bigint;
  i?: number | bigint;
  n?: number | bigint;
};

/**
 * The split key of a row as `assemble` folds it: null is "unknown", a top key is itself, the rest
 * "other". `top` is never empty (the caller skips the query otherwise).
 */
function foldedKey(split: AnalyticsSplit, top: string[]): Prisma.Sql {
  const raw = Prisma.sql`COALESCE(${splitColumn(split)}, ${UNKNOWN_KEY})`;
  return Prisma.sql`CASE WHEN ${raw} IN (${Prisma.join(top)}) THEN ${raw} ELSE ${OTHER_KEY} END`;
}

/** The ranks around p * (n - 1), as the percentile queries select them (CAST truncates = floor here). */
function ranksAround(i: Prisma.Sql, n: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${i} IN (CAST(0.5 * (${n} - 1) AS INTEGER), CAST(0.5 * (${n} - 1) AS INTEGER) + 1, CAST(0.95 * (${n} - 1) AS INTEGER), CAST(0.95 * (${n} - 1) AS INTEGER) + 1)`;
}

/** SQLite stores DateTime as ISO text with an explicit offset; compare with the same shape. */
function sqliteTime(d: Date): string {
  return d.toISOString().replace("Z", "+00:00");
}

function sqliteSql(q: AnalyticsQuery): DialectSql {
  const bucket = q.bucket === "hour" ? Prisma.sql`substr("createdAt", 1, 13)` : Prisma.sql`substr("createdAt", 1, 10)`;
  const key = splitColumn(q.splitBy);
  const where = Prisma.sql`"workspaceId" = ${q.workspaceId} AND "createdAt" >= ${sqliteTime(q.from)} AND "createdAt" < ${sqliteTime(q.to)}`;
  return {
    groups: Prisma.sql`
      SELECT ${bucket} AS bucket, ${key} AS key, COUNT(*) AS requests,
        SUM(CASE WHEN "status" >= 400 THEN 1 ELSE 0 END) AS errors,
        SUM("cost") AS cost,
        SUM(CASE WHEN "cost" IS NULL AND "status" < 400 THEN 1 ELSE 0 END) AS unpriced,
        SUM(CASE WHEN "fallbackUsed" = 1 AND "status" >= 200 AND "status" < 300 THEN 1 ELSE 0 END) AS rescued
      FROM "RequestLog" WHERE ${where}
      GROUP BY 1, 2`,
    // One scan, two sorts: ranks within the bucket and within the range. CAST truncates, which is
    // floor for these non-negative positions.
    percentiles: Prisma.sql`
      SELECT bucket, v, i, n, gi, gn FROM (
        SELECT ${bucket} AS bucket, "latencyMs" AS v,
          ROW_NUMBER() OVER (PARTITION BY ${bucket} ORDER BY "latencyMs") - 1 AS i,
          COUNT(*) OVER (PARTITION BY ${bucket}) AS n,
          ROW_NUMBER() OVER (ORDER BY "latencyMs") - 1 AS gi,
          COUNT(*) OVER () AS gn
        FROM "RequestLog" WHERE ${where}
      ) AS ranked
      WHERE i IN (CAST(0.5 * (n - 1) AS INTEGER), CAST(0.5 * (n - 1) AS INTEGER) + 1, CAST(0.95 * (n - 1) AS INTEGER), CAST(0.95 * (n - 1) AS INTEGER) + 1)
         OR gi IN (CAST(0.5 * (gn - 1) AS INTEGER), CAST(0.5 * (gn - 1) AS INTEGER) + 1, CAST(0.95 * (gn - 1) AS INTEGER), CAST(0.95 * (gn - 1) AS INTEGER) + 1)`,
  };
}

/**
 * SQLite per-key ranks: one scan of the range, one sort (within (bucket, key)). Per-key percentiles
 * over the whole range would need a second sort (+~150 ms at 30 days / 100k rows), so there are none.
 */
function sqliteKeyPercentiles(q: AnalyticsQuery, top: string[]): Prisma.Sql {
  const bucket = q.bucket === "hour" ? Prisma.sql`substr("createdAt", 1, 13)` : Prisma.sql`substr("createdAt", 1, 10)`;
  const where = Prisma.sql`"workspaceId" = ${q.workspaceId} AND "createdAt" >= ${sqliteTime(q.from)} AND "createdAt" < ${sqliteTime(q.to)}`;
  return Prisma.sql`
    SELECT bucket, key, v, i, n FROM (
      SELECT bucket, key, v,
        ROW_NUMBER() OVER (PARTITION BY bucket, key ORDER BY v) - 1 AS i,
        COUNT(*) OVER (PARTITION BY bucket, key) AS n
      FROM (
        SELECT ${bucket} AS bucket, ${foldedKey(q.splitBy!, top)} AS key, "latencyMs" AS v
        FROM "RequestLog" WHERE ${where}
      ) AS rows
    ) AS ranked
    WHERE ${ranksAround(Prisma.sql`i`, Prisma.sql`n`)}`;
}

/** PostgreSQL per-key percentiles per (bucket, key). */
function postgresKeyPercentiles(q: AnalyticsQuery, top: string[]): Prisma.Sql {
  return Prisma.sql`
    SELECT bucket, key,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY v) AS p95
    FROM (
      SELECT ${postgresBucket(q.bucket)} AS bucket, ${foldedKey(q.splitBy!, top)} AS key, "latencyMs" AS v
      FROM "RequestLog" WHERE ${postgresWhere(q)}
    ) AS rows
    GROUP BY bucket, key`;
}

function postgresBucket(bucket: AnalyticsBucket): Prisma.Sql {
  return bucket === "hour"
    ? Prisma.sql`to_char(date_trunc('hour', "createdAt"), 'YYYY-MM-DD"T"HH24')`
    : Prisma.sql`to_char(date_trunc('day', "createdAt"), 'YYYY-MM-DD')`;
}

/** timestamp(3) without time zone holding UTC: compare with the UTC wall-clock text. */
function postgresWhere(q: AnalyticsQuery): Prisma.Sql {
  const t = (d: Date) => d.toISOString().slice(0, 23);
  return Prisma.sql`"workspaceId" = ${q.workspaceId} AND "createdAt" >= ${t(q.from)}::timestamp AND "createdAt" < ${t(q.to)}::timestamp`;
}

function postgresSql(q: AnalyticsQuery): DialectSql {
  const bucket = postgresBucket(q.bucket);
  const key = splitColumn(q.splitBy);
  const where = postgresWhere(q);
  return {
    groups: Prisma.sql`
      SELECT ${bucket} AS bucket, ${key} AS key, COUNT(*) AS requests,
        COUNT(*) FILTER (WHERE "status" >= 400) AS errors,
        SUM("cost") AS cost,
        COUNT(*) FILTER (WHERE "cost" IS NULL AND "status" < 400) AS unpriced,
        COUNT(*) FILTER (WHERE "fallbackUsed" AND "status" >= 200 AND "status" < 300) AS rescued
      FROM "RequestLog" WHERE ${where}
      GROUP BY 1, 2`,
    // The grouping set () adds the whole range's row, with a null bucket.
    percentiles: Prisma.sql`
      SELECT ${bucket} AS bucket,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY "latencyMs") AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95
      FROM "RequestLog" WHERE ${where}
      GROUP BY GROUPING SETS ((1), ())`,
  };
}

/** The split column (a fixed identifier, never user text), or a constant without a split. */
function splitColumn(split: AnalyticsSplit | null): Prisma.Sql {
  if (split === "provider") return Prisma.sql`"provider"`;
  if (split === "model") return Prisma.sql`"model"`;
  if (split === "endpoint") return Prisma.sql`"path"`;
  if (split === "api_key") return Prisma.sql`"apiKeyId"`;
  if (split === "virtual_key") return Prisma.sql`"virtualKeySlug"`;
  if (split === "config") return Prisma.sql`"configSlug"`;
  return Prisma.sql`NULL`;
}

type Percentiles = { byBucket: Map<string, Pct>; overall: Pct };

/** Percentiles per bucket label and for the range, from either dialect's rows. */
function readPercentiles(rows: PctRow[], dialect: Dialect): Percentiles {
  const byBucket = new Map<string, Pct>();
  const none: Pct = { p50: null, p95: null };
  if (dialect === "postgresql") {
    let overall = none;
    for (const r of rows) {
      const pct = { p50: num(r.p50), p95: num(r.p95) };
      if (r.bucket === null) overall = pct;
      else byBucket.set(r.bucket, pct);
    }
    return { byBucket, overall };
  }
  const ranked = new Map<string, { n: number; at: Map<number, number> }>();
  const global = { n: 0, at: new Map<number, number>() };
  for (const r of rows) {
    const bucket = r.bucket!;
    const entry = ranked.get(bucket) ?? { n: Number(r.n), at: new Map<number, number>() };
    entry.at.set(Number(r.i), Number(r.v));
    ranked.set(bucket, entry);
    global.n = Number(r.gn);
    global.at.set(Number(r.gi), Number(r.v));
  }
  // A row returned for its global rank only adds a harmless extra rank to its bucket's map: the
  // bucket's own ranks around each percentile are always returned too.
  for (const [bucket, { n, at }] of ranked) byBucket.set(bucket, { p50: interpolate(at, n, 0.5), p95: interpolate(at, n, 0.95) });
  return {
    byBucket,
    overall: global.n ? { p50: interpolate(global.at, global.n, 0.5), p95: interpolate(global.at, global.n, 0.95) } : none,
  };
}

type KeyPercentiles = Map<string, Map<string, Pct>>;

/** Per-key percentiles per bucket label, then key, from either dialect's rows. */
function readKeyPercentiles(rows: KeyPctRow[], dialect: Dialect): KeyPercentiles {
  const byCell: KeyPercentiles = new Map();
  const cell = (bucket: string) => byCell.get(bucket) ?? byCell.set(bucket, new Map()).get(bucket)!;
  if (dialect === "postgresql") {
    for (const r of rows) cell(r.bucket).set(r.key, { p50: num(r.p50), p95: num(r.p95) });
    return byCell;
  }
  const ranked = new Map<string, Map<string, { n: number; at: Map<number, number> }>>();
  for (const r of rows) {
    const inBucket = ranked.get(r.bucket) ?? ranked.set(r.bucket, new Map()).get(r.bucket)!;
    const c = inBucket.get(r.key) ?? inBucket.set(r.key, { n: Number(r.n), at: new Map() }).get(r.key)!;
    c.at.set(Number(r.i), Number(r.v));
  }
  for (const [bucket, inBucket] of ranked)
    for (const [key, { n, at }] of inBucket) cell(bucket).set(key, { p50: interpolate(at, n, 0.5), p95: interpolate(at, n, 0.95) });
  return byCell;
}

/** percentile_cont: linear interpolation between the values at ranks floor and ceil of p * (n - 1). */
export function interpolate(at: Map<number, number>, n: number, p: number): number | null {
  if (n === 0) return null;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const lower = at.get(lo);
  if (lower === undefined) return null;
  const upper = at.get(lo + 1) ?? lower;
  return lower + (upper - lower) * (pos - lo);
}

function num(v: number | bigint | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

const zero = (): Counts => ({ requests: 0, errors: 0, cost: 0, unpriced: 0, rescued: 0 });

function add(into: Counts, r: Counts): void {
  into.requests += r.requests;
  into.errors += r.errors;
  into.cost += r.cost;
  into.unpriced += r.unpriced;
  into.rescued += r.rescued;
}

type SplitKeys = {
  /** The chart's keys: `top`, then "other" when some keys were folded. */
  keys: string[];
  /** The top keys by requests (never "other" unless a real key is named so). */
  top: string[];
  /** Raw key (null as "unknown") to its chart key. */
  keyOf: Map<string, string>;
};

/** The top keys by requests over the range (ties by name, so the order is stable); the rest fold into "other". */
function splitKeys(q: AnalyticsQuery, groups: GroupRow[]): SplitKeys {
  const keyOf = new Map<string, string>();
  if (!q.splitBy) return { keys: [], top: [], keyOf };
  const perKey = new Map<string, number>();
  for (const g of groups) perKey.set(g.key ?? UNKNOWN_KEY, (perKey.get(g.key ?? UNKNOWN_KEY) ?? 0) + Number(g.requests));
  const ranked = [...perKey].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  const top = ranked.slice(0, TOP_KEYS);
  for (const k of ranked) keyOf.set(k, top.includes(k) ? k : OTHER_KEY);
  return { keys: ranked.length > TOP_KEYS ? [...top, OTHER_KEY] : top, top, keyOf };
}

function assemble(
  q: AnalyticsQuery,
  groups: GroupRow[],
  pct: Percentiles,
  split: SplitKeys,
  keyPct: KeyPercentiles,
): Omit<Analytics, "labels"> {
  const rows = groups.map((g) => ({
    bucket: g.bucket,
    key: g.key ?? UNKNOWN_KEY,
    requests: Number(g.requests),
    errors: num(g.errors) ?? 0,
    cost: num(g.cost) ?? 0,
    unpriced: num(g.unpriced) ?? 0,
    rescued: num(g.rescued) ?? 0,
  }));
  const { keys, keyOf } = split;
  const noPct = (): Pct => ({ p50: null, p95: null });

  const series: AnalyticsPoint[] = [];
  const index = new Map<string, AnalyticsPoint>();
  const step = BUCKET_MS[q.bucket];
  for (let t = bucketStart(q.from, q.bucket).getTime(); t < q.to.getTime(); t += step) {
    const start = new Date(t);
    const label = bucketLabel(start, q.bucket);
    const p = pct.byBucket.get(label) ?? { p50: null, p95: null };
    const cells = keyPct.get(label);
    const point: AnalyticsPoint = {
      start: start.toISOString(),
      ...zero(),
      ...p,
      byKey: Object.fromEntries(keys.map((k) => [k, zero()])),
      latencyByKey: Object.fromEntries(keys.map((k) => [k, cells?.get(k) ?? noPct()])),
    };
    series.push(point);
    index.set(label, point);
  }

  const totals = zero();
  const byKey = new Map<string, Counts>(keys.map((k) => [k, zero()]));
  for (const r of rows) {
    const point = index.get(r.bucket);
    if (!point) continue; // cannot happen: rows are within [from, to)
    add(point, r);
    add(totals, r);
    if (q.splitBy) {
      const k = keyOf.get(r.key)!;
      add(point.byKey[k]!, r);
      add(byKey.get(k)!, r);
    }
  }
  return {
    bucket: q.bucket,
    splitBy: q.splitBy,
    keys,
    series,
    totals: { ...totals, errorRate: totals.requests ? totals.errors / totals.requests : null, ...pct.overall },
    byKey: keys.map((key) => ({ key, ...byKey.get(key)! })),
  };
}
