/**
 * Seeds realistic request logs and times the log queries of `GET /v1/logs` (never part of the test suite).
 *
 *   npx tsx scripts/seed-logs.ts --rows 100000                      # seed ./data (or DATABASE_URL)
 *   npx tsx scripts/seed-logs.ts --rows 100000 --database-url postgresql://postgres@127.0.0.1:5432/x
 *   npx tsx scripts/seed-logs.ts --measure [--runs 15] [--explain]   # time each query shape
 *   npx tsx scripts/seed-logs.ts --measure --only 'sort -cost'       # only the shapes whose name matches
 *   npx tsx scripts/seed-logs.ts --rows 10000 --measure               # both, in that order
 *
 * The database is the app's (DATABASE_URL, else DETOUR_DATA_DIR or ./data/detour.db; --database-url
 * overrides both); it is migrated first, and rows go to the default workspace (--workspace SLUG for
 * another, created when missing). Rows are spread over the last --days (30) days: a mix of
 * providers, models (some without a price: cost null), statuses (2xx/4xx/5xx), fallbacks with
 * 2-3 attempts, metadata (env, team, user) and small bodies. Batches are written with the database
 * driver in one transaction each (100k rows in seconds; on PostgreSQL one INSERT ... SELECT FROM
 * json_populate_recordset per table and batch), together with their analytics rollups (the
 * writer's fold and upsert, lib/logs/rollup.ts and lib/store/rollups.ts), so the rollups match what
 * was seeded; --prisma writes them through Prisma's insertLogBatch instead (lib/store/logs.ts,
 * about 1 ms a row). The running app's log writer uses neither: it writes through
 * lib/store/log-sink.ts. 10M rows over 30 days: `--rows 10000000 --batch 5000`.
 *
 * --measure runs each main query shape through lib/store/log-query.ts (the code behind the API)
 * --runs times after a warm-up and prints the median and p90 in ms as a Markdown table;
 * --explain also prints each shape's query plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on
 * PostgreSQL) for the SQL Prisma generated.
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "../lib/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "../lib/generated/postgresql/client";
import { azureOpenAiInfo, openAiInfo } from "../lib/gateway/providers/catalog";
import type { Db, DatabaseTarget } from "../lib/db";
import { describeDatabase } from "../lib/db";
import { PG_SESSION_OPTIONS } from "../lib/db/drivers";
import { migrate } from "../lib/db/migrate";
import { parseEnv } from "../lib/env";
import { cost as costOf } from "../lib/logs/cost";
import { parseLogQuery, type LogCursor, type LogQuery } from "../lib/logs/query";
import { logSearchText } from "../lib/logs/search-text";
import { newLogId, type AttemptRecordRow, type LogRecord } from "../lib/logs/types";
import { ensureLogPartitions } from "../lib/store/log-partitions";
import { listLogs, SearchTooBroadError } from "../lib/store/log-query";
import { insertLogBatch, rollupDeltas, toAttemptRows, toMetadataRows } from "../lib/store/logs";
import { SQLITE_INDEX_LOG_SQL } from "../lib/store/log-search-index";
import { rollupUpserterSqlite, upsertRollupsPg } from "../lib/store/rollups";
import { ensureDefaultWorkspace } from "../lib/store/workspaces";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "0" },
    "database-url": { type: "string" },
    workspace: { type: "string" },
    days: { type: "string", default: "30" },
    batch: { type: "string", default: "1000" },
    measure: { type: "boolean", default: false },
    runs: { type: "string", default: "15" },
    explain: { type: "boolean", default: false },
    only: { type: "string" },
    prisma: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(
    "usage: npx tsx scripts/seed-logs.ts [--rows N] [--database-url URL] [--workspace SLUG] [--days 30] [--batch 1000] [--prisma] [--measure [--runs 15] [--explain] [--only REGEX]]",
  );
  process.exit(0);
}

function int(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number >= ${min} (got ${JSON.stringify(value)})`);
    process.exit(2);
  }
  return n;
}

const ROWS = int("rows", args.rows, 0);
const DAYS = int("days", args.days, 1);
const BATCH = int("batch", args.batch, 1);
const RUNS = int("runs", args.runs, 1);

// ---------------------------------------------------------------------------------------------
// Realistic rows

const rand = () => Math.random();
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
function weighted<T>(items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

const MODELS = [
  ["gpt-4o", 30],
  ["gpt-4o-mini", 35],
  ["gpt-4.1", 10],
  ["gpt-4.1-mini", 10],
  ["text-embedding-3-small", 8],
  ["ft:gpt-4o-mini:acme:support:abc123", 4], // not in the price table: cost null
  ["llama-3-70b-internal", 3], // idem
] as const;
const STATUSES = [
  [200, 880],
  [400, 15],
  [401, 5],
  [404, 3],
  [429, 37],
  [500, 15],
  [502, 10],
  [503, 25],
  [504, 10],
] as const;
const TEAMS = ["search", "support", "billing", "growth", "infra", "mobile", "web", "data"];
const ENVS = [
  ["prod", 70],
  ["staging", 20],
  ["dev", 10],
] as const;
const CONFIGS = ["pc-openai-3f2a1c", "pc-azure-9b8e7d", "pc-fallba-1a2b3c", "pc-loadba-4d5e6f", "pc-cheap-7a8b9c"];
const VKS = [
  ["openai-prod-a1b2c3", openAiInfo.id],
  ["openai-batch-d4e5f6", openAiInfo.id],
  ["openai-dev-0a0b0c", openAiInfo.id],
  ["azure-eastus-112233", azureOpenAiInfo.id],
  ["azure-westeu-445566", azureOpenAiInfo.id],
  ["azure-dev-778899", azureOpenAiInfo.id],
] as const;

// Prompts and answers from a small vocabulary, so that `q` meets words of every frequency: "the"
// in nearly every log, a topic's words in about 1 in 40, an order number in about one.
const TOPICS = [
  "refund policy",
  "shipping delay",
  "password reset",
  "invoice copy",
  "account deletion",
  "billing address",
  "delivery window",
  "damaged parcel",
  "gift card",
  "subscription upgrade",
  "subscription cancel",
  "price match",
  "warranty claim",
  "return label",
  "store hours",
  "loyalty points",
  "payment failed",
  "two factor login",
  "email change",
  "order tracking",
  "bulk discount",
  "tax exemption",
  "size exchange",
  "missing item",
  "late payment fee",
  "student discount",
  "api quota",
  "data export",
  "privacy request",
  "wholesale pricing",
  "installation guide",
  "battery replacement",
  "firmware update",
  "screen repair",
  "coupon code",
  "pickup point",
  "currency conversion",
  "customs duty",
  "express shipping",
  "carbon offset",
] as const;
const OPENERS = ["Can you explain the", "I have a question about the", "Summarize the", "Write a reply about the", "What is the"];
const ANSWERS = [
  "Thanks for reaching out. Here is what the policy says about",
  "Sure. The short answer about",
  "I checked the account. Regarding",
  "Happy to help with",
];
/** The seeded workspace's API keys, set before seeding: each log names one (one in ten none). */
let seedApiKeyIds: string[] = [];

function makeRecord(workspaceId: string, createdAt: Date, traceId: string): LogRecord {
  const model = weighted(MODELS);
  const embeddings = model.startsWith("text-embedding");
  const status = weighted(STATUSES);
  const fallbackUsed = rand() < 0.08;
  const retryCount = status === 429 || rand() < 0.05 ? 1 + Math.floor(rand() * 2) : 0;
  const [vk, provider] = pick(VKS);
  const ok = status < 400;
  const promptTokens = ok ? 20 + Math.floor(rand() * 4000) : null;
  const completionTokens = ok ? (embeddings ? 0 : 5 + Math.floor(rand() * 1500)) : null;
  const cost = ok ? costOf(provider, model, { promptTokens, completionTokens }) : null;
  const latencyMs = Math.round(embeddings ? 40 + rand() * 200 : 150 + -Math.log(1 - rand()) * 1200);
  const metadata = rand() < 0.7 ? { env: weighted(ENVS), team: pick(TEAMS), user: `user-${Math.floor(rand() * 1000)}` } : null;
  const configSlug = rand() < 0.6 ? pick(CONFIGS) : null;
  const stream = !embeddings && rand() < 0.3;
  const path = embeddings ? "/v1/embeddings" : "/v1/chat/completions";
  const attempts: AttemptRecordRow[] = [];
  const nAttempts = (fallbackUsed ? 2 + (rand() < 0.2 ? 1 : 0) : 1) + retryCount;
  let t = createdAt.getTime();
  for (let index = 0; index < nAttempts; index++) {
    const last = index === nAttempts - 1;
    const failed = !last || !ok;
    const aLatency = Math.round(last ? latencyMs * 0.6 : 50 + rand() * 800);
    attempts.push({
      index,
      targetPath: configSlug ? `config.targets[${fallbackUsed ? Math.min(index, 2) : 0}]` : "virtual_key",
      provider,
      virtualKeySlug: vk,
      virtualKeyVersion: 1,
      model,
      status: failed
        ? last
          ? status
          : weighted([
              [503, 3],
              [429, 2],
              [null, 1],
            ] as const)
        : status,
      errorClass: failed
        ? last
          ? status >= 500
            ? "upstream_5xx"
            : "upstream_4xx"
          : pick(["upstream_5xx", "timeout", "network", "rate_limited"])
        : null,
      errorMessage: failed ? "upstream answered with an error" : null,
      latencyMs: aLatency,
      retry: index,
      startedAt: new Date(t),
    });
    t += aLatency;
  }
  const topic = pick(TOPICS);
  const prompt = `${pick(OPENERS)} ${topic} for order ${1_000_000 + Math.floor(rand() * 9_000_000)}?`;
  const requestBody = JSON.stringify(
    embeddings
      ? { model, input: `The ${topic}` }
      : {
          model,
          messages: [
            { role: "system", content: "You are a helpful support agent." },
            { role: "user", content: prompt },
          ],
          stream,
        },
  );
  const responseBody = ok
    ? JSON.stringify(
        embeddings
          ? { object: "list", data: [{ index: 0, embedding: "[1536 floats]" }] }
          : {
              id: `chatcmpl-${randomBytes(6).toString("hex")}`,
              choices: [{ message: { role: "assistant", content: `${pick(ANSWERS)} the ${topic}: it depends on the plan.` } }],
            },
      )
    : JSON.stringify({ error: { message: "upstream error", type: "server_error" } });
  return {
    id: newLogId(createdAt),
    workspaceId,
    createdAt,
    traceId,
    metadata,
    apiKeyId: seedApiKeyIds.length && rand() < 0.9 ? pick(seedApiKeyIds) : null,
    configSlug,
    configVersion: configSlug ? 1 + Math.floor(rand() * 3) : null,
    configFromKey: false,
    method: "POST",
    path,
    modelRequested: model,
    stream,
    status,
    errorType: null,
    provider,
    model,
    virtualKeySlug: vk,
    virtualKeyVersion: 1,
    promptTokens,
    completionTokens,
    totalTokens: promptTokens === null ? null : promptTokens + completionTokens!,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    responseId: null,
    cost,
    usageEstimated: false,
    latencyMs,
    overheadMs: Math.round((0.5 + rand() * 4) * 100) / 100,
    retryCount,
    cacheStatus: "DISABLED",
    fallbackUsed,
    requestBody,
    requestBodyTruncated: false,
    responseBody,
    responseBodyTruncated: false,
    requestHeaders: JSON.stringify({ "content-type": "application/json", "x-portkey-api-key": "[redacted]" }),
    responseHeaders: JSON.stringify({ "content-type": "application/json" }),
    attempts,
    affinity: [],
  };
}

/** Writes a batch with the driver: the LogRecord's fields are the table's columns (lib/logs/types.ts). */
type BatchWriter = { write(records: LogRecord[]): Promise<void>; close(): Promise<void> };

function tableRows(records: LogRecord[]) {
  const logs = records.map(({ attempts: _a, affinity: _f, metadata, ...log }) => ({
    ...log,
    metadata: metadata === null ? null : JSON.stringify(metadata),
    searchText: logSearchText(log), // as the writer stores it (lib/store/logs.ts toLogRow)
  }));
  // The rows the app's writer stores (lib/store/logs.ts): attempts and metadata carry their log's workspace and time.
  const attempts = records.flatMap((r) => toAttemptRows(r).map((a) => ({ id: `att_${randomBytes(10).toString("hex")}`, ...a })));
  const metadata = records.flatMap(toMetadataRows);
  return { RequestLog: logs, RequestAttempt: attempts, RequestLogMetadata: metadata } as Record<string, Record<string, unknown>[]>;
}

async function driverWriter(target: DatabaseTarget): Promise<BatchWriter> {
  if (target.kind === "sqlite") {
    const conn = new Database(target.file);
    conn.pragma("busy_timeout = 10000");
    const statements = new Map<string, Database.Statement>();
    const upsertRollups = rollupUpserterSqlite(conn);
    const searchIndex = conn.prepare(SQLITE_INDEX_LOG_SQL);
    // Same encoding as Prisma's SQLite adapter: ISO time with +00:00, booleans as 0/1.
    const value = (v: unknown) => (v instanceof Date ? v.toISOString().replace("Z", "+00:00") : typeof v === "boolean" ? (v ? 1 : 0) : v);
    const insertAll = conn.transaction((tables: Record<string, Record<string, unknown>[]>, records: LogRecord[]) => {
      for (const [table, rows] of Object.entries(tables)) {
        for (const row of rows) {
          const cols = Object.keys(row);
          const key = `${table}:${cols.join(",")}`;
          let stmt = statements.get(key);
          if (!stmt) {
            stmt = conn.prepare(
              `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
            );
            statements.set(key, stmt);
          }
          const { lastInsertRowid } = stmt.run(...cols.map((c) => value(row[c])));
          // Its full-text entry, as the log sink adds it (lib/store/log-search-index.ts): no trigger does since 0018.
          if (table === "RequestLog" && row.searchText != null) searchIndex.run(lastInsertRowid, row.searchText);
        }
      }
      upsertRollups(rollupDeltas(records));
    });
    return { write: async (records) => void insertAll(tableRows(records), records), close: async () => void conn.close() };
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  const columns = new Map<string, string>();
  const storedColumns = async (table: string) => {
    if (!columns.has(table)) {
      const { rows } = await client.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
        [`"${table}"`],
      );
      columns.set(table, rows.map((r) => `"${r.name}"`).join(", "));
    }
    return columns.get(table)!;
  };
  return {
    write: async (records) => {
      await client.query("BEGIN");
      for (const [table, rows] of Object.entries(tableRows(records))) {
        // One statement per table: the rows as JSON, typed by the table's own row type. The
        // columns named: a generated column (RequestLog's "searchVector") takes no value.
        if (rows.length) {
          const cols = await storedColumns(table);
          await client.query(`INSERT INTO "${table}" (${cols}) SELECT ${cols} FROM json_populate_recordset(null::"${table}", $1::json)`, [
            JSON.stringify(rows),
          ]);
        }
      }
      await upsertRollupsPg(client, rollupDeltas(records));
      await client.query("COMMIT");
    },
    close: () => client.end(),
  };
}

/** The workspace's seed API keys ("seed key 1".."seed key 6"), created once. */
async function ensureSeedApiKeys(db: Db, workspaceId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= 6; i++) {
    const name = `seed key ${i}`;
    const found = await db.apiKey.findFirst({ where: { workspaceId, name }, select: { id: true } });
    const hash = randomBytes(32).toString("hex");
    ids.push(
      found?.id ??
        (await db.apiKey.create({ data: { workspaceId, name, prefix: `dtr_seed${i}0`, hash, scope: "gateway" }, select: { id: true } })).id,
    );
  }
  return ids;
}

async function seed(db: Db, target: DatabaseTarget, workspaceId: string): Promise<void> {
  seedApiKeyIds = await ensureSeedApiKeys(db, workspaceId);
  const writer: BatchWriter = args.prisma
    ? { write: (records) => insertLogBatch(db, records), close: async () => undefined }
    : await driverWriter(target);
  const now = Date.now();
  const span = DAYS * 24 * 3600 * 1000;
  // Sorted times, so ids (time-ordered, monotonic per process) follow created_at like the gateway's.
  const times = Array.from({ length: ROWS }, () => now - Math.floor(rand() * span)).sort((a, b) => a - b);
  const started = performance.now();
  let trace = randomUUID();
  let traceLeft = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let offset = 0; offset < ROWS; offset += BATCH) {
    const batch: LogRecord[] = [];
    for (let i = offset; i < Math.min(ROWS, offset + BATCH); i++) {
      if (traceLeft-- <= 0) {
        trace = randomUUID();
        traceLeft = Math.floor(rand() * 3); // 1 to 3 requests per trace
      }
      batch.push(makeRecord(workspaceId, new Date(times[i]!), trace));
    }
    // The next batch is built while this one is written (PostgreSQL works in its own process).
    await inFlight;
    inFlight = writer.write(batch).then(() => process.stderr.write(`\rseeded ${Math.min(ROWS, offset + BATCH)}/${ROWS}`));
  }
  await inFlight;
  await writer.close();
  process.stderr.write(`\nseeded ${ROWS} logs in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

// ---------------------------------------------------------------------------------------------
// Timing

type Shape = { name: string; query: string; cursorAt?: number };

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

/** A search too broad to sort by cost or latency is answered (a 400), and timed as such. */
function tooBroadIsAnAnswer(err: unknown): null {
  if (err instanceof SearchTooBroadError) return null;
  throw err;
}

async function measure(db: Db, target: DatabaseTarget, workspaceId: string, queries: CapturedQuery[]): Promise<void> {
  const total = await db.requestLog.count({ where: { workspaceId } });
  const sample = await db.requestLog.findFirst({
    where: { workspaceId },
    orderBy: { createdAt: "desc" },
    skip: Math.floor(total / 2),
    select: { traceId: true, searchText: true },
  });
  const keys = await ensureSeedApiKeys(db, workspaceId);
  const orderNo = /order (\d+)/.exec(sample?.searchText ?? "")?.[1] ?? "1234567";
  const shapes: Shape[] = [
    { name: "no filter (newest first)", query: "" },
    { name: "trace_id", query: `trace_id=${sample?.traceId ?? "none"}` },
    { name: "status=5xx", query: "status=5xx" },
    { name: "status=503", query: "status=503" },
    { name: "fallback=true", query: "fallback=true" },
    { name: "provider + model", query: `provider=${azureOpenAiInfo.id}&model=gpt-4o` },
    { name: "config", query: `config=${CONFIGS[2]}` },
    { name: "cost range, sort -cost", query: "cost_min=0.001&cost_max=0.01&sort=-cost" },
    { name: "sort -cost (nulls last)", query: "sort=-cost" },
    { name: "sort -latency_ms", query: "sort=-latency_ms" },
    { name: "metadata.team=billing", query: "metadata.team=billing" },
    { name: "metadata.user=user-42 (rare)", query: "metadata.user=user-42" },
    { name: "last 24 h", query: `from=${daysAgo(1)}` },
    { name: "trace_id prefix (8 chars)", query: `trace_id=${(sample?.traceId ?? "none").slice(0, 8)}*` },
    { name: "trace_id prefix (4 chars)", query: `trace_id=${(sample?.traceId ?? "none").slice(0, 4)}*` },
    { name: "api_key", query: `api_key=${keys[2]}` },
    { name: "api_key + status=5xx", query: `api_key=${keys[2]}&status=5xx` },
    { name: "q common word", query: "q=the" },
    { name: "q topic (1 in 40)", query: "q=warranty" },
    { name: "q phrase", query: `q=${encodeURIComponent('"battery replacement"')}` },
    { name: "q prefix", query: "q=firmw*" },
    { name: "q rare (one order number)", query: `q=${orderNo}` },
    { name: "q absent word", query: "q=xylophone" },
    { name: "q topic + status=503", query: "q=warranty&status=503" },
    { name: "q topic + status=5xx", query: "q=warranty&status=5xx" },
    { name: "q topic + cost range", query: "q=warranty&cost_min=0.001&cost_max=0.01" },
    { name: "q common word + status=503", query: "q=the&status=503" },
    { name: "q common word + metadata.user=user-42", query: "q=the&metadata.user=user-42" },
    { name: "q topic + metadata.team=billing", query: "q=warranty&metadata.team=billing" },
    { name: "q topic + metadata.user=user-42", query: "q=warranty&metadata.user=user-42" },
    { name: "q rare + metadata.team=billing", query: `q=${orderNo}&metadata.team=billing` },
    { name: "q topic + last 24 h", query: `q=warranty&from=${daysAgo(1)}` },
    { name: "q rare, sort -cost", query: `q=${orderNo}&sort=-cost` },
    { name: "q topic + status=503 last 7 days, sort -cost", query: `q=warranty&status=503&from=${daysAgo(7)}&sort=-cost` },
    { name: "q topic + status=503, sort -cost (refused past 2,000)", query: "q=warranty&status=503&sort=-cost" },
    { name: "q topic, sort -latency_ms (refused past 2,000)", query: "q=warranty&sort=-latency_ms" },
    { name: "deep page (90%) via cursor", query: "", cursorAt: 0.9 },
    { name: "deep page, sort -cost, via cursor", query: "sort=-cost", cursorAt: 0.9 },
  ];
  // Resolve each shape's query (and its deep cursor) first, then warm up the client, the JIT and
  // the database cache on all of them, so that no shape pays for the ones before it.
  const prepared: { shape: Shape; query: LogQuery }[] = [];
  const only = args.only === undefined ? null : new RegExp(args.only);
  for (const shape of shapes.filter((s) => only === null || only.test(s.name))) {
    const parsed = parseLogQuery(new URLSearchParams(shape.query));
    if (!parsed.success) throw new Error(`${shape.name}: ${parsed.error.message}`);
    let query: LogQuery = parsed.data;
    if (shape.cursorAt !== undefined)
      query = { ...query, cursor: await cursorAt(db, workspaceId, query, Math.floor(total * shape.cursorAt)) };
    prepared.push({ shape, query });
  }
  for (let i = 0; i < 5; i++) for (const { query } of prepared) await listLogs(db, workspaceId, query).catch(tooBroadIsAnAnswer);
  console.log(`\n${describeDatabase(target)}: ${total} logs in the workspace, limit 50, ${RUNS} runs each after a warm-up\n`);
  console.log("| query | median ms | p90 ms | rows |");
  console.log("|---|---:|---:|---:|");
  for (const { shape, query } of prepared) {
    const times: number[] = [];
    let rows = 0;
    let refused = false;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const page = await listLogs(db, workspaceId, query).catch(tooBroadIsAnAnswer);
      times.push(performance.now() - t0);
      refused = page === null;
      rows = page?.rows.length ?? 0;
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    console.log(
      `| ${shape.name} \`${shape.query || "-"}\` | ${q(0.5).toFixed(2)} | ${q(0.9).toFixed(2)} | ${refused ? "refused" : rows} |`,
    );
    if (args.explain) {
      queries.length = 0;
      await listLogs(db, workspaceId, query).catch(tooBroadIsAnAnswer);
      for (const captured of queries.filter((c) => /ORDER BY/.test(c.sql))) {
        console.log(
          `\n<details><summary>${shape.name}</summary>\n\n\`\`\`\n${captured.sql}\n-- params ${captured.params}\n${await explain(target, captured)}\n\`\`\`\n</details>\n`,
        );
      }
    }
  }
}

/** A cursor pointing at the row at `offset` in the query's order (found once with OFFSET, outside the timing). */
/** The cursor after the first `offset` logs of the (unfiltered) query's order: one OFFSET read, not a walk through pages. */
async function cursorAt(db: Db, workspaceId: string, query: LogQuery, offset: number): Promise<LogCursor | null> {
  const { sort } = query;
  const field = sort.field === "created_at" ? "createdAt" : sort.field === "cost" ? "cost" : "latencyMs";
  // Sorted by cost, logs without one come last: the offset is taken among those with a cost.
  const where = { workspaceId, ...(field === "cost" ? { cost: { not: null } } : {}) };
  const within = field === "cost" ? Math.min(offset, await db.requestLog.count({ where })) : offset;
  const row = await db.requestLog.findFirst({
    where,
    orderBy: [{ [field]: sort.direction }, { id: sort.direction }],
    skip: Math.max(0, within - 1),
    select: { id: true, createdAt: true, cost: true, latencyMs: true },
  });
  if (!row) return null;
  const value = field === "createdAt" ? row.createdAt.toISOString() : field === "cost" ? row.cost : row.latencyMs;
  return { sort, value, id: row.id };
}

type CapturedQuery = { sql: string; params: string };

async function explain(target: DatabaseTarget, q: CapturedQuery): Promise<string> {
  const params = JSON.parse(q.params) as unknown[];
  if (target.kind === "sqlite") {
    const conn = new Database(target.file, { readonly: true });
    try {
      const plan = conn.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...params.map(sqliteParam)) as {
        id: number;
        parent: number;
        detail: string;
      }[];
      return plan.map((p) => `${p.parent ? "  " : ""}${p.detail}`).join("\n");
    } finally {
      conn.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS OFF) ${q.sql}`, params);
    return res.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
  } finally {
    await client.end();
  }
}

function sqliteParam(p: unknown): unknown {
  if (typeof p === "boolean") return p ? 1 : 0;
  if (typeof p === "string" && /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(p))
    return new Date(p).toISOString().replace("Z", "+00:00");
  return p;
}

// ---------------------------------------------------------------------------------------------

function targetFromArgs(): DatabaseTarget {
  const env = parseEnv({ ...process.env, ...(args["database-url"] ? { DATABASE_URL: args["database-url"] } : {}) });
  return env.database;
}

/** The app's client (lib/db createDb), plus the SQL it sends when --explain asks for plans. */
function createClient(target: DatabaseTarget, queries: CapturedQuery[]): Db {
  const log = args.explain ? ([{ emit: "event", level: "query" }] as const) : [];
  const client =
    target.kind === "postgresql"
      ? (new PostgresClient({
          adapter: new PrismaPg({ connectionString: target.url, options: PG_SESSION_OPTIONS, max: 4 }),
          log: [...log],
        }) as unknown as Db)
      : new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: `file:${target.file}`, timeout: 10_000 }), log: [...log] });
  if (args.explain)
    (client as unknown as { $on(e: "query", cb: (ev: { query: string; params: string }) => void): void }).$on("query", (ev) =>
      queries.push({ sql: ev.query, params: ev.params }),
    );
  return client;
}

async function main(): Promise<void> {
  if (ROWS === 0 && !args.measure) {
    console.error("nothing to do: give --rows N to seed and/or --measure to time the queries (--help)");
    process.exit(2);
  }
  const target = targetFromArgs();
  if (target.kind === "sqlite") process.stderr.write(`database: ${path.relative(process.cwd(), target.file) || target.file}\n`);
  else process.stderr.write(`database: ${describeDatabase(target)}\n`);
  await migrate(target);
  const queries: CapturedQuery[] = [];
  const db = createClient(target, queries);
  try {
    const workspace = args.workspace
      ? await db.workspace.upsert({ where: { slug: args.workspace }, update: {}, create: { name: args.workspace, slug: args.workspace } })
      : await ensureDefaultWorkspace(db);
    if (ROWS > 0) {
      // PostgreSQL: the day partitions of the seeded range, as Detour makes them ahead of time (a
      // row no day covers would land in the default partition).
      if (target.kind === "postgresql") await ensureLogPartitions(db, { from: new Date(Date.now() - (DAYS + 1) * 86_400_000) });
      await seed(db, target, workspace.id);
      // PostgreSQL's autovacuum analyzes a table this size within a minute; do it now so the timing
      // sees the plans a running server would. SQLite keeps no statistics unless asked (the app
      // does not ask), so it is measured as the app runs it.
      if (target.kind === "postgresql") await db.$executeRaw`ANALYZE "RequestLog", "RequestLogMetadata", "RequestAttempt", "LogRollup"`;
    }
    if (args.measure) await measure(db, target, workspace.id, queries);
  } finally {
    await db.$disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
