/**
 * Reading request logs: the list (filters of lib/logs/query.ts, keyset pagination) and one log with
 * its attempts. Every query is scoped to one workspace and goes through Prisma with bound
 * parameters; each filter maps to an indexed column (see the RequestLog indexes in
 * prisma/schema.prisma), metadata filters to RequestLogMetadata's (workspaceId, key, value) index.
 *
 * Keyset pagination on (sort value, id): the page after a cursor is "rows strictly after
 * (value, id) in the sort order", so rows written between two page fetches can only land before
 * the cursor (when sorting newest first) and never shift a later page. Sorting by cost puts logs
 * without a cost (null) after all others in both directions: the list is read as two index-ordered
 * segments, known costs first, then unknown costs by id, and a cursor with value null points into
 * the second segment. Each segment is one index range scan, so a deep page costs what the first does.
 *
 * Two filters cannot be served in sort order by one index range, and would otherwise make a page
 * cost grow with the table (SQLite keeps no statistics, so its planner cannot tell a rare filter
 * from a common one). They first narrow the rows to a bounded set of candidate ids:
 * - a rare `metadata.<key>=<value>` (at most METADATA_CANDIDATES matches, counted on the
 *   (workspaceId, key, value) index): its log ids; a common one is checked row by row while the
 *   sort index is read, which finds a page after reading about limit / share-of-rows rows.
 * - a status class or list when sorting by time: one index range per status code (a class's codes
 *   present are found by index seeks), each read in time order up to one page past the cursor; the
 *   page is among them.
 * The page itself is then one ordinary query restricted to those ids, so the database (and its
 * collation) orders it exactly as it would without them.
 *
 * PostgreSQL differs in two ways (its log tables are partitioned by day, about 40 partitions each,
 * and planning a statement over all of them costs more than running it; it keeps statistics):
 * - a status class or list is one statement: the planner reads the (workspaceId, createdAt) indexes
 *   in time order and checks the status (a common class), or the status index (a rare one). The
 *   per-code narrowing would plan every partition once per code present, plus once per seek.
 * - a rare metadata value's candidates carry their log's time: sorted by time, the page is read a
 *   chunk of candidates at a time within the chunk's time range, so only its days' partitions are
 *   planned and read (not every candidate id in every partition).
 */
import type { Db } from "../db";
import type { Prisma } from "../generated/sqlite/client";
import type { LogCursor, LogFilterId, LogFilters, LogQuery, LogSort, StatusFilter } from "../logs/query";
import { type Dialect, dialectOf } from "../db/dialect";

type Where = Prisma.RequestLogWhereInput;

/** Each registry filter as Prisma conditions (keyed by LogFilterId: a new filter without a query does not compile). */
const FILTER_QUERIES: { [K in LogFilterId]-?: (value: NonNullable<LogFilters[K]>, workspaceId: string) => Where } = {
  trace_id: (v) => ({ traceId: v }),
  status: (v) => statusWhere(v),
  cost_min: (v) => ({ cost: { gte: v } }),
  cost_max: (v) => ({ cost: { lte: v } }),
  fallback: (v) => ({ fallbackUsed: v }),
  provider: (v) => ({ provider: v }),
  model: (v) => ({ model: v }),
  config: (v) => ({ configSlug: v }),
  virtual_key: (v) => ({ virtualKeySlug: v }),
  endpoint: (v) => ({ path: v }),
  response_id: (v) => ({ responseId: v }),
  from: (v) => ({ createdAt: { gte: v } }),
  to: (v) => ({ createdAt: { lt: v } }),
  // One semi-join per key on RequestLogMetadata (workspaceId, key, value); the workspace is repeated
  // inside so the index's leading column is bound.
  metadata: (v, workspaceId) => ({
    AND: Object.entries(v).map(([key, value]) => ({ metadataEntries: { some: { workspaceId, key, value } } })),
  }),
};

function statusWhere(s: StatusFilter): Where {
  const parts: Where[] = [];
  if (s.codes.length === 1) parts.push({ status: s.codes[0] });
  else if (s.codes.length > 1) parts.push({ status: { in: s.codes } });
  for (const c of s.classes) parts.push({ status: { gte: c * 100, lte: c * 100 + 99 } });
  return parts.length === 1 ? parts[0]! : { OR: parts };
}

/** The filters' conditions, without the workspace (the caller adds it, see listLogs). */
export function filtersWhere(workspaceId: string, filters: LogFilters): Where[] {
  const out: Where[] = [];
  for (const id of Object.keys(FILTER_QUERIES) as LogFilterId[]) {
    const value = filters[id];
    if (value === undefined) continue;
    out.push((FILTER_QUERIES[id] as (v: unknown, w: string) => Where)(value, workspaceId));
  }
  return out;
}

const COLUMN = { created_at: "createdAt", cost: "cost", latency_ms: "latencyMs" } as const;

/** Rows strictly after (value, id) in the sort order. Written as `col <= v AND (col < v OR id < i)` so the range on col uses the index. */
function afterCursor(sort: LogSort, value: Date | number, id: string): Where {
  const col = COLUMN[sort.field];
  const [le, lt] = sort.direction === "desc" ? (["lte", "lt"] as const) : (["gte", "gt"] as const);
  return { AND: [{ [col]: { [le]: value } }, { OR: [{ [col]: { [lt]: value } }, { id: { [lt]: id } }] }] };
}

const LIST_SELECT = {
  id: true,
  workspaceId: true,
  createdAt: true,
  traceId: true,
  metadata: true,
  method: true,
  path: true,
  modelRequested: true,
  stream: true,
  status: true,
  errorType: true,
  provider: true,
  model: true,
  virtualKeySlug: true,
  virtualKeyVersion: true,
  configSlug: true,
  configVersion: true,
  configFromKey: true,
  promptTokens: true,
  completionTokens: true,
  totalTokens: true,
  cacheReadTokens: true,
  cacheWriteTokens: true,
  reasoningTokens: true,
  usageEstimated: true,
  responseId: true,
  cost: true,
  latencyMs: true,
  overheadMs: true,
  retryCount: true,
  cacheStatus: true,
  fallbackUsed: true,
} as const satisfies Prisma.RequestLogSelect;

export type LogListRow = Prisma.RequestLogGetPayload<{ select: typeof LIST_SELECT }>;

export type LogPage = { rows: LogListRow[]; next: LogCursor | null };

/** One page of a workspace's logs. `next` is null on the last page. */
export async function listLogs(db: Db, workspaceId: string, query: LogQuery): Promise<LogPage> {
  const { sort, limit, cursor } = query;
  const candidates = await candidateIds(db, workspaceId, query, dialectOf(db));
  if (candidates?.length === 0) return { rows: [], next: null };
  // With candidates, the page is read by primary key: the workspace condition is left out of the
  // SQL so that no (workspaceId, ...) index can look cheaper to a planner without statistics. The
  // candidates were found within the workspace, and every row is checked again below.
  const base = [
    candidates ? { id: { in: candidates.map((c) => c.id) } } : { workspaceId },
    ...(candidates ? timeRange(candidates) : []),
    ...filtersWhere(workspaceId, query.filters),
  ];
  const dir = sort.direction;
  const want = limit + 1; // one more than asked: is there a next page?
  let rows: LogListRow[];

  if (candidates && sort.field === "created_at" && hasTimes(candidates)) {
    rows = await readInTimeChunks(db, workspaceId, query, candidates);
  } else if (sort.field !== "cost") {
    const where = cursor ? [...base, afterCursor(sort, cursorValue(cursor), cursor.id)] : base;
    rows = await db.requestLog.findMany({
      where: { AND: where },
      orderBy: [{ [COLUMN[sort.field]]: dir }, { id: dir }],
      take: want,
      select: LIST_SELECT,
    });
  } else {
    rows = [];
    const inNullSegment = cursor !== null && cursor.value === null;
    if (!inNullSegment) {
      const after = cursor ? [afterCursor(sort, cursor.value as number, cursor.id)] : [];
      rows = await db.requestLog.findMany({
        where: { AND: [...base, { cost: { not: null } }, ...after] },
        orderBy: [{ cost: dir }, { id: dir }],
        take: want,
        select: LIST_SELECT,
      });
    }
    // Logs without a cost, after the known ones; a cost range filter excludes them anyway.
    const costFiltered = query.filters.cost_min !== undefined || query.filters.cost_max !== undefined;
    if (rows.length < want && !costFiltered) {
      const afterId = inNullSegment ? [{ id: { [dir === "desc" ? "lt" : "gt"]: cursor!.id } }] : [];
      const nulls = await db.requestLog.findMany({
        where: { AND: [...base, { cost: null }, ...afterId] },
        orderBy: [{ id: dir }],
        take: want - rows.length,
        select: LIST_SELECT,
      });
      rows = rows.concat(nulls);
    }
  }

  rows = rows.filter((r) => r.workspaceId === workspaceId);
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const next = hasMore && last ? { sort, value: sortValue(sort, last), id: last.id } : null;
  return { rows: page, next };
}

/** A metadata filter with at most this many matching logs narrows by id; above it, rows are checked while read in order. */
export const METADATA_CANDIDATES = 2000;
/** A status filter spanning more codes present than this is one range query. */
const MAX_STATUS_FANOUT = 16;

/** A candidate log: its id, and on PostgreSQL its time (its partition). */
type Candidate = { id: string; at?: Date };

/** A bounded superset of the page's ids, or null when the filters need no narrowing (see the top of the file). */
async function candidateIds(db: Db, workspaceId: string, query: LogQuery, dialect: Dialect): Promise<Candidate[] | null> {
  const { filters, sort, cursor } = query;
  if (filters.metadata) {
    let smallest: Candidate[] | null = null;
    for (const [key, value] of Object.entries(filters.metadata)) {
      const where = { workspaceId, key, value };
      // Counted on the index alone, stopping past the bound; the ids are read only for a rare value
      // (on PostgreSQL with their log's time). `orderBy` the index's own (constant) column: with
      // `take` and no order, Prisma sorts every match by the primary key.
      const count = await db.requestLogMetadata.count({ where, orderBy: { value: "asc" }, take: METADATA_CANDIDATES + 1 });
      if (count === 0) return [];
      if (count > METADATA_CANDIDATES || (smallest !== null && count >= smallest.length)) continue;
      const found = await db.requestLogMetadata.findMany({
        where,
        orderBy: { value: "asc" },
        select: { logId: true, logCreatedAt: dialect === "postgresql" },
        take: METADATA_CANDIDATES,
      });
      smallest = found.map((m) => (m.logCreatedAt ? { id: m.logId, at: m.logCreatedAt } : { id: m.logId }));
    }
    if (smallest) return smallest;
  }
  const status = filters.status;
  const narrowStatus = dialect === "sqlite" && sort.field === "created_at";
  if (status && narrowStatus && (status.classes.length > 0 || status.codes.length > 1)) {
    const codes = await presentStatusCodes(db, workspaceId, status);
    if (codes.length > MAX_STATUS_FANOUT) return null;
    const after = cursor ? [afterCursor(sort, cursorValue(cursor), cursor.id)] : [];
    const perCode = await Promise.all(
      codes.map((code) =>
        db.requestLog.findMany({
          where: { AND: [{ workspaceId }, ...filtersWhere(workspaceId, { ...filters, status: { codes: [code], classes: [] } }), ...after] },
          orderBy: [{ createdAt: sort.direction }, { id: sort.direction }],
          take: query.limit + 1,
          select: { id: true },
        }),
      ),
    );
    return perCode.flat();
  }
  return null;
}

const hasTimes = (c: Candidate[]): c is Required<Candidate>[] => c.every((x) => x.at !== undefined);

/** The candidates' time range, when they carry times: PostgreSQL plans and reads only the partitions of those days. */
function timeRange(candidates: Candidate[]): Where[] {
  if (candidates.length === 0 || !hasTimes(candidates)) return [];
  const times = candidates.map((c) => c.at.getTime());
  return [{ createdAt: { gte: new Date(Math.min(...times)), lte: new Date(Math.max(...times)) } }];
}

/**
 * A page sorted by time among candidates with times: they are taken in the sort's time order, a
 * chunk at a time (one page's worth, then twice as many each time the filters leave the page short),
 * each chunk read within its own time range. A chunk never splits a time, so every row of a chunk
 * sorts before every row of the next, and the database orders each chunk's rows itself.
 */
async function readInTimeChunks(db: Db, workspaceId: string, query: LogQuery, candidates: Required<Candidate>[]): Promise<LogListRow[]> {
  const { sort, cursor } = query;
  const desc = sort.direction === "desc";
  const want = query.limit + 1;
  const bound = cursor ? (cursorValue(cursor) as Date).getTime() : null;
  // Those not before the cursor's time (the rows at its time are sorted out by the cursor condition).
  const left = candidates
    .filter((c) => bound === null || (desc ? c.at.getTime() <= bound : c.at.getTime() >= bound))
    .sort((a, b) => (desc ? b.at.getTime() - a.at.getTime() : a.at.getTime() - b.at.getTime()));
  const where = [...filtersWhere(workspaceId, query.filters), ...(cursor ? [afterCursor(sort, cursorValue(cursor), cursor.id)] : [])];
  let rows: LogListRow[] = [];
  for (let start = 0, size = want; start < left.length && rows.length < want; size *= 2) {
    let end = Math.min(left.length, start + size);
    while (end < left.length && left[end]!.at.getTime() === left[end - 1]!.at.getTime()) end++;
    const chunk = left.slice(start, end);
    rows = rows.concat(
      await db.requestLog.findMany({
        where: { AND: [{ id: { in: chunk.map((c) => c.id) } }, ...timeRange(chunk), ...where] },
        orderBy: [{ createdAt: sort.direction }, { id: sort.direction }],
        take: want - rows.length,
        select: LIST_SELECT,
      }),
    );
    start = end;
  }
  return rows;
}

/**
 * The filter's codes, and those of its classes that occur in the workspace. A class's codes are
 * found in one statement that seeks the next larger code on the (workspaceId, status, createdAt)
 * index (a loose index scan: one seek per code present, not one read per row).
 */
async function presentStatusCodes(db: Db, workspaceId: string, status: StatusFilter): Promise<number[]> {
  const found = new Set<number>(status.codes);
  for (const c of status.classes) {
    const [lo, hi] = [c * 100, c * 100 + 99];
    const rows = await db.$queryRaw<{ status: number | bigint }[]>`
      WITH RECURSIVE present(status) AS (
        SELECT MIN("status") FROM "RequestLog" WHERE "workspaceId" = ${workspaceId} AND "status" >= ${lo} AND "status" <= ${hi}
        UNION ALL
        SELECT (SELECT MIN("status") FROM "RequestLog" WHERE "workspaceId" = ${workspaceId} AND "status" > present.status AND "status" <= ${hi})
        FROM present WHERE present.status IS NOT NULL
      )
      SELECT status FROM present WHERE status IS NOT NULL`;
    for (const r of rows) found.add(Number(r.status));
  }
  return [...found].sort((a, b) => a - b);
}

function cursorValue(cursor: LogCursor): Date | number {
  return cursor.sort.field === "created_at" ? new Date(cursor.value as string) : (cursor.value as number);
}

function sortValue(sort: LogSort, row: LogListRow): string | number | null {
  if (sort.field === "created_at") return row.createdAt.toISOString();
  if (sort.field === "cost") return row.cost;
  return row.latencyMs;
}

/** One log with its attempts in order, or null when it is not in this workspace. */
export async function getLogWithAttempts(db: Db, workspaceId: string, id: string) {
  return db.requestLog.findFirst({
    where: { id, workspaceId },
    include: { attempts: { orderBy: { index: "asc" } } },
  });
}

export type LogDetailRow = NonNullable<Awaited<ReturnType<typeof getLogWithAttempts>>>;

/** A failed attempt of a listed log, for the list's fallback icon (which target failed, and how). */
export type FailedAttemptSummary = {
  logId: string;
  index: number;
  targetPath: string;
  provider: string | null;
  virtualKeySlug: string | null;
  status: number | null;
  errorClass: string | null;
};

/**
 * The failed attempts (no 2xx, or an error class) of the given logs, in order: one query for a
 * whole page (the ids of its fallback rows), on the RequestAttempt (logId, index) unique index.
 * Pass ids of rows already read from the caller's workspace (listLogs checks every row's
 * workspace): a relation filter on the workspace here would make Prisma add a sub-select of every
 * log id in the workspace, which costs more than the attempts themselves at 100k rows.
 */
export async function listFailedAttempts(db: Db, logIds: readonly string[]): Promise<FailedAttemptSummary[]> {
  if (logIds.length === 0) return [];
  return db.requestAttempt.findMany({
    where: {
      logId: { in: [...logIds] },
      OR: [{ status: null }, { status: { lt: 200 } }, { status: { gte: 300 } }, { errorClass: { not: null } }],
    },
    orderBy: [{ logId: "asc" }, { index: "asc" }],
    select: { logId: true, index: true, targetPath: true, provider: true, virtualKeySlug: true, status: true, errorClass: true },
  });
}

/** What an export adds to a list row: the API key, and the bodies and headers when asked (GET /v1/logs/{id} shows the same). */
export type LogExportExtras = {
  id: string;
  apiKeyId: string | null;
  requestBody?: string | null;
  requestBodyTruncated?: boolean;
  responseBody?: string | null;
  responseBodyTruncated?: boolean;
  requestHeaders?: string | null;
  responseHeaders?: string | null;
};

/**
 * The export's extra fields of the given logs of one workspace, by primary key (one query for a
 * page; the list itself stays narrow, so a page without bodies reads no body).
 */
export async function listLogExportExtras(
  db: Db,
  workspaceId: string,
  logs: readonly { id: string; createdAt: Date }[],
  bodies: boolean,
): Promise<LogExportExtras[]> {
  if (logs.length === 0) return [];
  // The page's time range too: on PostgreSQL only the day partitions holding the page are read.
  const times = logs.map((l) => l.createdAt.getTime());
  return db.requestLog.findMany({
    where: {
      id: { in: logs.map((l) => l.id) },
      workspaceId,
      createdAt: { gte: new Date(Math.min(...times)), lte: new Date(Math.max(...times)) },
    },
    select: {
      id: true,
      apiKeyId: true,
      ...(bodies
        ? {
            requestBody: true,
            requestBodyTruncated: true,
            responseBody: true,
            responseBodyTruncated: true,
            requestHeaders: true,
            responseHeaders: true,
          }
        : {}),
    },
  });
}
