/**
 * On-demand benchmark of the log retention (never part of the test suite): how long removing one
 * expired day of request logs takes, and what it does to concurrent inference.
 *
 *   npx tsx bench/log-retention.ts [--db postgresql|sqlite] [--rows N] [--seconds 15] [--concurrency 8]
 *   (needs the production build; N defaults to 2,000,000 on PostgreSQL, 1,000,000 on SQLite)
 *
 * One run, loopback only, every process stopped at the end (also on failure):
 * 1. A fresh database (PostgreSQL on DETOUR_BENCH_PG_URL's server, or SQLite in a temp dir),
 *    bootstrapped with a gateway key and an OpenAI virtual key on the mock upstream
 *    (bench/lib/detour.ts); on PostgreSQL the day partitions from 41 days ago to a week ahead.
 * 2. N logs written by SQL into one day 40 days ago (each with an attempt and a metadata row and
 *    ~250 bytes of bodies), and 1,000 logs of today, which must stay.
 * 3. Detour (scripts/server.ts) on it, with DETOUR_LOG_RETENTION_DAYS=0 so that its own schedule
 *    leaves the old day alone: this process runs the retention (as another instance would, through
 *    the same lease-free entry point the schedule calls).
 * 4. Inference alone: a closed loop of --concurrency clients on /v1/chat/completions for --seconds.
 * 5. Inference again for --seconds; 2 s in, one retention run (30 days) removes the old day: on
 *    PostgreSQL by dropping its partitions, on SQLite by batches and incremental vacuum (run after
 *    run until one completes). Its duration, what it removed, and the inference percentiles of both
 *    windows are printed as Markdown on stdout; progress goes to stderr.
 * On SQLite the pruning runs in this process, not Detour's: Detour's own writes wait for the file's
 * lock during each batch as they would in one process, but its event loop does not run the batches.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { waitForHealthOrExit } from "../testing/server-process";
import { startLoad } from "./lib/closed-loop";
import { createPgDatabase, seedDetour, startMock } from "./lib/detour";
import { log, onCleanup, runMain, sleep, startDetour } from "./lib/procs";
import { fmt, summary, table } from "./lib/stats";

const { values: opts } = parseArgs({
  options: {
    db: { type: "string", default: "postgresql" },
    rows: { type: "string" },
    seconds: { type: "string", default: "15" },
    concurrency: { type: "string", default: "8" },
  },
});
const DIALECT = opts.db === "sqlite" ? "sqlite" : "postgresql";
const ROWS = Number(opts.rows ?? (DIALECT === "postgresql" ? 2_000_000 : 1_000_000));
const SECONDS = Number(opts.seconds);
const CONCURRENCY = Number(opts.concurrency);
const DAY = 86_400_000;
const CHUNK = 200_000;

/** One expired day of logs (40 days ago), by SQL, in chunks; plus 1,000 logs of today. */
async function seedOldDay(databaseUrl: string, workspaceId: string): Promise<Date> {
  const { createDb } = await import("../lib/db");
  const { parseEnv } = await import("../lib/env");
  const { ensureLogPartitions } = await import("../lib/store/log-partitions");
  const env = parseEnv({ DATABASE_URL: databaseUrl, DETOUR_DATA_DIR: os.tmpdir() });
  const db = createDb(env.database);
  const day = new Date(Math.floor((Date.now() - 40 * DAY) / DAY) * DAY);
  try {
    if (DIALECT === "postgresql") await ensureLogPartitions(db, { from: new Date(day.getTime() - DAY) });
    const spacingMs = Math.max(1, Math.floor((DAY - 1) / ROWS));
    const write = async (from: number, to: number, start: Date, prefix: string) => {
      if (DIALECT === "postgresql") {
        const at = `'${start.toISOString().slice(0, 23)}'::timestamp + (g * interval '${spacingMs} milliseconds')`;
        await db.$executeRawUnsafe(`
          WITH g AS (SELECT generate_series(${from}, ${to}) AS g),
          logs AS (
            INSERT INTO "RequestLog" ("id", "workspaceId", "createdAt", "traceId", "path", "status", "provider", "model", "cost",
              "latencyMs", "overheadMs", "requestBody", "responseBody", "metadata")
            SELECT '${prefix}' || g, '${workspaceId}', ${at}, 'trace-' || g, '/v1/chat/completions', 200, 'openai', 'gpt-4o', 0.0001,
              100 + g % 500, 0.5, '{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}', repeat('x', 180), '{"env":"prod"}'
            FROM g RETURNING "id", "createdAt"
          ), attempts AS (
            INSERT INTO "RequestAttempt" ("id", "logId", "workspaceId", "logCreatedAt", "index", "targetPath", "provider", "status", "latencyMs", "retry", "startedAt")
            SELECT "id" || ':0', "id", '${workspaceId}', "createdAt", 0, 'config', 'openai', 200, 90, 0, "createdAt" FROM logs
          )
          INSERT INTO "RequestLogMetadata" ("logId", "workspaceId", "logCreatedAt", "key", "value")
          SELECT "id", '${workspaceId}', "createdAt", 'env', 'prod' FROM logs`);
      } else {
        const at = `strftime('%Y-%m-%dT%H:%M:%f', ${start.getTime() / 1000} + n * ${spacingMs / 1000}, 'unixepoch') || '+00:00'`;
        const g = `WITH RECURSIVE g(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM g WHERE n < ${to})`;
        await db.$executeRawUnsafe(`${g}
          INSERT INTO "RequestLog" ("id", "workspaceId", "createdAt", "traceId", "path", "status", "provider", "model", "cost",
            "latencyMs", "overheadMs", "requestBody", "responseBody", "metadata")
          SELECT '${prefix}' || n, '${workspaceId}', ${at}, 'trace-' || n, '/v1/chat/completions', 200, 'openai', 'gpt-4o', 0.0001,
            100 + n % 500, 0.5, '{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}', printf('%.180c', 'x'), '{"env":"prod"}' FROM g`);
        await db.$executeRawUnsafe(`${g}
          INSERT INTO "RequestAttempt" ("id", "logId", "workspaceId", "logCreatedAt", "index", "targetPath", "provider", "status", "latencyMs", "retry", "startedAt")
          SELECT '${prefix}' || n || ':0', '${prefix}' || n, '${workspaceId}', ${at}, 0, 'config', 'openai', 200, 90, 0, ${at} FROM g`);
        await db.$executeRawUnsafe(`${g}
          INSERT INTO "RequestLogMetadata" ("logId", "workspaceId", "logCreatedAt", "key", "value")
          SELECT '${prefix}' || n, '${workspaceId}', ${at}, 'env', 'prod' FROM g`);
      }
    };
    const t0 = performance.now();
    for (let from = 1; from <= ROWS; from += CHUNK) {
      const to = Math.min(ROWS, from + CHUNK - 1);
      await write(from, to, day, "old_");
      log(`seeded ${to.toLocaleString("en")} / ${ROWS.toLocaleString("en")} (${fmt((performance.now() - t0) / 1000, 0)} s)`);
    }
    await write(1, 1000, new Date(Date.now() - 3_600_000), "fresh_");
    if (DIALECT === "postgresql") await db.$executeRawUnsafe(`ANALYZE "RequestLog", "RequestAttempt", "RequestLogMetadata"`);
  } finally {
    await db.$disconnect();
  }
  return day;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL = "warn";
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-retention-bench-"));
  onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
  const dbFile = path.join(dataDir, "detour.db");
  const databaseUrl = DIALECT === "postgresql" ? await createPgDatabase("detour_bench_retention") : `file:${dbFile}`;
  const keyHex = randomBytes(32).toString("hex");

  const mock = await startMock();
  const seeded = await seedDetour(databaseUrl, dataDir, keyHex, mock.url);
  const vk = await seeded.openaiKey("bench", "sk-bench-retention-0000000000");
  const workspaceId = seeded.workspaceId;
  await seeded.close();

  log(`seeding ${ROWS.toLocaleString("en")} logs into one day 40 days ago (${DIALECT})...`);
  const seedStart = performance.now();
  const oldDay = await seedOldDay(databaseUrl, workspaceId);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const fileBefore = DIALECT === "sqlite" ? statSync(dbFile).size : 0;

  const detour = await startDetour("Detour", {
    DETOUR_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DETOUR_ENCRYPTION_KEY: keyHex,
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    DETOUR_LOG_RETENTION_DAYS: "0",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
  });
  const ready = await waitForHealthOrExit(detour);
  if (ready.health !== 200) throw new Error(`Detour did not start: ${detour.output()}`);
  const base = `http://127.0.0.1:${detour.port}`;
  const endpoint = {
    name: "chat",
    origin: base,
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", "x-portkey-api-key": seeded.apiKey, "x-portkey-virtual-key": vk },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello from the retention bench" }] }),
  };
  const inference = async (label: string, during?: () => Promise<void>) => {
    const load = startLoad([endpoint], CONCURRENCY, SECONDS);
    const side = during ? sleep(2_000).then(during) : Promise.resolve();
    const r = await load.done;
    await side;
    const s = summary(r.latencies);
    log(`${label}: ${r.answered} answered, p99 ${fmt(s.p99)} ms`);
    return { label, rps: r.answered / r.seconds, errors: r.errors, ...s };
  };

  await startLoad([endpoint], CONCURRENCY, 5).done; // warm-up: code loaded, caches and JIT warm
  log("inference alone...");
  const alone = await inference("inference alone");

  const { createDb } = await import("../lib/db");
  const { parseEnv } = await import("../lib/env");
  const { runLogRetention } = await import("../lib/logs/retention");
  const db = createDb(parseEnv({ DATABASE_URL: databaseUrl, DETOUR_DATA_DIR: dataDir }).database);
  onCleanup("disconnect", () => db.$disconnect());
  const pruned = { seconds: 0, runs: 0, deleted: 0, partitions: 0, vacuumed: 0, estimate: 0 };
  log("inference while the retention removes the old day...");
  const during = await inference("inference during the pruning", async () => {
    const t0 = performance.now();
    for (;;) {
      const run = await runLogRetention(db, {
        dialect: DIALECT,
        sqliteFile: DIALECT === "sqlite" ? dbFile : undefined,
        defaultDays: 30,
        rollupDays: 400,
        budgetMs: 10 * 60_000,
      });
      pruned.runs += 1;
      pruned.deleted += run.deleted_logs;
      pruned.partitions += run.partitions_dropped;
      pruned.estimate += run.partition_rows_estimate;
      pruned.vacuumed += run.vacuumed_pages;
      if (run.error) throw new Error(run.error);
      if (run.complete) break;
    }
    pruned.seconds = (performance.now() - t0) / 1000;
    log(`pruned in ${fmt(pruned.seconds, 2)} s`);
  });
  const left = await db.requestLog.count({ where: { createdAt: { lt: new Date(oldDay.getTime() + DAY) } } });
  const fresh = await db.requestLog.count({ where: { id: { startsWith: "fresh_" } } });
  if (left !== 0 || fresh !== 1000) throw new Error(`after pruning: ${left} old logs left, ${fresh} of 1000 fresh logs kept`);
  if (DIALECT === "sqlite") await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
  const fileAfter = DIALECT === "sqlite" ? statSync(dbFile).size : 0;

  const removed =
    DIALECT === "postgresql"
      ? `${pruned.partitions} partitions (${pruned.estimate.toLocaleString("en")} logs by estimate), ${pruned.deleted.toLocaleString("en")} logs by batch`
      : `${pruned.deleted.toLocaleString("en")} logs by batch in ${pruned.runs} run(s), ${pruned.vacuumed.toLocaleString("en")} pages vacuumed; file ${fmt(fileBefore / 1048576, 0)} -> ${fmt(fileAfter / 1048576, 0)} MiB`;
  const out = [
    `## Log retention: one expired day of ${ROWS.toLocaleString("en")} logs (${DIALECT}, ${os.cpus().length} cores; seeded in ${fmt(seedSeconds, 0)} s)`,
    "",
    `Pruned in **${fmt(pruned.seconds, 2)} s**: ${removed}. Old logs left: ${left}; today's 1,000 kept: ${fresh}.`,
    "",
    table(
      [`inference (closed loop, c=${CONCURRENCY}, ${SECONDS} s)`, "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"],
      [alone, during].map((r) => [r.label, fmt(r.rps, 0), fmt(r.p50), fmt(r.p90), fmt(r.p99), fmt(r.max), String(r.errors)]),
    ),
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

runMain(main, 60 * 60_000);
