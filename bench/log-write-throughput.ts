/**
 * The log writer's sustained throughput with analytics rollups on, while the log explorer is
 * queried: the app's own sink (lib/store/log-sink.ts: log rows, attempts, metadata, SpendDaily and
 * LogRollup upserts in one transaction per batch) writes --rows realistic logs in batches of
 * --batch (the LogWriter's default 200), one batch in flight at a time as the LogWriter does,
 * while --readers loops run `GET /v1/logs` query shapes (lib/store/log-query.ts) against the same
 * database. A measurement to run by hand, not a test:
 *
 *   npx tsx bench/log-write-throughput.ts --database-url postgresql://postgres@127.0.0.1:5432/<seeded db> [--rows 50000]
 *   DETOUR_DATA_DIR=<seeded dir> npx tsx bench/log-write-throughput.ts                        # SQLite
 *
 * Logs go to the default workspace with the current time, spread over 24 hours' worth of keys
 * (providers, models, virtual keys, configs, statuses as the seeder's). Prints rows/s and the
 * explorer's query times (median / p90) during the writes. --rollups-only times just the rollup
 * part of the same batches (fold + upsert in a transaction of its own, rolled back: PostgreSQL),
 * to tell what the rollups add to a batch.
 *
 * --rate N drives the app's LogWriter itself (lib/logs/log-writer.ts, default batching: a write is
 * due at 200 queued records and takes up to 2,000 under a backlog) instead: a producer enqueues N
 * logs a second in 10 ms ticks for --seconds (20), as a busy gateway would, and the bench reports
 * the rows/s written, the deepest queue and the drops. The writer sustains N when it ends with an
 * empty queue, nothing dropped, and rows/s ~ N.
 */
import { randomBytes } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createDb, describeDatabase } from "../lib/db";
import { migrate } from "../lib/db/migrate";
import { parseEnv } from "../lib/env";
import { parseLogQuery } from "../lib/logs/query";
import { newLogId, type LogRecord } from "../lib/logs/types";
import pg from "pg";
import { createLogSink } from "../lib/store/log-sink";
import { LogWriter } from "../lib/logs/log-writer";
import { rollupDeltas } from "../lib/store/logs";
import { upsertRollupsPg } from "../lib/store/rollups";
import { listLogs } from "../lib/store/log-query";
import { ensureDefaultWorkspace } from "../lib/store/workspaces";
import { testLogRecord } from "../testing/sample-log-record";

const { values: args } = parseArgs({
  options: {
    "database-url": { type: "string" },
    rows: { type: "string", default: "50000" },
    batch: { type: "string", default: "200" },
    readers: { type: "string", default: "1" },
    "rollups-only": { type: "boolean", default: false },
    rate: { type: "string" },
    seconds: { type: "string", default: "20" },
  },
});
const ROWS = Number(args.rows);
const BATCH = Number(args.batch);
const READERS = Number(args.readers);

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "text-embedding-3-small", "ft:gpt-4o-mini:acme", "llama-3-70b"];
const VKS = ["openai-prod-a1b2c3", "openai-batch-d4e5f6", "azure-eastus-112233", "azure-westeu-445566"];
const CONFIGS = ["pc-openai-3f2a1c", "pc-fallba-1a2b3c", null];
const BODY = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
const ANSWER = JSON.stringify({
  id: "chatcmpl-1",
  choices: [{ message: { role: "assistant", content: "The Great Pyramid of Giza, ..." } }],
});

function record(workspaceId: string): LogRecord {
  const createdAt = new Date();
  const status = pick([200, 200, 200, 200, 200, 200, 200, 200, 429, 503]);
  const vk = pick(VKS);
  return testLogRecord({
    id: newLogId(createdAt),
    workspaceId,
    createdAt,
    traceId: randomBytes(16).toString("hex"),
    metadata: { env: "prod", team: pick(["search", "billing", "web"]) },
    status,
    provider: vk.startsWith("azure") ? "azure-openai" : "openai",
    model: pick(MODELS),
    virtualKeySlug: vk,
    configSlug: pick(CONFIGS),
    promptTokens: 200,
    completionTokens: 80,
    totalTokens: 280,
    cost: status < 400 ? 0.0012 : null,
    latencyMs: Math.round(150 + -Math.log(1 - Math.random()) * 1200),
    fallbackUsed: Math.random() < 0.08,
    requestBody: BODY,
    responseBody: ANSWER,
  });
}

const QUERIES = ["", "status=5xx", "provider=openai&model=gpt-4o", `config=${CONFIGS[1]}`, "sort=-latency_ms", "metadata.team=billing"];

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= "warn";
  const env = parseEnv({ ...process.env, ...(args["database-url"] ? { DATABASE_URL: args["database-url"] } : {}) });
  await migrate(env.database);
  const db = createDb(env.database);
  const workspaceId = (await ensureDefaultWorkspace(db)).id;
  const sink = createLogSink(env.database);
  const batches = args.rate
    ? []
    : Array.from({ length: Math.ceil(ROWS / BATCH) }, () => Array.from({ length: BATCH }, () => record(workspaceId)));
  await sink.write(Array.from({ length: BATCH }, () => record(workspaceId))); // warm-up
  const queries = QUERIES.map((q) => {
    const parsed = parseLogQuery(new URLSearchParams(q));
    if (!parsed.success) throw new Error(q);
    return parsed.data;
  });
  let writing = true;
  const readTimes: number[] = [];
  const reader = async () => {
    for (let i = 0; writing; i++) {
      const t = performance.now();
      await listLogs(db, workspaceId, queries[i % queries.length]!);
      readTimes.push(performance.now() - t);
      // On SQLite a query resolves in microtasks (the driver is synchronous): without a turn of the
      // event loop between queries the reader would starve the producer's timers, and the writer's.
      await nextTurn();
    }
  };
  const started = performance.now();
  const readers = Array.from({ length: READERS }, reader);
  /** Stops the readers, closes the sink and the client; the explorer's query time at a quantile, in ms. */
  const finish = async () => {
    writing = false;
    await Promise.all(readers);
    await sink.close();
    await db.$disconnect();
    readTimes.sort((a, b) => a - b);
    return (p: number) => (readTimes[Math.min(readTimes.length - 1, Math.floor(p * readTimes.length))] ?? 0).toFixed(1);
  };
  if (args.rate) {
    const rate = Number(args.rate);
    const seconds = Number(args.seconds);
    const writer = new LogWriter({ write: sink.write, onError: (err, info) => console.error(info.kind, String(err)) });
    let offered = 0;
    let deepest = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; offered < due; offered++) writer.enqueue(record(workspaceId));
      deepest = Math.max(deepest, writer.stats().queued);
      await new Promise((r) => setTimeout(r, 10));
    }
    const offeredSecs = (performance.now() - started) / 1000;
    const queuedAtEnd = writer.stats().queued;
    await writer.close();
    const secs = (performance.now() - started) / 1000;
    const q = await finish();
    const stats = writer.stats();
    console.log(
      `${describeDatabase(env.database)}: the LogWriter offered ${rate} logs/s for ${offeredSecs.toFixed(1)} s (${offered} logs), rollups on, ${READERS} explorer reader(s): ` +
        `${stats.written} written in ${secs.toFixed(1)} s (${(stats.written / secs).toFixed(0)} rows/s), deepest queue ${deepest}, ${queuedAtEnd} still queued when the offer stopped, ` +
        `dropped ${stats.dropped}; explorer queries during the writes: ${readTimes.length}, median ${q(0.5)} ms, p90 ${q(0.9)} ms`,
    );
    return;
  }
  if (args["rollups-only"] && env.database.kind === "postgresql") {
    const client = new pg.Client({ connectionString: env.database.url });
    await client.connect();
    for (const b of batches) {
      await client.query("BEGIN");
      await upsertRollupsPg(client, rollupDeltas(b));
      await client.query("ROLLBACK"); // rollups of logs that are not written must not stay
    }
    await client.end();
  } else for (const b of batches) await sink.write(b);
  const secs = (performance.now() - started) / 1000;
  const q = await finish();
  const rows = batches.length * BATCH;
  console.log(
    `${describeDatabase(env.database)}: ${rows} logs in batches of ${BATCH}, ${args["rollups-only"] ? "rollup upserts only" : "rollups on"}, ${READERS} explorer reader(s): ` +
      `${(rows / secs).toFixed(0)} rows/s (${secs.toFixed(1)} s); explorer queries during the writes: ${readTimes.length}, median ${q(0.5)} ms, p90 ${q(0.9)} ms`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
