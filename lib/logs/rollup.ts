/**
 * Analytics rollups, the pure part: how request-log rows fold into hourly rollup deltas, and the
 * latency histogram those deltas carry. One fold for every writer of rollups (the log sink, the
 * Prisma path insertLogBatch, the seeder and the rebuild command), so they agree exactly.
 *
 * A rollup row is (workspace, UTC hour, dimension, key): dimension "" (all requests, key "") or one
 * split (provider, model, endpoint, api_key, virtual_key, config, status class), key its value (""
 * when the log has none). Every log adds to one row per dimension (8 rows). Counted: requests,
 * errors (status >= 400), rescued (fallbackUsed and 2xx), fallbacks (fallbackUsed), unpriced
 * (status < 400 and no cost), cost in nano-USD (each row's cost rounded to 1e-9 USD, an integer,
 * so sums are exact and independent of the order rows were added in), prompt/completion/total
 * tokens, and the latency histogram.
 *
 * Latency histogram: fixed log-scale bins of ratio 1.05 over whole milliseconds. Bin 0 holds 0 ms;
 * bin i >= 1 holds the integers v with floor(log(v) / log(1.05)) = i - 1 (capped at MAX_BIN). A
 * bin stands for the value 2ab/(a+b) of its smallest and largest integer a..b, whose relative
 * distance to any value of the bin is at most (b-a)/(b+a) < 0.05/2.05: LATENCY_ERROR (±2.5%)
 * bounds the relative error of every percentile read from a histogram (a percentile_cont
 * interpolation between two bins' values is within the same bound, both weights being positive).
 * Small latencies (up to ~20 ms) have a bin each and are exact. Stored dense as a JSON array of
 * counts without trailing zeros ("[0,0,3,1]"), so both databases can add two of them in SQL.
 */

export const LATENCY_RATIO = 1.05;
/** The stated relative error of a percentile read from a rollup histogram. */
export const LATENCY_ERROR = 0.025;
/** The last bin: ~2^31 ms; anything longer is counted there. */
export const MAX_BIN = 1 + Math.floor(Math.log(2 ** 31) / Math.log(LATENCY_RATIO));

export const ROLLUP_DIMENSIONS = ["", "provider", "model", "endpoint", "api_key", "virtual_key", "config", "status"] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/** The stored fields of a RequestLog row a rollup needs (as stored: lib/store/logs.ts toLogRow). */
export type RollupSource = {
  workspaceId: string;
  createdAt: Date;
  status: number;
  provider: string | null;
  model: string | null;
  path: string;
  apiKeyId: string | null;
  virtualKeySlug: string | null;
  configSlug: string | null;
  cost: number | null;
  /** A cache hit's saved cost (absent or null: none). */
  costSaved?: number | null;
  fallbackUsed: boolean;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  latencyMs: number;
};

export type RollupCounts = {
  requests: number;
  errors: number;
  rescued: number;
  fallbacks: number;
  unpriced: number;
  costNanoUsd: number;
  /** What cache hits saved, in nano-USD. */
  savedNanoUsd: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
};

/** What a set of logs adds to one rollup row. */
export type RollupDelta = RollupCounts & {
  workspaceId: string;
  /** Start of the UTC hour. */
  hour: Date;
  dimension: RollupDimension;
  key: string;
  /** Dense bin counts, no trailing zeros. */
  latency: number[];
};

const HOUR_MS = 3_600_000;
const LOG_RATIO = Math.log(LATENCY_RATIO);

export function hourOf(d: Date): Date {
  return new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
}

/** The bin of a latency in ms (rounded to a whole ms, as stored). */
export function latencyBin(ms: number): number {
  const v = Math.round(ms);
  if (!(v >= 1)) return 0;
  // The epsilon keeps exact powers (and float noise just below them) on the same side everywhere.
  return Math.min(MAX_BIN, 1 + Math.floor(Math.log(v) / LOG_RATIO + 1e-9));
}

let bounds: { lo: number[]; hi: number[] } | null = null;

/** The smallest and largest whole ms of each bin (lo > hi: the bin holds no integer). */
function binBounds(): { lo: number[]; hi: number[] } {
  if (bounds) return bounds;
  const lo: number[] = [0, 1];
  for (let i = 2; i <= MAX_BIN; i++) {
    let v = Math.max(lo[i - 1]!, Math.floor(LATENCY_RATIO ** (i - 1)) - 1);
    while (latencyBin(v) < i) v++;
    lo.push(v);
  }
  const hi = lo.map((_, i) => (i === MAX_BIN ? 2 ** 31 : lo[i + 1]! - 1));
  hi[0] = 0;
  bounds = { lo, hi };
  return bounds;
}

/** The value a bin stands for: exact when the bin holds one integer, else 2ab/(a+b). */
export function binValue(bin: number): number {
  const { lo, hi } = binBounds();
  const a = lo[bin]!;
  const b = Math.max(a, hi[bin]!);
  return a === b ? a : (2 * a * b) / (a + b);
}

/** Adds histogram `from` into `into` (dense counts), growing it as needed. */
export function addHistogram(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + from[i]!;
  return into;
}

/**
 * The p-quantile (0..1) of a histogram like percentile_cont: linear interpolation between the
 * values at ranks floor and ceil of p * (n - 1), each value its bin's. Null when empty.
 */
export function histogramPercentile(counts: readonly number[], p: number): number | null {
  let n = 0;
  for (const c of counts) n += c;
  if (n === 0) return null;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  let lower: number | null = null;
  let upper: number | null = null;
  let seen = 0;
  for (let bin = 0; bin < counts.length && upper === null; bin++) {
    seen += counts[bin]!;
    if (lower === null && seen > lo) lower = binValue(bin);
    if (lower !== null && seen > lo + 1) upper = binValue(bin);
  }
  lower ??= 0;
  upper ??= lower;
  return lower + (upper - lower) * (pos - lo);
}

export function statusClass(status: number): string {
  return status >= 200 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
}

/** The key of a log in one dimension ("" when the log has none). */
function keyOf(r: RollupSource, dimension: RollupDimension): string {
  switch (dimension) {
    case "":
      return "";
    case "provider":
      return r.provider ?? "";
    case "model":
      return r.model ?? "";
    case "endpoint":
      return r.path;
    case "api_key":
      return r.apiKeyId ?? "";
    case "virtual_key":
      return r.virtualKeySlug ?? "";
    case "config":
      return r.configSlug ?? "";
    case "status":
      return statusClass(r.status);
  }
}

export const costNanoUsd = (cost: number | null): number => (cost === null ? 0 : Math.round(cost * 1e9));

/**
 * Folds logs into rollup deltas incrementally (the rebuild reads raw rows a page at a time); the
 * deltas come out sorted by (workspaceId, hour, dimension, key), the order in which every writer
 * upserts them, so that concurrent writers lock rollup rows in one order.
 */
export class RollupFold {
  private readonly cells = new Map<string, RollupDelta>();

  add(r: RollupSource): void {
    const hour = hourOf(r.createdAt);
    const ok = r.status < 400;
    const twoXx = r.status >= 200 && r.status < 300;
    const bin = latencyBin(r.latencyMs);
    for (const dimension of ROLLUP_DIMENSIONS) {
      const key = keyOf(r, dimension);
      const id = `${r.workspaceId}\u0000${hour.getTime()}\u0000${dimension}\u0000${key}`;
      let c = this.cells.get(id);
      if (!c) {
        c = { workspaceId: r.workspaceId, hour, dimension, key, ...zeroCounts(), latency: [] };
        this.cells.set(id, c);
      }
      c.requests++;
      if (!ok) c.errors++;
      if (r.fallbackUsed) c.fallbacks++;
      if (r.fallbackUsed && twoXx) c.rescued++;
      if (ok && r.cost === null) c.unpriced++;
      c.costNanoUsd += costNanoUsd(r.cost);
      c.savedNanoUsd += costNanoUsd(r.costSaved ?? null);
      c.promptTokens += r.promptTokens ?? 0;
      c.completionTokens += r.completionTokens ?? 0;
      c.totalTokens += r.totalTokens ?? 0;
      while (c.latency.length <= bin) c.latency.push(0);
      c.latency[bin]!++;
    }
  }

  get size(): number {
    return this.cells.size;
  }

  deltas(): RollupDelta[] {
    return [...this.cells.values()].sort(compareDeltas);
  }
}

export function zeroCounts(): RollupCounts {
  return {
    requests: 0,
    errors: 0,
    rescued: 0,
    fallbacks: 0,
    unpriced: 0,
    costNanoUsd: 0,
    savedNanoUsd: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Byte order of the key columns (never locale order: every instance must sort alike). */
export function compareDeltas(a: RollupDelta, b: RollupDelta): number {
  return cmp(a.workspaceId, b.workspaceId) || a.hour.getTime() - b.hour.getTime() || cmp(a.dimension, b.dimension) || cmp(a.key, b.key);
}

/** The rollup deltas of a set of logs (the logs actually written: a retried batch adds nothing). */
export function foldRollups(rows: Iterable<RollupSource>): RollupDelta[] {
  const fold = new RollupFold();
  for (const r of rows) fold.add(r);
  return fold.deltas();
}
