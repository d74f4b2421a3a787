/**
 * How many logs a log query matches and what they cost, for the explorer's line above the table
 * and `GET /v1/logs/totals` (docs/GATEWAY.md §8), without reading more than a bounded number of raw
 * rows whatever the table's size:
 *
 * - Rollups (exact): when the filters are only a time range and at most one filter that is a
 *   rollup dimension (provider, model, endpoint, virtual key, config, or status classes), the
 *   whole UTC hours inside the range are summed from LogRollup (requests and exact nano-USD
 *   costs; lib/logs/rollup.ts), and the partial hours at its ends (at most an hour each, e.g. a
 *   relative range's start) are counted on the raw rows, each up to TOTALS_CAP. Rollups outlive
 *   the raw rows (DETOUR_ROLLUP_RETENTION_DAYS), so the range starts no earlier than the
 *   workspace's oldest log: retention deletes oldest first, so every log from that one on is still
 *   there and its hour's rollup is read as a raw edge. Exact, unless an edge hour holds more than
 *   TOTALS_CAP matching rows (then "at least").
 * - Rows (capped): any other filter (cost, fallback, trace id, metadata, a status code, two
 *   dimensions at once) is counted on the raw rows through the page's own indexed conditions, up
 *   to TOTALS_CAP + 1 rows: at most TOTALS_CAP is exact; past it the answer is "at least
 *   TOTALS_CAP", and its cost is the sum over the newest TOTALS_CAP matching rows (a lower bound,
 *   costs being >= 0).
 *
 * - A search (`q`) counts its matches through the full-text index with every other filter in the
 *   same statement (lib/store/log-query.ts), up to TOTALS_CAP + 1, as a row count does.
 *
 * On PostgreSQL a count runs in a read-only transaction bounded by TOTALS_TIMEOUT_MS (each
 * statement by `statement_timeout`, the whole by the transaction's timeout): past it, the answer
 * is "not counted" (`counted: false`) rather than a database kept busy for a line of text.
 * SQLite has no such bound (a statement runs to its end on the event loop), so the dashboard counts
 * raw rows there only when asked (app/(dashboard)/logs/_components/log-totals.tsx); the rollups'
 * sums are cheap and always shown.
 *
 * This relies on every log row having been added to the rollups in the transaction that wrote it
 * (lib/store/log-sink.ts); a database upgraded past 0012 without `npm run rollups:rebuild` reads
 * too little from the rollups (so does /analytics).
 */
import type { Db } from "../db";
import { dialectOf, timeSql } from "../db/dialect";
import { Prisma } from "../generated/sqlite/client";
import type { LogFilters } from "../logs/query";
import { hourOf, type RollupDimension } from "../logs/rollup";
import { filtersWhere, searchMatchCosts } from "./log-query";

/**
 * The most raw rows one count reads (the answer is then "at least"). Each page load of the log
 * explorer counts: at 100k logs, 10,000 rows of a metadata filter took ~0.4 s of the response
 * (bench/logs-page-load.ts), so a count reads at most a fifth of that.
 */
export const TOTALS_CAP = 2_000;

/** How long a count may take on PostgreSQL before it is given up ("not counted"). */
export const TOTALS_TIMEOUT_MS = 2_000;

export type LogTotals = {
  /** Matching logs (a lower bound when not exact). */
  requests: number;
  /** Their summed known cost in USD (logs without a cost add nothing; a lower bound when not exact). */
  costUsd: number;
  /** False: more matched than TOTALS_CAP raw rows could count; the numbers are lower bounds. */
  exact: boolean;
  /** Where the numbers came from: the rollups (with raw edge hours) or a count of raw rows. */
  source: "rollups" | "rows";
  /** False: the count was given up after TOTALS_TIMEOUT_MS (PostgreSQL); the numbers are then 0 and mean nothing. */
  counted: boolean;
};

export type TotalsOptions = { cap?: number; timeoutMs?: number };

const HOUR_MS = 3_600_000;

/** The dimension filters the rollups split by, and each filter value's rollup key(s). */
const DIMENSION_OF = {
  provider: "provider",
  model: "model",
  endpoint: "endpoint",
  virtual_key: "virtual_key",
  config: "config",
  status: "status",
} as const satisfies Partial<Record<keyof LogFilters, RollupDimension>>;

type DimensionFilter = keyof typeof DIMENSION_OF;

/** The rollup (dimension, keys) the filters map onto, or null when they do not (time filters aside). */
export function rollupSlice(filters: LogFilters): { dimension: RollupDimension; keys: string[] } | null {
  let slice: { dimension: RollupDimension; keys: string[] } = { dimension: "", keys: [""] };
  let dimensions = 0;
  for (const [id, value] of Object.entries(filters)) {
    if (value === undefined || id === "from" || id === "to") continue;
    if (!(id in DIMENSION_OF)) return null;
    if (++dimensions > 1) return null;
    const dimension = DIMENSION_OF[id as DimensionFilter];
    if (id === "status") {
      const s = value as NonNullable<LogFilters["status"]>;
      // Rollups keep status classes 2xx-5xx, not single codes.
      if (s.codes.length > 0 || s.classes.some((c) => c < 2 || c > 5)) return null;
      slice = { dimension, keys: s.classes.map((c) => `${c}xx`) };
    } else slice = { dimension, keys: [String(value)] };
  }
  return slice;
}

/** The totals of the logs of `workspaceId` that `filters` match (see the top of the file). */
export async function logTotals(db: Db, workspaceId: string, filters: LogFilters, options: TotalsOptions = {}): Promise<LogTotals> {
  const source = rollupSlice(filters) ? "rollups" : "rows";
  const timeoutMs = options.timeoutMs ?? TOTALS_TIMEOUT_MS;
  if (dialectOf(db) !== "postgresql") return { ...(await totalsOf(db, workspaceId, filters, options.cap ?? TOTALS_CAP)), counted: true };
  try {
    return await db.$transaction(
      async (tx) => {
        // Each statement, lock waits included, and (the transaction's timeout) all of them together.
        await tx.$executeRawUnsafe(`SET TRANSACTION READ ONLY`);
        await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
        return { ...(await totalsOf(tx as Db, workspaceId, filters, options.cap ?? TOTALS_CAP)), counted: true };
      },
      { timeout: timeoutMs, maxWait: timeoutMs },
    );
  } catch (err) {
    if (!isTimeout(err)) throw err;
    return { requests: 0, costUsd: 0, exact: false, source, counted: false };
  }
}

/** PostgreSQL's statement timeout (57014, query_canceled) or Prisma's transaction timeout / wait (P2028). */
function isTimeout(err: unknown): boolean {
  const text = `${(err as { code?: unknown })?.code ?? ""} ${err instanceof Error ? err.message : String(err)} ${
    (err as { cause?: { originalCode?: unknown; message?: unknown } })?.cause?.originalCode ?? ""
  }`;
  return /P2028|57014|statement timeout|Transaction (already closed|API error: Unable to start)|expired/i.test(text);
}

async function totalsOf(db: Db, workspaceId: string, filters: LogFilters, cap: number): Promise<Omit<LogTotals, "counted">> {
  const slice = rollupSlice(filters);
  if (!slice) return { ...(await countRows(db, workspaceId, filters, cap)), source: "rows" };
  const oldest = await db.requestLog.findFirst({ where: { workspaceId }, orderBy: { createdAt: "asc" }, select: { createdAt: true } });
  if (!oldest) return { requests: 0, costUsd: 0, exact: true, source: "rollups" };
  const start = new Date(Math.max(filters.from?.getTime() ?? -Infinity, oldest.createdAt.getTime()));
  const end = filters.to ?? null;
  if (end && start.getTime() >= end.getTime()) return { requests: 0, costUsd: 0, exact: true, source: "rollups" };
  // Whole hours [wholeFrom, wholeTo) from the rollups; the partial hours around them from the rows.
  const wholeFrom = new Date(Math.ceil(start.getTime() / HOUR_MS) * HOUR_MS);
  const wholeTo = end ? hourOf(end) : null;
  if (wholeTo && wholeFrom.getTime() >= wholeTo.getTime()) {
    // Less than one whole hour: the rows alone.
    return { ...(await countRows(db, workspaceId, { ...filters, from: start, to: end ?? undefined }, cap)), source: "rollups" };
  }
  const parts = await Promise.all([
    sumRollups(db, workspaceId, slice, wholeFrom, wholeTo),
    start < wholeFrom ? countRows(db, workspaceId, { ...filters, from: start, to: wholeFrom }, cap) : null,
    end && wholeTo && wholeTo < end ? countRows(db, workspaceId, { ...filters, from: wholeTo, to: end }, cap) : null,
  ]);
  let requests = 0;
  let costUsd = 0;
  let exact = true;
  for (const p of parts) {
    if (!p) continue;
    requests += p.requests;
    costUsd += p.costUsd;
    exact &&= p.exact;
  }
  return { requests, costUsd, exact, source: "rollups" };
}

async function sumRollups(
  db: Db,
  workspaceId: string,
  slice: { dimension: RollupDimension; keys: string[] },
  from: Date,
  to: Date | null,
): Promise<Omit<LogTotals, "source" | "counted">> {
  const dialect = dialectOf(db);
  const rows = await db.$queryRaw<{ requests: number | bigint | string | null; cost: number | bigint | string | null }[]>(Prisma.sql`
    SELECT CAST(COALESCE(SUM("requests"), 0) AS BIGINT) AS "requests", CAST(COALESCE(SUM("costNanoUsd"), 0) AS BIGINT) AS "cost" FROM "LogRollup"
    WHERE "workspaceId" = ${workspaceId} AND "dimension" = ${slice.dimension} AND "key" IN (${Prisma.join(slice.keys)})
      AND "hour" >= ${timeSql(dialect, from)} ${to ? Prisma.sql`AND "hour" < ${timeSql(dialect, to)}` : Prisma.empty}`);
  const row = rows[0];
  // Nano-USD sums are integers: BigInt (or text) keeps them exact up to the division.
  const nano = BigInt(row?.cost ?? 0);
  return { requests: Number(row?.requests ?? 0), costUsd: Number(nano) / 1e9, exact: true };
}

/**
 * The matching rows counted up to `cap` (+1 to tell "exactly cap" from "more"), with their cost: one
 * read of the newest cap + 1 matches' costs, on the (workspaceId, createdAt) order the first page
 * reads. Past the cap, the cap and the newest cap rows' cost.
 */
async function countRows(db: Db, workspaceId: string, filters: LogFilters, cap: number): Promise<Omit<LogTotals, "source" | "counted">> {
  const costs =
    filters.q !== undefined
      ? await searchMatchCosts(db, workspaceId, filters, cap + 1)
      : (
          await db.requestLog.findMany({
            where: { AND: [{ workspaceId }, ...filtersWhere(workspaceId, filters)] },
            orderBy: [{ createdAt: "desc" }, { id: "desc" }],
            take: cap + 1,
            select: { cost: true },
          })
        ).map((r) => r.cost);
  const counted = costs.length <= cap ? costs : costs.slice(0, cap);
  const costUsd = counted.reduce<number>((sum, c) => sum + (c ?? 0), 0);
  return { requests: counted.length, costUsd, exact: costs.length <= cap };
}
