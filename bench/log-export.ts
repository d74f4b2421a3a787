/**
 * On-demand benchmark of `GET /v1/logs/export` (never part of the test suite): constant memory and
 * throughput on a big log, and what an export costs concurrent inference.
 *
 *   npx tsx bench/log-export.ts [--rows 1000000] [--seconds 15] [--concurrency 8]   # needs the production build
 *
 * One run, loopback only, every process stopped at the end (also on failure):
 * 1. A fresh SQLite database in a temp dir, bootstrapped with a gateway key and an OpenAI virtual key
 *    on the mock upstream (bench/lib/detour.ts), then --rows request logs written by
 *    scripts/seed-logs.ts (realistic rows with small bodies).
 * 2. Detour (scripts/server.ts) on it.
 * 3. Inference alone: a closed loop of --concurrency clients on /v1/chat/completions for --seconds.
 * 4. Each export alone, streamed to the end and counted here (CSV; JSONL with bodies): rows/s, and
 *    the server's resident memory sampled every 100 ms (start, peak, end).
 * 5. Inference again for --seconds while a CSV export of every row runs: the same percentiles.
 * Markdown goes to stdout, progress to stderr.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { waitForHealthOrExit } from "../testing/server-process";
import { startLoad } from "./lib/closed-loop";
import { seedDetour, startMock } from "./lib/detour";
import { log, onCleanup, runMain, spawnProc, startDetour, treeRssMiB } from "./lib/procs";
import { fmt, summary, table } from "./lib/stats";

const { values: opts } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    seconds: { type: "string", default: "15" },
    concurrency: { type: "string", default: "8" },
  },
});
const ROWS = Number(opts.rows);
const SECONDS = Number(opts.seconds);
const CONCURRENCY = Number(opts.concurrency);
const ADMIN_KEY = "detour-bench-admin-key-0123456789";

type ExportRun = { rows: number; bytes: number; seconds: number; rss: { start: number; peak: number; end: number } };

/** Streams one export to its end, counting lines and bytes, while sampling the server's RSS. */
async function runExport(base: string, query: string, pid: number | undefined): Promise<ExportRun> {
  const start = treeRssMiB(pid);
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRssMiB(pid));
  }, 100);
  const t0 = performance.now();
  let rows = 0;
  let bytes = 0;
  try {
    const res = await fetch(`${base}/v1/logs/export?${query}`, { headers: { "x-portkey-api-key": ADMIN_KEY } });
    if (res.status !== 200) throw new Error(`export ${query}: ${res.status} ${await res.text()}`);
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (const b of value) if (b === 10) rows += 1;
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = treeRssMiB(pid);
  const run = { rows, bytes, seconds, rss: { start, peak: Math.max(peak, end), end } };
  log(
    `export ${query}: ${rows} lines, ${fmt(bytes / 1048576, 1)} MiB in ${fmt(seconds, 1)} s; RSS ${fmt(start, 0)} -> peak ${fmt(run.rss.peak, 0)} MiB`,
  );
  return run;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL = "warn";
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-export-bench-"));
  onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
  const dbFile = path.join(dataDir, "detour.db");
  const databaseUrl = `file:${dbFile}`;
  const keyHex = randomBytes(32).toString("hex");

  const mock = await startMock();
  const seeded = await seedDetour(databaseUrl, dataDir, keyHex, mock.url);
  const vk = await seeded.openaiKey("bench", "sk-bench-export-000000000000");
  await seeded.close();

  log(`seeding ${ROWS} logs...`);
  const seedStart = performance.now();
  const seed = spawnProc("seed-logs", ["--import", "tsx", "scripts/seed-logs.ts", "--rows", String(ROWS), "--database-url", databaseUrl], {
    LOG_LEVEL: "warn",
  });
  const code = await new Promise<number | null>((resolve) => seed.child.once("exit", (c) => resolve(c)));
  if (code !== 0) throw new Error(`seed-logs failed:\n${seed.output()}`);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  log(`seeded in ${fmt(seedSeconds, 1)} s`);

  const detour = await startDetour("Detour", {
    DETOUR_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DETOUR_ENCRYPTION_KEY: keyHex,
    DETOUR_ADMIN_API_KEY: ADMIN_KEY,
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
  });
  const ready = await waitForHealthOrExit(detour);
  if (ready.health !== 200) throw new Error(`Detour did not start: ${detour.output()}`);
  const base = `http://127.0.0.1:${detour.port}`;
  const pid = detour.child.pid;

  const endpoint = {
    name: "chat",
    origin: base,
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", "x-portkey-api-key": seeded.apiKey, "x-portkey-virtual-key": vk },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello from the export bench" }] }),
  };
  const inference = async (label: string) => {
    const r = await startLoad([endpoint], CONCURRENCY, SECONDS).done;
    const s = summary(r.latencies);
    log(`${label}: ${r.answered} answered, p99 ${fmt(s.p99)} ms`);
    return { label, rps: r.answered / r.seconds, errors: r.errors, ...s };
  };

  // Warm-up: the first requests load code and fill caches.
  await startLoad([endpoint], 2, 2).done;
  await runExport(base, "format=csv&to=2000-01-01", pid);

  log("inference alone...");
  const alone = await inference("inference alone");

  log("CSV export alone...");
  const csv = await runExport(base, "format=csv", pid);
  log("JSONL export with bodies alone...");
  const jsonl = await runExport(base, "format=jsonl&bodies=true", pid);

  log("inference during a CSV export...");
  const during = runExport(base, "format=csv", pid);
  const withExport = await inference("inference during a CSV export");
  const concurrentExport = await during;

  const exportRow = (name: string, e: ExportRun) => [
    name,
    String(e.rows - (name.startsWith("CSV") ? 1 : 0)),
    fmt(e.bytes / 1048576, 1),
    fmt(e.seconds, 1),
    fmt((e.rows / e.seconds) | 0, 0),
    fmt(e.rss.start, 0),
    fmt(e.rss.peak, 0),
    fmt(e.rss.end, 0),
  ];
  const out = [
    `## Log export (${ROWS.toLocaleString("en")} rows, SQLite, ${os.cpus().length} cores; seeded in ${fmt(seedSeconds, 0)} s)`,
    "",
    table(
      ["export", "rows", "MiB", "s", "rows/s", "RSS start MiB", "RSS peak MiB", "RSS end MiB"],
      [
        exportRow("CSV, alone", csv),
        exportRow("JSONL with bodies, alone", jsonl),
        exportRow("CSV, during inference load", concurrentExport),
      ],
    ),
    "",
    table(
      [`inference (closed loop, c=${CONCURRENCY}, ${SECONDS} s)`, "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"],
      [alone, withExport].map((r) => [r.label, fmt(r.rps, 0), fmt(r.p50), fmt(r.p90), fmt(r.p99), fmt(r.max), String(r.errors)]),
    ),
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

runMain(main, 60 * 60_000);
