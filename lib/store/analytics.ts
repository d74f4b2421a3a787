/**
 * Analytics over request logs, read only from the hourly rollups (LogRollup, lib/store/rollups.ts;
 * maintained with the log rows by the log writer, see lib/logs/rollup.ts): per time bucket (hour
 * or day, UTC) and optionally per provider, model, endpoint, API key, virtual key, config or status
 * class, the requests, errors (status >= 400), cost, requests of unknown cost, requests rescued by
 * fallback (fallbackUsed and a 2xx), tokens and latency p50/p95/p99.
 *
 * One query: the rollup rows of the split's dimension (or of "all requests") over the range, one
 * range of the primary key, at most (hours x keys) rows whatever the number of logs (30 days by
 * model: ~5k rows), so the cost does not grow with the log volume. Everything else happens here:
 * the rows of all keys of a bucket add up to the bucket, the histograms add up bin by bin, and a
 * percentile is read from the summed histogram (lib/logs/rollup.ts), so "other" is one percentile
 * over the folded keys' requests, not a mix of their percentiles.
 *
 * Two consequences to state wherever the figures are shown:
 * - Ranges are aligned to whole UTC hours: `from` is rounded down and `to` up to the hour.
 * - Percentiles carry the histogram's stated error: within ±2.5% (LATENCY_ERROR) of the exact
 *   percentile_cont of the latencies (exact up to ~20 ms). Counts, tokens and cost are exact
 *   (cost: each request's cost to 1e-9 USD).
 *
 * The split keeps the TOP_KEYS keys with most requests in the range; the rest are folded into
 * "other". Requests without a provider/model (failed before routing) are under "unknown" (labelled
"Detour" in the provider split: Detour answered them itself). Splits
 * by API key, virtual key and config group by the log's id or slug (what the row holds, and what
 * stays true when a name changes); `labels` names each kept key for display (the key's or config's
 * name, with its prefix or slug when two kept keys share a name), in one more query.
 */
import type { Db } from "../db";
import { addHistogram, histogramPercentile, type RollupDimension } from "../logs/rollup";
import { type Dialect, dialectOf } from "../db/dialect";
import { readRollups, type RollupRow } from "./rollups";

export type AnalyticsBucket = "hour" | "day";
export type AnalyticsSplit = "provider" | "model" | "endpoint" | "api_key" | "virtual_key" | "config" | "status";

export type AnalyticsQuery = {
  workspaceId: string;
  /** Inclusive; rounded down to the hour. */
  from: Date;
  /** Exclusive; rounded up to the hour. */
  to: Date;
  bucket: AnalyticsBucket;
  splitBy: AnalyticsSplit | null;
};

/**
 * `cost`: the sum of the known costs; `unpriced`: answered requests (status below 400) whose cost is
 * unknown (no price for the model, or no usage reported), which that sum leaves out.
 */
export type Counts = {
  requests: number;
  errors: number;
  cost: number;
  unpriced: number;
  /** What cache hits saved (USD): the sum of their cost_saved. */
  saved: number;
  rescued: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
};
/** Latency percentiles in ms (within ±2.5%); null when there were no requests. */
export type Pct = { p50: number | null; p95: number | null; p99: number | null };
export type AnalyticsPoint = Counts &
  Pct & {
    /** Start of the bucket, ISO 8601 UTC. */
    start: string;
    /** Per split key (only with splitBy; every key of `keys` is present). */
    byKey: Record<string, Counts>;
    /** Latency percentiles per split key (only with splitBy; every key of `keys` is present, null when it has no requests in the bucket). */
    latencyByKey: Record<string, Pct>;
  };
export type AnalyticsTotals = Counts & Pct & { errorRate: number | null };
export type Analytics = {
  bucket: AnalyticsBucket;
  splitBy: AnalyticsSplit | null;
  /** The range read: whole hours. */
  from: string;
  to: string;
  /** Split keys, most requests first, "other" last when present; empty without a split. */
  keys: string[];
  /** What to show for each key of `keys` (for API keys, virtual keys and configs their names; else the key itself). */
  labels: Record<string, string>;
  /** Every bucket of the range in time order, empty ones included. */
  series: AnalyticsPoint[];
  totals: AnalyticsTotals;
  /** Totals and latency over the range per split key, in `keys` order. */
  byKey: (Counts & Pct & { key: string })[];
};

export const TOP_KEYS = 6;
export const OTHER_KEY = "other";
export const UNKNOWN_KEY = "unknown";

const HOUR_MS = 3_600_000;
const BUCKET_MS: Record<AnalyticsBucket, number> = { hour: HOUR_MS, day: 86_400_000 };

/** The start of the bucket holding `d` (UTC). */
export function bucketStart(d: Date, bucket: AnalyticsBucket): Date {
  const ms = BUCKET_MS[bucket];
  return new Date(Math.floor(d.getTime() / ms) * ms);
}

/** The range as the rollups can answer it: `from` down and `to` up to whole hours. */
export function alignedRange(from: Date, to: Date): { from: Date; to: Date } {
  return { from: bucketStart(from, "hour"), to: new Date(Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS) };
}

const DIMENSION: Record<AnalyticsSplit, RollupDimension> = {
  provider: "provider",
  model: "model",
  endpoint: "endpoint",
  api_key: "api_key",
  virtual_key: "virtual_key",
  config: "config",
  status: "status",
};

export async function getAnalytics(db: Db, query: AnalyticsQuery, dialect: Dialect = dialectOf(db)): Promise<Analytics> {
  const range = alignedRange(query.from, query.to);
  const rows = await readRollups(
    db,
    { workspaceId: query.workspaceId, dimension: query.splitBy ? DIMENSION[query.splitBy] : "", ...range },
    dialect,
  );
  const split = splitKeys(query.splitBy, rows);
  const labels = query.splitBy ? await splitLabels(db, query.workspaceId, query.splitBy, split.keys) : {};
  return { ...assemble({ ...query, ...range }, rows, split), labels };
}

/** What a request without an API key, virtual key or config is shown as in those splits. */
export const NONE_LABELS: Partial<Record<AnalyticsSplit, string>> = {
  // A request with no provider was answered by Detour itself (refused before routing: a bad key, config, budget, ...).
  provider: "Detour",
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

/** A running sum: counts, cost in nano-USD (exact) and the latency histogram. */
type Acc = Omit<Counts, "cost" | "saved"> & { costNanoUsd: number; savedNanoUsd: number; latency: number[] };

const zeroAcc = (): Acc => ({
  requests: 0,
  errors: 0,
  costNanoUsd: 0,
  savedNanoUsd: 0,
  unpriced: 0,
  rescued: 0,
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  latency: [],
});

/** Adds a rollup row or another sum (a RollupRow has every field of a sum). */
function add(into: Acc, r: Acc): void {
  into.requests += r.requests;
  into.errors += r.errors;
  into.costNanoUsd += r.costNanoUsd;
  into.savedNanoUsd += r.savedNanoUsd;
  into.unpriced += r.unpriced;
  into.rescued += r.rescued;
  into.promptTokens += r.promptTokens;
  into.completionTokens += r.completionTokens;
  into.totalTokens += r.totalTokens;
  addHistogram(into.latency, r.latency);
}

function counts(a: Acc): Counts {
  return {
    requests: a.requests,
    errors: a.errors,
    cost: a.costNanoUsd / 1e9,
    unpriced: a.unpriced,
    saved: a.savedNanoUsd / 1e9,
    rescued: a.rescued,
    promptTokens: a.promptTokens,
    completionTokens: a.completionTokens,
    totalTokens: a.totalTokens,
  };
}

function pct(a: Acc): Pct {
  return { p50: histogramPercentile(a.latency, 0.5), p95: histogramPercentile(a.latency, 0.95), p99: histogramPercentile(a.latency, 0.99) };
}

type SplitKeys = {
  /** The chart's keys: the top keys, then "other" when some keys were folded. */
  keys: string[];
  /** Stored key ("" = none) to its chart key. */
  keyOf: Map<string, string>;
};

const shownKey = (stored: string) => (stored === "" ? UNKNOWN_KEY : stored);

/** The top keys by requests over the range (ties by name, so the order is stable); the rest fold into "other". */
function splitKeys(split: AnalyticsSplit | null, rows: readonly RollupRow[]): SplitKeys {
  const keyOf = new Map<string, string>();
  if (!split) return { keys: [], keyOf };
  const perKey = new Map<string, number>();
  for (const r of rows) perKey.set(shownKey(r.key), (perKey.get(shownKey(r.key)) ?? 0) + r.requests);
  const ranked = [...perKey].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  const top = new Set(ranked.slice(0, TOP_KEYS));
  for (const r of rows) keyOf.set(r.key, top.has(shownKey(r.key)) ? shownKey(r.key) : OTHER_KEY);
  return { keys: ranked.length > TOP_KEYS ? [...top, OTHER_KEY] : [...top], keyOf };
}

function assemble(q: AnalyticsQuery, rows: readonly RollupRow[], split: SplitKeys): Omit<Analytics, "labels"> {
  const { keys, keyOf } = split;
  type Cell = { all: Acc; byKey: Map<string, Acc> };
  const cells: Cell[] = [];
  const starts: number[] = [];
  const step = BUCKET_MS[q.bucket];
  const first = bucketStart(q.from, q.bucket).getTime();
  for (let t = first; t < q.to.getTime(); t += step) {
    starts.push(t);
    cells.push({ all: zeroAcc(), byKey: new Map(keys.map((k) => [k, zeroAcc()])) });
  }
  // Each row is added once, to its (bucket, key) cell (or its bucket without a split); the
  // buckets' and keys' sums over the range are then sums of those few cells.
  for (const r of rows) {
    const cell = cells[Math.floor((r.hour.getTime() - first) / step)];
    if (!cell) continue; // cannot happen: rows are within [from, to)
    add(q.splitBy ? cell.byKey.get(keyOf.get(r.key)!)! : cell.all, r);
  }
  const total = zeroAcc();
  const perKey = new Map(keys.map((k) => [k, zeroAcc()]));
  for (const cell of cells) {
    for (const [k, acc] of cell.byKey) {
      add(cell.all, acc);
      add(perKey.get(k)!, acc);
    }
    add(total, cell.all);
  }
  const series: AnalyticsPoint[] = cells.map((c, i) => ({
    start: new Date(starts[i]!).toISOString(),
    ...counts(c.all),
    ...pct(c.all),
    byKey: Object.fromEntries(keys.map((k) => [k, counts(c.byKey.get(k)!)])),
    latencyByKey: Object.fromEntries(keys.map((k) => [k, pct(c.byKey.get(k)!)])),
  }));
  return {
    bucket: q.bucket,
    splitBy: q.splitBy,
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    keys,
    series,
    totals: { ...counts(total), errorRate: total.requests ? total.errors / total.requests : null, ...pct(total) },
    byKey: keys.map((key) => ({ key, ...counts(perKey.get(key)!), ...pct(perKey.get(key)!) })),
  };
}
