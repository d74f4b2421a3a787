/**
 * Reading request logs: the list (filters of lib/logs/query.ts, keyset pagination) and one log with
 * its attempts. Every query is scoped to one workspace and goes through Prisma with bound
 * parameters; each filter maps to an indexed column (see the RequestLog indexes in
 * prisma/schema.prisma), metadata filters to RequestLogMetadata's (workspaceId, key, value,
 * logCreatedAt, logId) index.
 *
 * Keyset pagination on (sort value, id): the page after a cursor is "rows strictly after
 * (value, id) in the sort order", so rows written between two page fetches can only land before
 * the cursor (when sorting newest first) and never shift a later page. Sorting by cost puts logs
 * without a cost (null) after all others in both directions: the list is read as two index-ordered
 * segments, known costs first, then unknown costs by id, and a cursor with value null points into
 * the second segment. Each segment is one index range scan, so a deep page costs what the first does.
 *
 * Two filters cannot be served in sort order by one RequestLog index range, and would otherwise
 * make a page cost grow with the table (SQLite keeps no statistics, so its planner cannot tell a
 * rare filter from a common one):
 * - `metadata.<key>=<value>` sorted by time (the explorer's default) is read from the metadata
 *   index, which lists a value's logs in (time, id) order: the matches after the cursor, then their
 *   logs by primary key (readByMetadata), whatever the number of matches. Sorted by cost or
 *   latency, a rare value (at most METADATA_CANDIDATES matches) narrows the rows to its log ids; a
 *   common one is checked row by row while the sort index is read, which finds a page after
 *   reading about limit / share-of-rows rows.
 * - a status class or list when sorting by time (SQLite): one index range per status code (a
 *   class's codes present are found by index seeks), each read in time order up to one page past
 *   the cursor; the page is among those candidate ids.
 * The page itself is then one ordinary query restricted to those ids, so the database (and its
 * collation) orders it exactly as it would without them.
 *
 * PostgreSQL's log tables are partitioned by day (about 40 partitions each), and planning a
 * statement over all of them costs more than running it, but it keeps statistics: a status class
 * or list is one statement there (the planner reads the (workspaceId, createdAt) indexes in time
 * order and checks the status for a common class, or the status index for a rare one), and every
 * read by candidate ids carries the candidates' time range, so only their days' partitions are
 * planned and read; a page sorted by cost or latency among candidates spread over many days is
 * one statement with a branch per day (readCandidatesByDay). A full-text search reads one branch
 * per day too, several days per statement, over the days whose partitions hold rows (searchByDay).
 */
import type { Db } from "../db";
import type { Prisma } from "../generated/sqlite/client";
import { Prisma as PrismaRuntime } from "../generated/sqlite/client";
import {
  parseSearchTerms,
  traceIdPrefix,
  type LogCursor,
  type LogFilterId,
  type LogFilters,
  type LogQuery,
  type LogSort,
  type SearchTerm,
  type StatusFilter,
} from "../logs/query";
import { type Dialect, dialectOf, timeSql } from "../db/dialect";
import { type LogDay, logDaysWithRows } from "./log-partitions";

type Where = Prisma.RequestLogWhereInput;

/** Each registry filter as Prisma conditions (keyed by LogFilterId: a new filter without a query does not compile). */
const FILTER_QUERIES: { [K in LogFilterId]-?: (value: NonNullable<LogFilters[K]>, workspaceId: string) => Where } = {
  // Read from the full-text index by readBySearch / candidateIds, which every query with `q` goes through.
  q: () => ({}),
  trace_id: (v) => traceIdWhere(v),
  status: (v) => statusWhere(v),
  cost_min: (v) => ({ cost: { gte: v } }),
  cost_max: (v) => ({ cost: { lte: v } }),
  fallback: (v) => ({ fallbackUsed: v }),
  provider: (v) => ({ provider: v }),
  model: (v) => ({ model: v }),
  config: (v) => ({ configSlug: v }),
  virtual_key: (v) => ({ virtualKeySlug: v }),
  // listLogs resolves the id or prefix to the key's id (ids, comma-joined, when a prefix names several).
  api_key: (v) => (v.includes(",") ? { apiKeyId: { in: v.split(",") } } : { apiKeyId: v }),
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

/**
 * An exact trace id, or a prefix (`abc*`) as the range [abc, abd): on the (workspaceId, traceId,
 * createdAt) index, exact because the column sorts by code point (SQLite's BINARY collation;
 * PostgreSQL's "C", 0016_log_search).
 */
function traceIdRange(v: string): { eq: string } | { gte: string; lt?: string } {
  const prefix = traceIdPrefix(v);
  if (prefix === null) return { eq: v };
  const chars = [...prefix];
  const last = chars.pop()!.codePointAt(0)!;
  // The next code point after the last character (surrogates are not characters; U+10FFFF has none).
  const next = last === 0xd7ff ? 0xe000 : last + 1;
  if (next > 0x10ffff) return { gte: prefix };
  return { gte: prefix, lt: chars.join("") + String.fromCodePoint(next) };
}

function traceIdWhere(v: string): Where {
  const range = traceIdRange(v);
  return "eq" in range ? { traceId: range.eq } : { traceId: range };
}

function statusWhere(s: StatusFilter): Where {
  const parts: Where[] = [];
  if (s.codes.length === 1) parts.push({ status: s.codes[0] });
  else if (s.codes.length > 1) parts.push({ status: { in: s.codes } });
  for (const c of s.classes) parts.push({ status: { gte: c * 100, lte: c * 100 + 99 } });
  return parts.length === 1 ? parts[0]! : { OR: parts };
}

/**
 * Where a filter's SQL is put: the statement's dialect and its log row's columns (`col("status")`);
 * `day`: the statement reads one day's partition (PostgreSQL), so a metadata probe names that day
 * too and reads one metadata partition, not all of them.
 */
type SqlScope = {
  dialect: Dialect;
  workspaceId: string;
  col: (name: string) => Prisma.Sql;
  day?: { from: Date; to: Date };
  /** PostgreSQL: metadata values checked by a probe per row (a subplan) rather than joined (searchByDay). */
  probed?: ReadonlySet<string>;
};

const sql = PrismaRuntime.sql;

/**
 * The same filters as SQL on the log row, for a statement Prisma cannot write: the full-text
 * search's (searchMatches), so that a search combined with other filters is one read of rows that
 * pass them all. Each entry must select exactly the rows its FILTER_QUERIES entry does
 * (tests/storage/log-search.storage.test.ts compares the two for every filter). Keyed by
 * LogFilterId like FILTER_QUERIES; null: the statement handles it itself.
 */
const FILTER_SQL: { [K in LogFilterId]-?: (value: NonNullable<LogFilters[K]>, scope: SqlScope) => Prisma.Sql | null } = {
  q: () => null,
  trace_id: (v, { col }) => {
    const range = traceIdRange(v);
    if ("eq" in range) return sql`${col("traceId")} = ${range.eq}`;
    return range.lt === undefined
      ? sql`${col("traceId")} >= ${range.gte}`
      : sql`${col("traceId")} >= ${range.gte} AND ${col("traceId")} < ${range.lt}`;
  },
  status: (s, { col }) => {
    const parts: Prisma.Sql[] = [];
    if (s.codes.length > 0) parts.push(sql`${col("status")} IN (${PrismaRuntime.join(s.codes)})`);
    for (const c of s.classes) parts.push(sql`${col("status")} BETWEEN ${c * 100} AND ${c * 100 + 99}`);
    return sql`(${PrismaRuntime.join(parts, " OR ")})`;
  },
  cost_min: (v, { col }) => sql`${col("cost")} >= ${v}`,
  cost_max: (v, { col }) => sql`${col("cost")} <= ${v}`,
  // Booleans as each database stores them (SQLite: 0/1), written out: nothing from the caller.
  fallback: (v, { col, dialect }) =>
    sql`${col("fallbackUsed")} = ${PrismaRuntime.raw(dialect === "sqlite" ? (v ? "1" : "0") : v ? "TRUE" : "FALSE")}`,
  provider: (v, { col }) => sql`${col("provider")} = ${v}`,
  model: (v, { col }) => sql`${col("model")} = ${v}`,
  config: (v, { col }) => sql`${col("configSlug")} = ${v}`,
  virtual_key: (v, { col }) => sql`${col("virtualKeySlug")} = ${v}`,
  api_key: (v, { col }) => sql`${col("apiKeyId")} IN (${PrismaRuntime.join(v.split(","))})`,
  endpoint: (v, { col }) => sql`${col("path")} = ${v}`,
  response_id: (v, { col }) => sql`${col("responseId")} = ${v}`,
  from: (v, { col, dialect }) => sql`${col("createdAt")} >= ${timeSql(dialect, v)}`,
  to: (v, { col, dialect }) => sql`${col("createdAt")} < ${timeSql(dialect, v)}`,
  // One probe per key of the (workspaceId, key, value, logCreatedAt, logId) index.
  metadata: (v, { col, dialect, workspaceId, day, probed }) => {
    const time =
      dialect === "postgresql"
        ? sql` AND m."logCreatedAt" = ${col("createdAt")}${day ? sql` AND m."logCreatedAt" >= ${timeSql(dialect, day.from)} AND m."logCreatedAt" < ${timeSql(dialect, day.to)}` : PrismaRuntime.empty}`
        : PrismaRuntime.empty;
    return PrismaRuntime.join(
      Object.entries(v).map(
        ([key, value]) =>
          sql`EXISTS (SELECT 1 FROM "RequestLogMetadata" m WHERE m."workspaceId" = ${workspaceId} AND m."key" = ${key} AND m."value" = ${value}
            AND m."logId" = ${col("id")}${time}${probed?.has(value) ? sql` OFFSET 0` : PrismaRuntime.empty})`,
      ),
      " AND ",
    );
  },
};

/** The filters' SQL conditions (FILTER_SQL), without the workspace. */
function filtersSql(scope: SqlScope, filters: LogFilters): Prisma.Sql[] {
  const out: Prisma.Sql[] = [];
  for (const id of Object.keys(FILTER_SQL) as LogFilterId[]) {
    const value = filters[id];
    if (value === undefined) continue;
    const cond = (FILTER_SQL[id] as (v: unknown, s: SqlScope) => Prisma.Sql | null)(value, scope);
    if (cond) out.push(cond);
  }
  return out;
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
  apiKeyId: true,
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
  costSaved: true,
  latencyMs: true,
  overheadMs: true,
  retryCount: true,
  cacheStatus: true,
  fallbackUsed: true,
} as const satisfies Prisma.RequestLogSelect;

export type LogListRow = Prisma.RequestLogGetPayload<{ select: typeof LIST_SELECT }>;

export type LogPage = { rows: LogListRow[]; next: LogCursor | null };

/**
 * Knobs for tests: how many metadata matches a page sorted by time may read before it checks rows
 * instead; on SQLite, up to how many matches a search reads them all first
 * (SEARCH_MATCHES_FIRST), up to how many logs a metadata value, cost range or status class
 * drives a search with more (SEARCH_RARE_FILTER), and how many matches a search sorted by cost or
 * latency may sort (SEARCH_CANDIDATES).
 */
export type ListTuning = { metadataScan?: number; searchMatchesFirst?: number; searchRareFilter?: number; searchCandidates?: number };

/** One page of a workspace's logs. `next` is null on the last page. */
export async function listLogs(db: Db, workspaceId: string, query: LogQuery, tuning: ListTuning = {}): Promise<LogPage> {
  const { sort, limit } = query;
  if (query.filters.api_key !== undefined) {
    const ids = await apiKeyIds(db, workspaceId, query.filters.api_key);
    if (ids.length === 0) return { rows: [], next: null };
    query = { ...query, filters: { ...query.filters, api_key: ids.join(",") } };
  }
  let rows: LogListRow[];
  if (query.filters.q !== undefined && sort.field === "created_at") {
    rows = await readBySearch(db, workspaceId, query, tuning);
  } else if (query.filters.q !== undefined && dialectOf(db) === "postgresql") {
    rows = await readSearchByValue(db, workspaceId, query, tuning);
  } else if (query.filters.metadata && sort.field === "created_at") {
    rows = await readByMetadata(db, workspaceId, query, tuning.metadataScan ?? METADATA_SCAN);
  } else {
    const candidates = await candidateIds(db, workspaceId, query, dialectOf(db), tuning);
    if (candidates?.length === 0) return { rows: [], next: null };
    rows = await readInOrder(db, workspaceId, query, candidates);
  }
  rows = rows.filter((r) => r.workspaceId === workspaceId);
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const next = hasMore && last ? { sort, value: sortValue(sort, last), id: last.id } : null;
  return { rows: page, next };
}

/** The ids of the workspace's API keys that `api_key` names: its id, or keys with that prefix (as shown, "..." allowed). */
async function apiKeyIds(db: Db, workspaceId: string, ref: string): Promise<string[]> {
  const prefix = ref.replace(/(\.\.\.|…)$/, "");
  const rows = await db.apiKey.findMany({
    where: { workspaceId, OR: [{ id: ref }, { prefix }] },
    select: { id: true },
    orderBy: { id: "asc" },
    take: 100,
  });
  return rows.map((r) => r.id);
}

/** The page (and one row more) in the sort's order, among the candidates when there are some. */
async function readInOrder(db: Db, workspaceId: string, query: LogQuery, candidates: Candidate[] | null): Promise<LogListRow[]> {
  const { sort, cursor } = query;
  // SQLite: Prisma binds at most 999 values, one per id of the list (a search sorted by cost or
  // latency has up to SEARCH_CANDIDATES, and failed past ~990). Over more, each chunk's page is
  // read, then the page among those pages: the same order, cursor and filters apply to every read,
  // so the page of all is among the chunks' pages (at most 201 of 500 each: it converges).
  if (candidates && candidates.length > SQLITE_IDS_PER_READ && dialectOf(db) === "sqlite") {
    const pages: Candidate[] = [];
    for (let i = 0; i < candidates.length; i += SQLITE_IDS_PER_READ)
      for (const row of await readInOrder(db, workspaceId, query, candidates.slice(i, i + SQLITE_IDS_PER_READ)))
        pages.push({ id: row.id, at: row.createdAt });
    return readInOrder(db, workspaceId, query, pages);
  }
  if (candidates && sort.field !== "created_at" && hasTimes(candidates) && dialectOf(db) === "postgresql")
    return readCandidatesByDay(db, workspaceId, query, candidates);
  // With candidates, the page is read by primary key: the workspace condition is left out of the
  // SQL so that no (workspaceId, ...) index can look cheaper to a planner without statistics. The
  // candidates were found within the workspace, and listLogs checks every row again.
  const base = [
    candidates ? { id: { in: candidates.map((c) => c.id) } } : { workspaceId },
    ...(candidates ? timeRange(candidates) : []),
    ...filtersWhere(workspaceId, query.filters),
  ];
  const dir = sort.direction;
  const want = query.limit + 1; // one more than asked: is there a next page?
  if (sort.field !== "cost") {
    const where = cursor ? [...base, afterCursor(sort, cursorValue(cursor), cursor.id)] : base;
    return db.requestLog.findMany({
      where: { AND: where },
      orderBy: [{ [COLUMN[sort.field]]: dir }, { id: dir }],
      take: want,
      select: LIST_SELECT,
    });
  }
  let rows: LogListRow[] = [];
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
  return rows;
}

/**
 * PostgreSQL: the page sorted by cost or latency among candidates that carry their log's time, in
 * one statement. One branch per UTC day reads that day's candidates by primary key in that day's
 * partition alone (a read of all of them by id within their time range plans and probes every
 * partition between their oldest and newest, for every id: two such reads took ~40 ms each for 700
 * search matches over a month at 1M logs), with every filter; the database orders their union as
 * readInOrder's two segments do: known costs first, then the logs without a cost by id.
 */
async function readCandidatesByDay(db: Db, workspaceId: string, query: LogQuery, candidates: Required<Candidate>[]): Promise<LogListRow[]> {
  const byDay = new Map<number, string[]>();
  for (const c of candidates) {
    const day = utcDay(c.at.getTime());
    byDay.set(day, [...(byDay.get(day) ?? []), c.id]);
  }
  const after = afterValue(query, "l");
  const branches = [...byDay].map(([t, ids]) => {
    const day = { from: new Date(t), to: new Date(t + DAY_MS) };
    // No workspace condition (as readInOrder with candidates): they were found within it, and listLogs checks each row.
    const conds = [
      sql`l."createdAt" >= ${timeSql("postgresql", day.from)} AND l."createdAt" < ${timeSql("postgresql", day.to)}`,
      sql`l."id" IN (${PrismaRuntime.join(ids)})`,
      ...filtersSql({ dialect: "postgresql", workspaceId, col: logCol, day }, query.filters),
      ...(after ? [after] : []),
    ];
    return sql`SELECT ${LIST_COLUMNS} FROM "RequestLog" l WHERE ${PrismaRuntime.join(conds, " AND ")}`;
  });
  return db.$queryRaw<LogListRow[]>`SELECT * FROM (${PrismaRuntime.join(branches, " UNION ALL ")}) s
    ORDER BY ${valueOrder(query.sort, "s")} LIMIT ${query.limit + 1}`;
}

/**
 * A page sorted by cost or latency as raw SQL over the rows of `t`: the order of readInOrder's two
 * segments (known costs first, then the logs without a cost by id), and the rows after the
 * cursor in it (null without a cursor).
 */
function valueOrder(sort: LogSort, t: string): Prisma.Sql {
  const dir = sort.direction === "desc" ? "DESC" : "ASC";
  const col = COLUMN[sort.field];
  return PrismaRuntime.raw(`${col === "cost" ? `(${t}."cost" IS NULL), ` : ""}${t}."${col}" ${dir}, ${t}."id" ${dir}`);
}

function afterValue(query: LogQuery, t: string): Prisma.Sql | null {
  const { sort, cursor } = query;
  if (!cursor) return null;
  const op = PrismaRuntime.raw(sort.direction === "desc" ? "<" : ">"); // "after" in the sort's order
  const c = (name: string) => PrismaRuntime.raw(`${t}."${name}"`);
  if (cursor.value === null) return sql`${c("cost")} IS NULL AND ${c("id")} ${op} ${cursor.id}`;
  const col = COLUMN[sort.field];
  const v = cursor.value as number;
  const nulls = col === "cost" ? sql`${c("cost")} IS NULL OR ` : PrismaRuntime.empty;
  return sql`(${nulls}${c(col)} ${op} ${v} OR (${c(col)} = ${v} AND ${c("id")} ${op} ${cursor.id}))`;
}

/** A metadata filter with at most this many matching logs narrows by id (sorts other than time); above it, rows are checked while read in order. */
export const METADATA_CANDIDATES = 2000;
/** SQLite: the most ids one read of a page binds (Prisma takes 999 values; the filters need a few). */
const SQLITE_IDS_PER_READ = 500;
/** A page sorted by time reads at most this many matches of its metadata filter before it checks rows in order instead. */
export const METADATA_SCAN = 5000;
/** The most matches of a metadata filter read in one statement (the ids of one log read). */
const METADATA_CHUNK = 2000;
/** A status filter spanning more codes present than this is one range query. */
const MAX_STATUS_FANOUT = 16;

/** A candidate log: its id, and on PostgreSQL its time (its partition). */
type Candidate = { id: string; at?: Date };

/**
 * A page sorted by time with a metadata filter. The (workspaceId, key, value, logCreatedAt, logId)
 * index lists the filter's matches in exactly the logs' (createdAt, id) order, so the page is read
 * from it: the next matches after the cursor (one page's worth, then twice as many each time the
 * other filters leave the page short), then their logs by primary key within the matches' time
 * range (on PostgreSQL, only those days' partitions). Every chunk of matches sorts after the one
 * before, so the chunks' rows concatenate in order. Several metadata keys: the rarest drives, the
 * others are checked on each log. When the other filters keep almost none of the matches (past
 * `scan` of them read), the rest of the page is read in order with every filter checked per row.
 */
async function readByMetadata(db: Db, workspaceId: string, query: LogQuery, scan: number): Promise<LogListRow[]> {
  const { sort, cursor, filters } = query;
  const dir = sort.direction;
  const want = query.limit + 1;
  const driver = await rarestEntry(db, workspaceId, filters.metadata!);
  if (!driver) return [];
  const [key, value] = driver;
  const window = [
    ...(filters.from ? [{ logCreatedAt: { gte: filters.from } }] : []),
    ...(filters.to ? [{ logCreatedAt: { lt: filters.to } }] : []),
  ];
  const { [key]: _driven, ...restMetadata } = filters.metadata!;
  const others = filtersWhere(workspaceId, { ...filters, metadata: Object.keys(restMetadata).length ? restMetadata : undefined });
  let after = cursor ? { at: cursorValue(cursor) as Date, id: cursor.id } : null;
  let rows: LogListRow[] = [];
  for (let scanned = 0, size = want; rows.length < want; size = Math.min(size * 2, METADATA_CHUNK)) {
    if (scanned >= scan) {
      const rest = after ? [afterCursor(sort, after.at, after.id)] : [];
      const tail = await db.requestLog.findMany({
        where: { AND: [{ workspaceId }, ...filtersWhere(workspaceId, filters), ...rest] },
        orderBy: [{ createdAt: dir }, { id: dir }],
        take: want - rows.length,
        select: LIST_SELECT,
      });
      return rows.concat(tail);
    }
    const matches = await db.requestLogMetadata.findMany({
      where: { AND: [{ workspaceId, key, value }, ...window, ...(after ? [afterEntry(dir, after.at, after.id)] : [])] },
      orderBy: [{ logCreatedAt: dir }, { logId: dir }],
      take: size,
      select: { logId: true, logCreatedAt: true },
    });
    if (matches.length === 0) break;
    scanned += matches.length;
    rows = rows.concat(
      await db.requestLog.findMany({
        where: {
          AND: [
            { id: { in: matches.map((m) => m.logId) } },
            ...timeRange(matches.map((m) => ({ id: m.logId, at: m.logCreatedAt }))),
            ...others,
          ],
        },
        orderBy: [{ createdAt: dir }, { id: dir }],
        take: want - rows.length,
        select: LIST_SELECT,
      }),
    );
    if (matches.length < size) break;
    const last = matches[matches.length - 1]!;
    after = { at: last.logCreatedAt, id: last.logId };
  }
  return rows;
}

/** Metadata entries strictly after (time, log id) in the order of `dir`, as afterCursor does for logs. */
function afterEntry(dir: "asc" | "desc", at: Date, id: string): Prisma.RequestLogMetadataWhereInput {
  const [le, lt] = dir === "desc" ? (["lte", "lt"] as const) : (["gte", "gt"] as const);
  return { AND: [{ logCreatedAt: { [le]: at } }, { OR: [{ logCreatedAt: { [lt]: at } }, { logId: { [lt]: id } }] }] };
}

/**
 * The filter's entry with the fewest matches (each counted on the index, stopping past
 * METADATA_CANDIDATES), or null when one matches nothing. One entry is not counted.
 */
async function rarestEntry(db: Db, workspaceId: string, metadata: Record<string, string>): Promise<[string, string] | null> {
  const entries = Object.entries(metadata);
  if (entries.length === 1) return entries[0]!;
  let best: { entry: [string, string]; count: number } | null = null;
  for (const entry of entries) {
    const count = await countMatches(db, workspaceId, entry[0], entry[1]);
    if (count === 0) return null;
    if (!best || count < best.count) best = { entry, count };
  }
  return best!.entry;
}

/** How many logs carry key=value, counted on the index alone up to METADATA_CANDIDATES + 1. */
function countMatches(db: Db, workspaceId: string, key: string, value: string): Promise<number> {
  // `orderBy` the index's own (constant) column: with `take` and no order, Prisma sorts every match by the primary key.
  return db.requestLogMetadata.count({ where: { workspaceId, key, value }, orderBy: { value: "asc" }, take: METADATA_CANDIDATES + 1 });
}

// ---------------------------------------------------------------------------------------------
// Full-text search (`q`)

/**
 * A search sorted by cost or latency reads all its matches to sort them, when there are at most
 * this many; with more it is refused (SearchTooBroadError), naming the window of the newest it
 * can sort. The bound is the page's cost: on PostgreSQL at 10M logs over 30 days, reading 10,000
 * matches took ~110 ms (docs/PERFORMANCE.md "At 10M rows").
 */
export const SEARCH_CANDIDATES = 2_000;

/** The time window (`from`, `to`) that holds a too broad search's newest SEARCH_CANDIDATES matches or fewer. */
export type NewestWindow = { from: Date; to: Date };

/**
 * `q` matched more logs than a page sorted by cost or latency can sort. The message says what to
 * do, and `newest` is the window to narrow to that sorts the newest matches (a link in the explorer).
 */
export class SearchTooBroadError extends Error {
  readonly param = "q";
  constructor(
    readonly newest: NewestWindow | null,
    readonly bound: number = SEARCH_CANDIDATES,
  ) {
    const n = bound.toLocaleString("en-US");
    const window = newest ? `; from=${newest.from.toISOString()}&to=${newest.to.toISOString()} holds the newest ${n} or fewer` : "";
    super(`matches more than ${n} logs, too many to sort by cost or latency: sort by time, or narrow it (from/to, more words)${window}`);
    this.name = "SearchTooBroadError";
  }
}

/** A log that `q` and every other filter match: its time, and the values a page sorted by cost or latency orders by. */
type Match = { id: string; at: Date; cost: number | null; latencyMs: number };
type MatchRow = { id: string; createdAt: string | Date; cost: number | null; latencyMs: number };
const toMatches = (rows: MatchRow[]): Match[] =>
  rows.map((r) => ({
    id: r.id,
    at: r.createdAt instanceof Date ? r.createdAt : new Date(r.createdAt),
    cost: r.cost,
    latencyMs: Number(r.latencyMs),
  }));

/** `q`'s terms as an FTS5 query: each word quoted (no operator can be injected), phrases in one quote, prefixes with *. */
export function fts5Query(terms: readonly SearchTerm[]): string {
  return terms.map((t) => `"${t.words.join(" ")}"${t.kind === "prefix" ? " *" : ""}`).join(" AND ");
}

/** `q`'s terms as a PostgreSQL tsquery (words quoted as lexemes; phrases with <->, prefixes with :*). */
export function tsQuery(terms: readonly SearchTerm[]): string {
  return terms.map((t) => (t.kind === "prefix" ? `'${t.words[0]}':*` : t.words.map((w) => `'${w}'`).join(" <-> "))).join(" & ");
}

/** Where a search reads: its workspace and filters, the time order, and the match it continues after (a cursor). */
type SearchScope = {
  dialect: Dialect;
  workspaceId: string;
  filters: LogFilters;
  asc: boolean;
  after: Pick<Match, "id" | "at"> | null;
  tuning?: ListTuning;
};

function searchScope(
  dialect: Dialect,
  workspaceId: string,
  query: LogQuery,
  after: Pick<Match, "id" | "at"> | null,
  tuning: ListTuning = {},
): SearchScope {
  const asc = query.sort.field === "created_at" && query.sort.direction === "asc";
  return { dialect, workspaceId, filters: query.filters, asc, after, tuning };
}

const logCol = (c: string) => PrismaRuntime.raw(`l."${c}"`);
const MATCH_COLUMNS = PrismaRuntime.raw(`l."id", l."createdAt", l."cost", l."latencyMs"`);
const LIST_COLUMNS = PrismaRuntime.raw(
  Object.keys(LIST_SELECT)
    .map((c) => `l."${c}"`)
    .join(", "),
);

/**
 * The conditions of a search on a log row `l` besides its text: the workspace, every other filter
 * (the database reads only rows that pass them all), the cursor, and on PostgreSQL the UTC day
 * read (one day partition of the logs and, for a metadata filter, of the metadata).
 */
function searchConditions(
  scope: SearchScope,
  day?: Date,
  col: (name: string) => Prisma.Sql = logCol,
  probed?: ReadonlySet<string>,
): Prisma.Sql {
  const { dialect, workspaceId, filters, after } = scope;
  const bounds = day ? { from: day, to: new Date(day.getTime() + DAY_MS) } : undefined;
  const conds: Prisma.Sql[] = [
    sql`${logCol("workspaceId")} = ${workspaceId}`,
    ...filtersSql({ dialect, workspaceId, col, ...(bounds ? { day: bounds } : {}), ...(probed ? { probed } : {}) }, filters),
  ];
  if (bounds) conds.push(sql`l."createdAt" >= ${timeSql(dialect, bounds.from)} AND l."createdAt" < ${timeSql(dialect, bounds.to)}`);
  if (after) {
    const at = timeSql(dialect, after.at);
    const op = PrismaRuntime.raw(scope.asc ? ">" : "<"); // "after" in the sort's order
    conds.push(sql`l."createdAt" ${op}= ${at} AND (l."createdAt" ${op} ${at} OR l."id" ${op} ${after.id})`);
  }
  return PrismaRuntime.join(conds, " AND ");
}

/**
 * The workspace's logs matching `q` (and every other filter), in (createdAt, id) order after
 * `after`, at most `take`. SQLite: searchMatchesSqlite. PostgreSQL: the stored tsvector
 * "searchVector" (0019_log_search_vector) and its GIN index, read by searchByDay in the sort's order.
 */
async function searchMatches(db: Db, scope: SearchScope, take: number): Promise<Match[]> {
  const terms = parseSearchTerms(scope.filters.q!);
  if (scope.dialect === "postgresql") return toMatches(await searchByDay<MatchRow>(db, scope, terms, MATCH_COLUMNS, take));
  return searchMatchesSqlite(db, scope, fts5Query(terms), take);
}

/** SQLite: a search whose words match at most this many logs (all workspaces) reads them all first. */
const SEARCH_MATCHES_FIRST = 1000;
/** SQLite: a search with more matches reads a metadata value's logs, or a cost range's or status class's it matches, from their index when at most this many. */
const SEARCH_RARE_FILTER = METADATA_CANDIDATES;

/**
 * SQLite: the search's matches, by one of three plans chosen on how many logs its words match
 * (counted on the full-text index up to SEARCH_MATCHES_FIRST + 1: 0.1-3 ms at 100k logs).
 *
 * A plain join of the FTS5 table and the logs let the planner, which has no statistics, drive it
 * from a filter's index and ask the FTS5 table about each row read (~30 µs a probe: the MATCH is
 * evaluated again): `q=warranty&cost_min=0.001&cost_max=0.01` probed the 28k logs in the cost
 * range (750 ms at 100k logs), `q=warranty&status=5xx` the 5.9k 5xx (150 ms), `q=warranty` with
 * the last 24 h every log of the day (80 ms). Without such a filter it read every match's log by
 * rowid and sorted them all: `q=the` (every log) 155 ms, `q=the&status=503` 90.
 *
 * - At most SEARCH_MATCHES_FIRST matches: all of them, then their logs by rowid (CROSS JOIN pins
 *   that order), then the sort (~5 µs a match).
 * - More: the matches once into a set (`rowid IN (...)`, ~0.1 µs a match: 7-10 ms for 100k),
 *   checked on each index entry the planner walks, before its log is read; the walk in time order
 *   stops at a page (`q=the` 11 ms).
 *   - A metadata value with at most `rare` logs (SEARCH_RARE_FILTER): its logs from the metadata
 *     index (`q=the&metadata.user=user-42`, 74 logs: the time walk checked the value on each log,
 *     160 ms).
 *   - A cost range or status class (or list) is no order of time, yet the planner reads it from
 *     its index, whole, each log in it. Its matches are read from its index against the set (up
 *     to rare + 1): at most `rare`, they are the candidates, read by rowid (`q=error` with the cost
 *     range, no log in common: 7 ms; walking every log in time order, 65); more, the range is
 *     kept out of the planner's choice (`+`) and the time index walked (`q=the` with the cost
 *     range: 170 ms from its index, 14 in time order; with `status=5xx` 50 ms, 11).
 */
async function searchMatchesSqlite(db: Db, scope: SearchScope, match: string, take: number): Promise<Match[]> {
  const dir = PrismaRuntime.raw(scope.asc ? "ASC" : "DESC");
  const order = sql`ORDER BY l."createdAt" ${dir}, l."id" ${dir} LIMIT ${take}`;
  const first = scope.tuning?.searchMatchesFirst ?? SEARCH_MATCHES_FIRST;
  const [count] = await db.$queryRaw<{ n: number | bigint }[]>`
    SELECT count(*) AS "n" FROM (SELECT 1 FROM "RequestLogSearch" WHERE "RequestLogSearch" MATCH ${match} LIMIT ${first + 1})`;
  const matches = Number(count?.n ?? 0);
  if (matches === 0) return [];
  if (matches <= first)
    return toMatches(
      await db.$queryRaw<MatchRow[]>`
        SELECT ${MATCH_COLUMNS} FROM "RequestLogSearch" s CROSS JOIN "RequestLog" l ON l.rowid = s.rowid
        WHERE "RequestLogSearch" MATCH ${match} AND ${searchConditions(scope)} ${order}`,
    );
  const inSet = sql`l.rowid IN (SELECT rowid FROM "RequestLogSearch" WHERE "RequestLogSearch" MATCH ${match})`;
  const { filters, workspaceId } = scope;
  const rare = scope.tuning?.searchRareFilter ?? SEARCH_RARE_FILTER;
  if (filters.metadata) {
    const driver = await rareEntry(db, workspaceId, filters.metadata, rare);
    if (driver === null) return [];
    if (driver !== undefined) {
      const [key, value] = driver;
      const { [key]: _driven, ...rest } = filters.metadata;
      const others = { ...scope, filters: { ...filters, metadata: Object.keys(rest).length ? rest : undefined } };
      return toMatches(
        await db.$queryRaw<MatchRow[]>`
          SELECT ${MATCH_COLUMNS} FROM "RequestLogMetadata" m CROSS JOIN "RequestLog" l ON l."id" = m."logId"
          WHERE m."workspaceId" = ${workspaceId} AND m."key" = ${key} AND m."value" = ${value}
            AND ${inSet} AND ${searchConditions(others)} ${order}`,
      );
    }
  }
  // A cost range or a status class (or list) with more than `rare` of the matches is kept out of
  // the planner's choice (the time index finds a page soon); with fewer, those matches are the
  // candidates, read by rowid. Found on the range's index, up to rare + 1: a status code list and
  // each class apart (their OR would read the workspace's whole status index).
  const { status, cost_min, cost_max } = filters;
  const ranges: [string, Prisma.Sql[]][] = [];
  if (cost_min !== undefined || cost_max !== undefined)
    ranges.push(["cost", [PrismaRuntime.join(filtersSql(sqliteScope(workspaceId), { cost_min, cost_max }), " AND ")]]);
  if (status !== undefined && (status.classes.length > 0 || status.codes.length > 1)) {
    const parts = [
      ...(status.codes.length > 0 ? [{ codes: status.codes, classes: [] }] : []),
      ...status.classes.map((c) => ({ codes: [], classes: [c] })),
    ];
    ranges.push(["status", parts.flatMap((part) => filtersSql(sqliteScope(workspaceId), { status: part }))]);
  }
  const wide = new Set<string>();
  let rarest: number[] | null = null; // the rowids of the matches in the rarest range
  for (const [column, parts] of ranges) {
    const branches = parts.map(
      (cond) =>
        sql`SELECT * FROM (SELECT l.rowid AS "r" FROM "RequestLog" l WHERE l."workspaceId" = ${workspaceId} AND ${cond} AND ${inSet} LIMIT ${rare + 1})`,
    );
    const rows = await db.$queryRaw<{ r: number | bigint }[]>`${PrismaRuntime.join(branches, " UNION ALL ")}`;
    if (rows.length === 0) return [];
    if (rows.length > rare) wide.add(column);
    else if (rarest === null || rows.length < rarest.length) rarest = rows.map((r) => Number(r.r));
  }
  if (rarest !== null)
    return toMatches(
      await db.$queryRaw<MatchRow[]>`
        SELECT ${MATCH_COLUMNS} FROM json_each(${JSON.stringify(rarest)}) j CROSS JOIN "RequestLog" l ON l.rowid = j."value"
        WHERE ${searchConditions(scope)} ${order}`,
    );
  const col = (c: string) => (wide.has(c) ? PrismaRuntime.raw(`+l."${c}"`) : logCol(c));
  return toMatches(
    await db.$queryRaw<
      MatchRow[]
    >`SELECT ${MATCH_COLUMNS} FROM "RequestLog" l WHERE ${inSet} AND ${searchConditions(scope, undefined, col)} ${order}`,
  );
}

const sqliteScope = (workspaceId: string): SqlScope => ({ dialect: "sqlite", workspaceId, col: logCol });

/**
 * SQLite: the metadata filter's entry with the fewest logs when that is at most `rare`
 * (METADATA_CANDIDATES; counted on the index), undefined when none is that rare, null when one
 * matches nothing.
 */
async function rareEntry(
  db: Db,
  workspaceId: string,
  metadata: Record<string, string>,
  rare: number,
): Promise<[string, string] | null | undefined> {
  let best: { entry: [string, string]; count: number } | undefined;
  for (const entry of Object.entries(metadata)) {
    const count = await countMatches(db, workspaceId, entry[0], entry[1]);
    if (count === 0) return null;
    if (count <= rare && (!best || count < best.count)) best = { entry, count };
  }
  return best?.entry;
}

/** PostgreSQL: at most this many days (one branch each) in one round of a search's statements. */
const SEARCH_DAYS_PER_STATEMENT = 32;

/** PostgreSQL: a round of a search's days is read by at most this many statements at once (searchByDay). */
const SEARCH_STATEMENTS_AT_ONCE = 2;
/** PostgreSQL: a round is read in parts at once when the rate says at least this share of its days will be read. */
const SIDE_BY_SIDE_SHARE = 0.75;

/** `items` in at most `n` contiguous parts, in order, their sizes differing by one at most. */
function splitInOrder<T>(items: readonly T[], n: number): T[][] {
  const parts = Math.max(1, Math.min(n, items.length));
  const out: T[][] = [];
  for (let p = 0, start = 0; p < parts; p++) {
    const size = Math.ceil((items.length - start) / (parts - p));
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

/**
 * PostgreSQL: the days that may hold the workspace's logs (log-partitions.ts: the day partitions
 * written to, and the days of its rows elsewhere) within the filters' from/to and after the
 * cursor, in the search's order.
 */
async function searchDays(db: Db, scope: SearchScope): Promise<LogDay[]> {
  const { from, to } = scope.filters;
  const after = scope.after?.at.getTime();
  const days = (await logDaysWithRows(db, scope.workspaceId)).filter(({ day }) => {
    const t = day.getTime();
    if (from && t + DAY_MS <= from.getTime()) return false;
    if (to && t >= to.getTime()) return false;
    if (after !== undefined && (scope.asc ? t + DAY_MS <= after : t > after)) return false;
    return true;
  });
  return scope.asc ? days : days.reverse();
}

/**
 * PostgreSQL: the partitions of "RequestLog" whose statistics of "searchVector" do not know every
 * term of the search: a word not among their most common elements, or a prefix none of them starts
 * with. The planner estimates such a word at 0.5% of the rows (half the least common element's
 * frequency, at most that), so past ~150k logs a day it walks the day's time index to find a
 * page's 51 matches after ~10k rows, and reads the whole day when the word is rare (a word no log
 * says, at 333k logs a day: 250-490 ms a day). A word it does not know is rarer than every one it
 * knows, so those days read the word's matches from the GIN index first (0.2 ms for that day).
 * A word it knows keeps the planner's choice (the time index for a common one: a day's 8,400
 * matches of a word said by 1 log in 40 read from the GIN index and sorted took 109 ms, walked 6).
 * A partition without statistics keeps it too: its estimate knows nothing either way.
 */
async function partitionsNotKnowing(db: Db, terms: SearchTerm[]): Promise<Set<string>> {
  const words = terms.filter((t) => t.kind !== "prefix").flatMap((t) => t.words);
  const prefixes = terms.filter((t) => t.kind === "prefix").map((t) => t.words[0]!);
  const out = new Set<string>();
  for (const [partition, known] of await knownLexemes(db)) {
    if (words.some((w) => !known.has(w)) || prefixes.some((p) => ![...known].some((e) => e.startsWith(p)))) out.add(partition);
  }
  return out;
}

/** A metadata value at least this share of a day's metadata rows is common (commonMetadataValues). */
const COMMON_METADATA_SHARE = 0.01;
const commonValuesCache: StatsCache<Set<string>> = new WeakMap();

/**
 * PostgreSQL: the metadata values that the statistics of some day partition of "RequestLogMetadata"
 * count among its most common, at COMMON_METADATA_SHARE of its rows or more (`team=billing`; not
 * `user=user-42`). Read once a minute per client, as knownLexemes. With a common word, such a value
 * is probed per row (searchByDay); a rarer one stays joined: walking a day in time order to meet a
 * rare value read all of it (363 ms against 4 ms at 333k logs a day).
 */
function commonMetadataValues(db: Db): Promise<Set<string>> {
  return fromStats(
    commonValuesCache,
    db,
    async () => {
      const rows = await db.$queryRaw<{ vals: string[]; freqs: number[] }[]>`
        SELECT CAST(CAST(s."most_common_vals" AS text) AS text[]) AS "vals", s."most_common_freqs" AS "freqs"
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_stats s ON s."schemaname" = n.nspname AND s."tablename" = c.relname AND s."attname" = 'value'
        WHERE i.inhparent = '"RequestLogMetadata"'::regclass AND s."most_common_vals" IS NOT NULL`;
      const out = new Set<string>();
      for (const { vals, freqs } of rows) {
        for (const [i, v] of vals.entries()) if ((freqs[i] ?? 0) >= COMMON_METADATA_SHARE) out.add(v);
      }
      return out;
    },
    // Unreadable: every value stays joined, as before this was read.
    () => new Set<string>(),
  );
}

/** How long what the statistics say is kept per client: it changes with an ANALYZE, and only decides plans. */
const STATS_TTL_MS = 60_000;

type StatsCache<T> = WeakMap<Db, { at: number; value: Promise<T> }>;

/**
 * What `read` makes of the planner's statistics, kept STATS_TTL_MS per client. Unreadable: `none`
 * (the plans as before it was read), and the next caller reads again.
 */
function fromStats<T>(cache: StatsCache<T>, db: Db, read: () => Promise<T>, none: () => T): Promise<T> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < STATS_TTL_MS) return hit.value;
  const value = read().catch(() => {
    cache.delete(db);
    return none();
  });
  cache.set(db, { at: Date.now(), value });
  return value;
}

const knownLexemesCache: StatsCache<Map<string, Set<string>>> = new WeakMap();

/**
 * PostgreSQL: per partition of "RequestLog" with statistics, the lexemes they know (the most
 * common elements of "searchVector"). Read once a minute per client: the view costs ~4 ms at 40
 * partitions, as much as a whole page of a common word.
 */
function knownLexemes(db: Db): Promise<Map<string, Set<string>>> {
  return fromStats(
    knownLexemesCache,
    db,
    async () => {
      const rows = await db.$queryRaw<{ partition: string; known: string[] }[]>`
        SELECT c.relname AS "partition", CAST(CAST(s."most_common_elems" AS text) AS text[]) AS "known"
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_stats s ON s."schemaname" = n.nspname AND s."tablename" = c.relname AND s."attname" = 'searchVector'
        WHERE i.inhparent = '"RequestLog"'::regclass AND s."most_common_elems" IS NOT NULL`;
      return new Map(rows.map((r) => [r.partition, new Set(r.known)]));
    },
    // Unreadable: every day keeps the planner's choice, as before this was read.
    () => new Map<string, Set<string>>(),
  );
}

/**
 * PostgreSQL: the search in time order, one UTC day (one partition) per branch of a statement.
 * Over several partitions in one plan the planner merges them all (Merge Append) and walks the time
 * index with the text check on every row even for a rare word (seconds at 1M logs); within one
 * day it chooses per word, the GIN index for a rare one and the time index for a common one. So
 * each day is its own branch, `(... ORDER BY createdAt, id LIMIT n)`, and a statement is the
 * UNION ALL of some days' branches, in the search's order of days, under a LIMIT and no ORDER BY:
 * - an outer ORDER BY ... LIMIT made the planner merge the branches (Merge Append), each planned to
 *   return its first rows fast, which is the time index again (a word no log says, over 30 days at
 *   1M logs: 760 ms instead of 40);
 * - the union as a MATERIALIZED CTE, ordered and limited once more (what this did before), ran
 *   every branch to its own limit: a count's 2,001 matches of a common word over five days read
 *   each day's 2,001;
 * - without either, the Append runs the branches one after the other and stops once the LIMIT is
 *   met: a day is read only when the days before it fell short. A branch with a LIMIT has no
 *   parallel plan, so the Append is never a Parallel Append that could interleave them; the rows
 *   are checked to be in time order all the same, and read the former way if they are not.
 *
 * The first round reads the first day alone (a common word fills a page there); each next one as
 * many days as the matches so far, at their rate per elapsed time, say would fill the rest (with a
 * margin for the rate's uncertainty), and at least twice as many as the last. A round the rate says
 * will be read whole is split into SEARCH_STATEMENTS_AT_ONCE statements of contiguous days, sent at
 * once on connections of their own: a sorted search's 2,001 matches of `q=warranty&status=503` (ten
 * days of ~6 ms, at 10M logs) took 43 ms one day after the other, 37 ms in two parts (the median of
 * five same-run rounds, docs/PERFORMANCE.md). A rare match over a month: two rounds, where one per
 * day took 31.
 *
 * A row is checked against its stored vector: nothing calls to_tsvector per row (which the
 * former expression index, 0016, left to every row read outside it).
 */
async function searchByDay<T>(db: Db, scope: SearchScope, terms: SearchTerm[], columns: Prisma.Sql, take: number): Promise<T[]> {
  const [days, unknown, common] = await Promise.all([
    searchDays(db, scope),
    partitionsNotKnowing(db, terms),
    scope.filters.metadata ? commonMetadataValues(db) : null,
  ]);
  // Metadata values probed per row: with a word the day's statistics do not know (a rare one, its
  // few matches read first), every value; with a known one, a value common enough that a walk in
  // time order meets it soon.
  const values = Object.values(scope.filters.metadata ?? {});
  const everyValue = new Set(values);
  const commonValues = common && new Set(values.filter((v) => common.has(v)));
  const ts = tsQuery(terms);
  const dir = PrismaRuntime.raw(scope.asc ? "ASC" : "DESC");
  const out: T[] = [];
  const now = Date.now();
  let covered = 0; // ms of the days read so far, today's up to now
  // One statement over some days, in their order (the days' branches under a LIMIT).
  const read = async (part: LogDay[], need: number): Promise<T[]> => {
    const branches = part.map(({ day, partition }) => {
      // Joined, a metadata value's matches of the day were all read and hashed (a hash semi join):
      // ~100 ms a day at 333k logs for `team=billing`, with a common word (to keep 20 rows; probed
      // per row as the day is walked in time order: 12 ms) or a rare one (its 0-3 matches).
      const probe = unknown.has(partition) ? everyValue : commonValues && commonValues.size > 0 ? commonValues : undefined;
      const rows = sql`SELECT ${columns} FROM "RequestLog" l
        WHERE l."searchVector" @@ to_tsquery('simple'::regconfig, ${ts}) AND ${searchConditions(scope, day, logCol, probe)}`;
      // A word the day's statistics do not know: all its matches (the GIN index), then the order.
      return unknown.has(partition)
        ? sql`(SELECT * FROM (${rows} OFFSET 0) f ORDER BY f."createdAt" ${dir}, f."id" ${dir} LIMIT ${need})`
        : sql`(${rows} ORDER BY l."createdAt" ${dir}, l."id" ${dir} LIMIT ${need})`;
    });
    const union = PrismaRuntime.join(branches, " UNION ALL ");
    const rows = await db.$queryRaw<T[]>(branches.length === 1 ? branches[0]! : sql`SELECT * FROM (${union}) m LIMIT ${need}`);
    // The days' rows come in the days' order, each day's in its own: the statement is in order. Were
    // a plan ever to interleave the branches, the union is read whole and ordered instead.
    if (inTimeOrder(rows as { createdAt: Date | string }[], scope.asc)) return rows;
    return db.$queryRaw<T[]>`WITH m AS MATERIALIZED (${union})
      SELECT * FROM m ORDER BY m."createdAt" ${dir}, m."id" ${dir} LIMIT ${need}`;
  };
  // Of the next batch, the days the rate says will be read (the rest of the batch is its margin).
  let expected = 1;
  for (let i = 0, n = 1; i < days.length && out.length < take; ) {
    const need = take - out.length;
    const batch = days.slice(i, i + n);
    // A batch the rate says will be read (nearly) whole is read in contiguous parts, one statement
    // each, all sent at once, and taken in order as far as the page needs: a day of a topic word with
    // status=503 takes ~6 ms at 333k logs a day, and a sorted search's 2,001 matches need ten. One
    // that is mostly margin is one statement, which stops once the page is full: in parts, the later
    // ones would be read for nothing while they slow the first down (`q=warranty&metadata.user=
    // user-42`, two matches today: 21 days for the ~10 that fill the page). All are waited for, so
    // that no statement outlives the read.
    const parts = expected >= SIDE_BY_SIDE_SHARE * batch.length ? splitInOrder(batch, SEARCH_STATEMENTS_AT_ONCE) : [batch];
    for (const rows of await Promise.all(parts.map((part) => read(part, need)))) out.push(...rows.slice(0, take - out.length));
    i += batch.length;
    for (const { day } of batch) covered += Math.max(0, Math.min(DAY_MS, now - day.getTime()));
    const left = take - out.length;
    if (left <= 0) break;
    // Days the rate so far says would fill the rest, with a margin of the rate's own uncertainty (one
    // standard deviation of a count of k matches, 1/sqrt(k)): twice as many days after one match or
    // none, 10% more after a hundred. Before any match, as if one had been found: the few hours of
    // today alone do not say that a month is needed (a rare metadata value with a common word, ~5 ms
    // a day at 333k logs: 30 days read where ~10 filled the page).
    const found = Math.max(out.length, 1);
    expected = (left * Math.max(covered, 60_000)) / (found * DAY_MS);
    n = Math.min(SEARCH_DAYS_PER_STATEMENT, Math.max(2 * batch.length, Math.ceil((1 + 1 / Math.sqrt(found)) * expected)));
  }
  return out;
}

/** Whether rows are in time order (ascending or descending; equal times either way). */
function inTimeOrder(rows: { createdAt: Date | string }[], asc: boolean): boolean {
  for (let i = 1; i < rows.length; i++) {
    const a = new Date(rows[i - 1]!.createdAt).getTime();
    const b = new Date(rows[i]!.createdAt).getTime();
    if (asc ? b < a : b > a) return false;
  }
  return true;
}

/**
 * PostgreSQL: a page with `q` sorted by cost or latency. One read finds the search's newest
 * SEARCH_CANDIDATES + 1 matches in time order (searchByDay, narrow columns: id, time, cost,
 * latency), and it serves both outcomes:
 * - more than SEARCH_CANDIDATES: SearchTooBroadError, whatever the cursor, with the window of the
 *   newest of them (newestWindowError). Before, the matches were read in no order to count them,
 *   then again in time order for the window: 99-228 ms at 10M logs (82 and 39-44 now, docs/PERFORMANCE.md).
 * - all of them: the page among them, ordered by the database (pageOfMatches), then those logs'
 *   rows by day (readCandidatesByDay). This costs ~15 ms more than the one unordered statement did
 *   (1,468 matches over 7 days: two statements and the page's order, where the planner had read the
 *   days with parallel workers).
 */
async function readSearchByValue(db: Db, workspaceId: string, query: LogQuery, tuning: ListTuning): Promise<LogListRow[]> {
  const bound = tuning.searchCandidates ?? SEARCH_CANDIDATES;
  const newest: LogQuery = { ...query, sort: { field: "created_at", direction: "desc" }, cursor: null };
  const matches = await searchMatches(db, searchScope("postgresql", workspaceId, newest, null, tuning), bound + 1);
  if (matches.length > bound) throw newestWindowError(query, matches, bound);
  if (matches.length === 0) return [];
  const page = await pageOfMatches(db, query, matches);
  return page.length === 0 ? [] : readCandidatesByDay(db, workspaceId, query, page);
}

/**
 * The matches on the page sorted by cost or latency, after the cursor: ordered by the database
 * among the matches alone (their id, cost and latency as one JSON parameter), never by the logs'
 * table, so that ties (every failed request's cost is unknown) are ordered by id in the database's
 * own collation, as the cursor is: 4.6 ms for 1,468 matches at 10M logs, the round trip included.
 */
async function pageOfMatches(db: Db, query: LogQuery, matches: Match[]): Promise<Required<Candidate>[]> {
  const byId = new Map(matches.map((m) => [m.id, m]));
  const json = JSON.stringify(matches.map((m) => ({ id: m.id, cost: m.cost, latencyMs: m.latencyMs })));
  const after = afterValue(query, "c");
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT c."id" FROM json_to_recordset(CAST(${json} AS json)) AS c("id" text, "cost" double precision, "latencyMs" integer)
    ${after ? sql`WHERE ${after}` : PrismaRuntime.empty} ORDER BY ${valueOrder(query.sort, "c")} LIMIT ${query.limit + 1}`;
  return rows.map(({ id }) => ({ id, at: byId.get(id)!.at }));
}

/**
 * The refusal of a search sorted by cost or latency with more than `bound` matches, from its newest
 * bound + 1 matches, newest first, with the window that holds its newest `bound` or fewer: it starts
 * just after the oldest of them, and ends where the query does, else just after the newest match
 * (logs written since, with earlier times, may still join).
 */
function newestWindowError(query: LogQuery, newestFirst: Pick<Match, "at">[], bound: number): SearchTooBroadError {
  const first = newestFirst[0];
  const past = newestFirst[bound];
  if (!first || !past) return new SearchTooBroadError(null, bound);
  const to = query.filters.to ?? new Date(first.at.getTime() + 1);
  return new SearchTooBroadError({ from: new Date(past.at.getTime() + 1), to }, bound);
}

const DAY_MS = 86_400_000;
const utcDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** The cost of each of the newest `take` logs that `filters` (with `q`) match: what a count of a search reads (log-totals.ts). */
export async function searchMatchCosts(db: Db, workspaceId: string, filters: LogFilters, take: number): Promise<(number | null)[]> {
  const query: LogQuery = { filters, sort: { field: "created_at", direction: "desc" }, limit: take, cursor: null };
  return (await searchMatches(db, searchScope(dialectOf(db), workspaceId, query, null), take)).map((m) => m.cost);
}

/**
 * A page sorted by time with `q`: one page and one row of matches after the cursor, read from the
 * full-text index with every other filter in the same statement. PostgreSQL: the search's
 * statements return the page's rows themselves; SQLite: the matches, then their rows by primary key.
 */
async function readBySearch(db: Db, workspaceId: string, query: LogQuery, tuning: ListTuning): Promise<LogListRow[]> {
  const { sort, cursor } = query;
  const dialect = dialectOf(db);
  const after = cursor ? { at: cursorValue(cursor) as Date, id: cursor.id } : null;
  const scope = searchScope(dialect, workspaceId, query, after, tuning);
  if (dialect === "postgresql")
    return searchByDay<LogListRow>(db, scope, parseSearchTerms(query.filters.q!), LIST_COLUMNS, query.limit + 1);
  const matches = await searchMatches(db, scope, query.limit + 1);
  if (matches.length === 0) return [];
  return db.requestLog.findMany({
    where: { AND: [{ id: { in: matches.map((m) => m.id) } }, ...timeRange(matches)] },
    orderBy: [{ createdAt: sort.direction }, { id: sort.direction }],
    select: LIST_SELECT,
  });
}

/** A bounded superset of the page's ids, or null when the filters need no narrowing (see the top of the file). */
async function candidateIds(
  db: Db,
  workspaceId: string,
  query: LogQuery,
  dialect: Dialect,
  tuning: ListTuning,
): Promise<Candidate[] | null> {
  const { filters, sort, cursor } = query;
  if (filters.q !== undefined) {
    // Sorted by cost or latency (SQLite; PostgreSQL: readSearchByValue): all the matches, then the page among them in that order.
    const scope = searchScope(dialect, workspaceId, query, null, tuning);
    const bound = tuning.searchCandidates ?? SEARCH_CANDIDATES;
    const matches = await searchMatches(db, scope, bound + 1);
    // A search sorted by value reads its matches newest first (searchScope): the window is theirs.
    if (matches.length > bound) throw newestWindowError(query, matches, bound);
    return matches;
  }
  if (filters.metadata) {
    let smallest: Candidate[] | null = null;
    for (const [key, value] of Object.entries(filters.metadata)) {
      // The ids are read only for a rare value (on PostgreSQL with their log's time).
      const count = await countMatches(db, workspaceId, key, value);
      if (count === 0) return [];
      if (count > METADATA_CANDIDATES || (smallest !== null && count >= smallest.length)) continue;
      const found = await db.requestLogMetadata.findMany({
        where: { workspaceId, key, value },
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
