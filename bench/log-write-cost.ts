/**
 * What one request-log row costs Detour to write (SQLite), in isolation: the log writer's own
 * function (insertLogBatch: Prisma 7 + the better-sqlite3 adapter, one transaction per batch) at
 * several batch sizes, against the same rows inserted with plain better-sqlite3 prepared statements.
 * Rows look like the ones the benchmark's chat requests produce (bodies ~0.1 and ~0.6 KB, 1 attempt).
 *
 *   npx tsx bench/log-write-cost.ts [--rows 4000]
 *
 * Reports wall and CPU time per row, time per batch, and how long each batch kept the event loop
 * from running anything else (the writer shares the loop that serves requests). Temp files only; nothing else is started.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { testLogRecord } from "../testing/sample-log-record";
import type { LogRecord } from "../lib/logs/types";

const { values } = parseArgs({ options: { rows: { type: "string", default: "4000" } } });
const ROWS = Number(values.rows);

const REQUEST_BODY = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
const RESPONSE_BODY = JSON.stringify({
  id: "chatcmpl-09ff5b508644469fa787d7cd62a8a",
  object: "chat.completion",
  created: 1795619717,
  model: "gpt-4o",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: "Mock answer from openai (key ...0001) to: What are the 7 wonders of the world?",
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: {
    prompt_tokens: 9,
    completion_tokens: 20,
    total_tokens: 29,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: "default",
  system_fingerprint: "fp_7c2f1a9d3e",
});
const REQUEST_HEADERS = JSON.stringify({
  accept: "*/*",
  "content-length": String(REQUEST_BODY.length),
  "content-type": "application/json",
  host: "127.0.0.1:3000",
  "user-agent": "node",
  "x-portkey-api-key": "[redacted]",
  "x-portkey-virtual-key": "bench-ok-1a2b3c",
});

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= "warn";
  const { bootstrap } = await import("../lib/bootstrap");
  const { createDb } = await import("../lib/db");
  const { parseEnv } = await import("../lib/env");
  const { newLogId } = await import("../lib/logs/types");
  const { insertLogBatch } = await import("../lib/store/logs");

  const dir = mkdtempSync(path.join(os.tmpdir(), "detour-logcost-"));
  try {
    const file = path.join(dir, "detour.db");
    const env = parseEnv({ DETOUR_DATA_DIR: dir, DATABASE_URL: `file:${file}`, DETOUR_ADMIN_PASSWORD: "bench-admin-password" });
    const db = createDb(env.database);
    const { workspaceId } = await bootstrap(env, { key: randomBytes(32), origin: "bench" }, db);

    const record = (): LogRecord => {
      const now = new Date();
      return testLogRecord({
        id: newLogId(now),
        workspaceId,
        createdAt: now,
        traceId: randomBytes(16).toString("hex"),
        virtualKeySlug: "bench-ok-1a2b3c",
        virtualKeyVersion: 1,
        promptTokens: 9,
        completionTokens: 20,
        totalTokens: 29,
        cost: 0.000222,
        latencyMs: 2,
        overheadMs: 0.21,
        requestBody: REQUEST_BODY,
        responseBody: RESPONSE_BODY,
        requestHeaders: REQUEST_HEADERS,
        attempts: [
          {
            index: 0,
            targetPath: "config",
            provider: "openai",
            virtualKeySlug: "bench-ok-1a2b3c",
            virtualKeyVersion: 1,
            model: null,
            status: 200,
            errorClass: null,
            errorMessage: null,
            latencyMs: 1,
            retry: 0,
            startedAt: now,
          },
        ],
      });
    };

    const lines: string[] = [];
    const measure = async (label: string, batch: number, write: (rows: LogRecord[]) => Promise<void> | void) => {
      // warm-up (JIT, statement caches), not counted
      for (let i = 0; i < 3; i++) await write(Array.from({ length: batch }, record));
      const batches = Array.from({ length: Math.ceil(ROWS / batch) }, () => Array.from({ length: batch }, record));
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const batchMs: number[] = [];
      const stallMs: number[] = [];
      for (const rows of batches) {
        // A 1 ms ticker: the longest gap between its ticks is the longest time nothing else could run.
        // (Promises that settle at once, as the better-sqlite3 adapter's do, never let the loop turn.)
        let last = performance.now();
        let gap = 0;
        const ticker = setInterval(() => {
          const now = performance.now();
          gap = Math.max(gap, now - last);
          last = now;
        }, 1);
        const t = performance.now();
        await write(rows);
        batchMs.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 3)); // let the loop turn between batches, as the writer does
        clearInterval(ticker);
        stallMs.push(gap);
      }
      const wall = performance.now() - t0;
      const used = process.cpuUsage(cpu);
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const n = batches.length * batch;
      lines.push(
        `| ${label} | ${batch} | ${n} | ${((wall / n) * 1000).toFixed(0)} | ${(((used.user + used.system) / 1000 / n) * 1000).toFixed(0)} | ` +
          `${med(batchMs).toFixed(1)} / ${Math.max(...batchMs).toFixed(1)} | ${med(stallMs).toFixed(1)} / ${Math.max(...stallMs).toFixed(1)} |`,
      );
      process.stderr.write(`[log-write-cost] ${label}, batch ${batch}: done\n`);
    };

    for (const batch of [1, 10, 50, 200])
      await measure("insertLogBatch (Prisma 7 + better-sqlite3 adapter)", batch, (rows) => insertLogBatch(db, rows));

    // The same rows, plain better-sqlite3: one prepared INSERT per table, one transaction per batch.
    const raw = new Database(file);
    raw.pragma("journal_mode = WAL");
    const cols = (raw.prepare(`PRAGMA table_info("RequestLog")`).all() as { name: string }[]).map((c) => c.name);
    const insertLog = raw.prepare(
      `INSERT INTO "RequestLog" (${cols.map((c) => `"${c}"`).join(",")}) VALUES (${cols.map((c) => `@${c}`).join(",")})`,
    );
    const attemptCols = [
      "id",
      "logId",
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
    ];
    const insertAttempt = raw.prepare(
      `INSERT INTO "RequestAttempt" (${attemptCols.map((c) => `"${c}"`).join(",")}) VALUES (${attemptCols.map((c) => `@${c}`).join(",")})`,
    );
    const sqlValue = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === "boolean" ? (v ? 1 : 0) : v === undefined ? null : v);
    const writeRaw = raw.transaction((rows: LogRecord[]) => {
      for (const r of rows) {
        const row: Record<string, unknown> = {};
        for (const c of cols) row[c] = sqlValue(c === "metadata" ? null : (r as unknown as Record<string, unknown>)[c]);
        insertLog.run(row);
        for (const a of r.attempts) {
          const arow: Record<string, unknown> = { id: randomBytes(12).toString("hex"), logId: r.id };
          for (const c of attemptCols.slice(2)) arow[c] = sqlValue((a as unknown as Record<string, unknown>)[c]);
          insertAttempt.run(arow);
        }
      }
    });
    for (const batch of [1, 10, 50, 200]) await measure("plain better-sqlite3 prepared INSERTs", batch, (rows) => writeRaw(rows));
    raw.close();
    await db.$disconnect();

    process.stdout.write(
      [
        `Log row write cost, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${os.cpus().length} cores (shared), Node ${process.version}, SQLite in WAL mode, ~${ROWS} rows per line`,
        "",
        "| writer | batch | rows | wall µs/row | CPU µs/row | batch ms, median / max | event loop blocked per batch ms, median / max |",
        "|---|---|---|---|---|---|---|",
        ...lines,
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
