/**
 * The request-log writer's database path: the same rows as `insertLogBatch` (lib/store/logs.ts),
 * written with the database drivers directly. Prisma's per-query compile costs ~0.7 ms of CPU per
 * log row, and on SQLite its synchronous driver held the event loop for a whole 200-row batch
 * (bench/log-write-cost.ts). Here: prepared statements, INSERT ... ON CONFLICT DO NOTHING by id
 * (exactly once across retries), and on SQLite transactions of at most 200 logs (50 with the
 * event loop turning between them, when the sink runs on the serving thread). The app runs it on
 * its own thread (lib/store/log-sink-thread.ts). A log's response-affinity rows go in with it, ON CONFLICT
 * (workspaceId, id) DO NOTHING: the first write of a response or conversation id wins. The spend
 * the budgets charged (`record.spend`) is added to SpendDaily in the same transaction, for the logs
 * actually inserted only, so the persisted spend counts each request exactly once; so are the
 * analytics rollups of those logs (lib/store/rollups.ts: deltas sorted by key, so concurrent
 * writers lock rollup rows in one order). On SQLite a log's full-text index entry goes in with it
 * (lib/store/log-search-index.ts). The spill replay writes through this sink too.
 */
import type Database from "better-sqlite3";
import type pg from "pg";
import type { DatabaseTarget } from "../db";
import { loadPgDriver, loadSqliteDriver, PG_SESSION_OPTIONS } from "../db/drivers";
import type { LogRecord } from "../logs/types";
import { dedupeAffinity, dedupeById, rollupDeltas, toAffinityRows, toAttemptRows, toLogRow, toMetadataRows, toSpendRows } from "./log-rows";
import { SQLITE_INDEX_LOG_SQL } from "./log-search-index";
import { threadedLogSink } from "./log-sink-thread";
import { rollupUpserterSqlite, upsertRollupsPg } from "./rollup-sql";

type LogRow = ReturnType<typeof toLogRow>;
type AttemptRow = ReturnType<typeof toAttemptRows>[number] & { id: string };
type MetadataRow = ReturnType<typeof toMetadataRows>[number];
type AffinityRow = ReturnType<typeof toAffinityRows>[number];

const LOG_COLUMNS = [
  "id",
  "workspaceId",
  "createdAt",
  "traceId",
  "metadata",
  "apiKeyId",
  "configSlug",
  "configVersion",
  "configFromKey",
  "method",
  "path",
  "modelRequested",
  "stream",
  "status",
  "errorType",
  "provider",
  "model",
  "virtualKeySlug",
  "virtualKeyVersion",
  "promptTokens",
  "completionTokens",
  "totalTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "reasoningTokens",
  "responseId",
  "cost",
  "costSaved",
  "usageEstimated",
  "latencyMs",
  "overheadMs",
  "retryCount",
  "cacheStatus",
  "fallbackUsed",
  "requestBody",
  "requestBodyTruncated",
  "responseBody",
  "responseBodyTruncated",
  "requestHeaders",
  "responseHeaders",
  "searchText",
] as const satisfies readonly (keyof LogRow)[];
const ATTEMPT_COLUMNS = [
  "id",
  "logId",
  "workspaceId",
  "logCreatedAt",
  "index",
  "targetPath",
  "provider",
  "virtualKeySlug",
  "virtualKeyVersion",
  "model",
  "status",
  "errorClass",
  "errorMessage",
  "latencyMs",
  "retry",
  "startedAt",
] as const satisfies readonly (keyof AttemptRow)[];
const METADATA_COLUMNS = ["logId", "workspaceId", "logCreatedAt", "key", "value"] as const satisfies readonly (keyof MetadataRow)[];
const AFFINITY_COLUMNS = [
  "workspaceId",
  "id",
  "kind",
  "provider",
  "virtualKeyId",
  "virtualKeySlug",
  "virtualKeyVersion",
  "deployment",
  "upstream",
  "credential",
  "configSlug",
  "targetPath",
  "createdAt",
] as const satisfies readonly (keyof AffinityRow)[];

const SPEND_UPSERT_SQL = (placeholders: string) =>
  `INSERT INTO "SpendDaily" ("scope", "subjectId", "day", "workspaceId", "costUsd", "requests") VALUES ${placeholders}
   ON CONFLICT ("scope", "subjectId", "day") DO UPDATE SET "costUsd" = "SpendDaily"."costUsd" + excluded."costUsd", "requests" = "SpendDaily"."requests" + excluded."requests"`;

/** Logs per SQLite transaction on the event loop: short, so requests run between them. */
const SQLITE_CHUNK = 50;
/** On the sink's own thread nothing waits between transactions, and fewer, larger ones cost less per log. */
export const THREAD_SQLITE_CHUNK = 200;

export type LogBatchWrite = (batch: readonly LogRecord[]) => Promise<void>;
export type LogSink = { write: LogBatchWrite; close(): Promise<void> };

function attemptRows(record: LogRecord): AttemptRow[] {
  // Deterministic ids: a retried batch collides with what it already wrote instead of duplicating.
  return toAttemptRows(record).map((a) => ({ ...a, id: `${a.logId}:${a.index}` }));
}

const quoted = (cols: readonly string[]) => cols.map((c) => `"${c}"`).join(", ");

/**
 * The app's sink: on its own thread (lib/store/log-sink-thread.ts; `workerFile`: a bundled worker
 * script instead of the sources), unless `thread: false` (the sink's own thread runs it in process;
 * so can a test that needs to).
 */
export function createLogSink(target: DatabaseTarget, options: { thread?: boolean; workerFile?: string } = {}): LogSink {
  return (options.thread ?? true) ? threadedLogSink(target, { workerFile: options.workerFile }) : inThreadLogSink(target);
}

/** The sink on the calling thread. */
export function inThreadLogSink(target: DatabaseTarget, options: { sqliteChunk?: number } = {}): LogSink {
  return target.kind === "sqlite" ? sqliteSink(target.file, options.sqliteChunk ?? SQLITE_CHUNK) : postgresSink(target.url);
}

function sqliteSink(file: string, chunk: number): LogSink {
  let db: Database.Database | null = null;
  let statements: {
    log: Database.Statement;
    attempt: Database.Statement;
    metadata: Database.Statement;
    affinity: Database.Statement;
    insertChunk: (records: LogRecord[]) => void;
  } | null = null;
  // Prisma's SQLite adapter stores DateTime as ISO text with "+00:00" and booleans as 0/1.
  const value = (v: unknown) => (v instanceof Date ? v.toISOString().replace("Z", "+00:00") : typeof v === "boolean" ? (v ? 1 : 0) : v);
  const open = async () => {
    if (statements) return statements;
    const Sqlite = await loadSqliteDriver();
    if (statements) return statements;
    db = new Sqlite(file, { timeout: 5_000 });
    db.pragma("journal_mode = WAL");
    const insert = (table: string, cols: readonly string[]) =>
      db!.prepare(`INSERT INTO "${table}" (${quoted(cols)}) VALUES (${cols.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`);
    const log = insert("RequestLog", LOG_COLUMNS);
    const attempt = insert("RequestAttempt", ATTEMPT_COLUMNS);
    const metadata = insert("RequestLogMetadata", METADATA_COLUMNS);
    const affinity = insert("ResponseAffinity", AFFINITY_COLUMNS);
    const searchIndex = db.prepare(SQLITE_INDEX_LOG_SQL);
    const spend = db.prepare(SPEND_UPSERT_SQL("(?, ?, ?, ?, ?, ?)"));
    const upsertRollups = rollupUpserterSqlite(db);
    const insertChunk = db.transaction((records: LogRecord[]) => {
      const fresh: LogRecord[] = [];
      for (const r of records) {
        const row = toLogRow(r);
        const inserted = log.run(LOG_COLUMNS.map((c) => value(row[c])));
        if (inserted.changes === 0) continue; // already written
        fresh.push(r);
        if (row.searchText != null) searchIndex.run(inserted.lastInsertRowid, row.searchText);
        for (const a of attemptRows(r)) attempt.run(ATTEMPT_COLUMNS.map((c) => value(a[c])));
        for (const m of toMetadataRows(r)) metadata.run(METADATA_COLUMNS.map((c) => value(m[c])));
        for (const a of toAffinityRows(r)) affinity.run(AFFINITY_COLUMNS.map((c) => value(a[c])));
      }
      for (const s of toSpendRows(fresh)) spend.run(s.scope, s.subjectId, s.day, s.workspaceId, s.costUsd, s.requests);
      upsertRollups(rollupDeltas(fresh));
    });
    statements = { log, attempt, metadata, affinity, insertChunk };
    return statements;
  };
  return {
    write: async (batch) => {
      const records = dedupeById(batch);
      const { insertChunk } = await open();
      for (let i = 0; i < records.length; i += chunk) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve)); // let requests run between chunks
        insertChunk(records.slice(i, i + chunk));
      }
    },
    close: async () => {
      (db as Database.Database | null)?.close();
      db = null;
      statements = null;
    },
  };
}

// A database that is blackholed (no RST) must still fail a write in bounded time, so the writer
// backs off and spills: bounded connect, client-side query timeout, TCP keep-alive.
const PG_POOL = { max: 2, connectionTimeoutMillis: 5_000, query_timeout: 15_000, keepAlive: true, idleTimeoutMillis: 30_000 } as const;

function postgresSink(url: string): LogSink {
  // The pool (and the driver) comes with the first write.
  let pooled: Promise<pg.Pool> | null = null;
  const pool = () =>
    (pooled ??= loadPgDriver().then((driver) => {
      const p = new driver.Pool({ connectionString: url, options: PG_SESSION_OPTIONS, ...PG_POOL });
      p.on("error", () => undefined); // an idle client's error surfaces on the next query instead
      return p;
    }));
  // One parameter per table and batch: the rows as a JSON array, typed by the table's own row type
  // (json_populate_recordset). A VALUES list with a parameter per cell costs PostgreSQL more to
  // parse and bind, and a batch of 2000 logs would pass its 65,535-parameter limit.
  const insert = async (
    client: pg.PoolClient,
    table: string,
    cols: readonly string[],
    rows: readonly Record<string, unknown>[],
    conflict: string,
  ) => {
    if (rows.length === 0) return [];
    const res = await client.query<{ id?: string }>(
      `INSERT INTO "${table}" (${quoted(cols)}) SELECT ${quoted(cols)} FROM json_populate_recordset(NULL::"${table}", $1::json)
       ON CONFLICT ${conflict} DO NOTHING${table === "RequestLog" ? ' RETURNING "id"' : ""}`,
      [JSON.stringify(rows, cols as string[])],
    );
    return res.rows;
  };
  return {
    write: async (batch) => {
      const records = dedupeById(batch);
      if (records.length === 0) return;
      const client = await (await pool()).connect();
      try {
        await client.query("BEGIN");
        // The unique keys of the partitioned tables hold their partition key (0011_log_retention.sql).
        const written = new Set(
          (await insert(client, "RequestLog", LOG_COLUMNS, records.map(toLogRow), '("id", "createdAt")')).map((r) => r.id),
        );
        const fresh = records.filter((r) => written.has(r.id));
        await insert(client, "RequestAttempt", ATTEMPT_COLUMNS, fresh.flatMap(attemptRows), '("id", "logCreatedAt")');
        await insert(client, "RequestLogMetadata", METADATA_COLUMNS, fresh.flatMap(toMetadataRows), '("logId", "key", "logCreatedAt")');
        await insert(client, "ResponseAffinity", AFFINITY_COLUMNS, dedupeAffinity(fresh.flatMap(toAffinityRows)), '("workspaceId", "id")');
        const spend = toSpendRows(fresh);
        if (spend.length) {
          const params: unknown[] = [];
          const tuples = spend.map(
            (s) => `(${[s.scope, s.subjectId, s.day, s.workspaceId, s.costUsd, s.requests].map((v) => `$${params.push(v)}`).join(", ")})`,
          );
          await client.query(SPEND_UPSERT_SQL(tuples.join(", ")), params);
        }
        await upsertRollupsPg(client, rollupDeltas(fresh));
        await client.query("COMMIT");
      } catch (err) {
        // Discard the connection (the server rolls the transaction back): after a timeout or a
        // reset, a ROLLBACK on it could wait as long again, and the client must not be reused.
        client.release(err instanceof Error ? err : true);
        throw err;
      }
      client.release();
    },
    close: async () => {
      if (pooled) await (await pooled).end();
    },
  };
}
