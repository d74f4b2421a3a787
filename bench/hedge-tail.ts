/**
 * What hedged requests do to a slow tail (docs/GATEWAY.md §5.11): one Detour, two targets on the
 * mock upstream (its own process), the first (OpenAI) with a slow tail: 5% of its answers come
 * 2000 ms late (the mock's `delay` fault with `probability: 0.05`), the second (Azure) without.
 * Three configs, loaded in turn in each round so the machine's noise falls on all alike:
 *
 * - `plain`: `{mode: "fallback"}` over the two (no hedge: a late answer is waited for);
 * - `hedge Nms`: the same with `hedge: {after_ms: N}`;
 * - `hedge p95`: the same with `hedge: {after_ms: "p95"}` (warmed first: the p95 needs 20 answers).
 *
 *   npx tsx bench/hedge-tail.ts [--rounds 6] [--seconds 4] [--c 8] [--after-ms 100]
 *
 * A closed loop of `c` clients (bench/lib/closed-loop.ts) sends non-streaming chat completions with
 * the config inline (`x-portkey-config`). Reported per config: p50 / p99 / p99.9 latency, requests
 * per second, and upstream calls per request (the request log's attempt rows over its rows, read
 * after each round once the log queue is empty: a hedge's cancelled loser is an attempt row too):
 * the cost of hedging. Needs the production build (`npm run build`). Prints a Markdown table.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { waitForHealthOrExit } from "../testing/server-process";
import { startLoad } from "./lib/closed-loop";
import { countLogs, seedDetour, startMock, waitForLogDrain } from "./lib/detour";
import { log, onCleanup, root, runMain, startDetour } from "./lib/procs";
import { fmt, percentile, table } from "./lib/stats";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "6" },
    seconds: { type: "string", default: "4" },
    c: { type: "string", default: "8" },
    "after-ms": { type: "string", default: "100" },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const C = Number(opts.c);
const AFTER_MS = Number(opts["after-ms"]);
const TAIL = { probability: 0.05, ms: 2000 };

type Variant = { name: string; strategy: Record<string, unknown> };
type Tally = { latencies: number[]; answered: number; nonOk: number; errors: number; seconds: number; rows: number; attempts: number };

async function main(): Promise<void> {
  process.chdir(root);
  // Detour's modules seed the database from this process: their logger must not write to stdout (the report).
  process.env.LOG_LEVEL ??= "warn";
  const mock = await startMock({ seed: 7, maxRecords: 100 });
  log(`mock upstream on ${mock.url}`);
  // OpenAI's slow tail: 5% of its answers 2 s late.
  await mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: TAIL.ms }, probability: TAIL.probability });

  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-hedge-bench-"));
  onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
  const keyHex = randomBytes(32).toString("hex");
  const dbUrl = `file:${path.join(dataDir, "detour.db")}`;
  const seed = await seedDetour(dbUrl, path.join(dataDir, "data"), keyHex, mock.url);
  const openai = await seed.openaiKey("bench openai (slow tail)", "sk-bench-hedge-0001");
  const azure = await seed.azureKey("bench azure", "bench-hedge-azure-0001", "gpt4o-bench", "gpt-4o");
  await seed.close();

  const server = await startDetour("detour", {
    DETOUR_DATA_DIR: path.join(dataDir, "data"),
    DATABASE_URL: dbUrl,
    DETOUR_ENCRYPTION_KEY: keyHex,
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
  });
  const ready = await waitForHealthOrExit(server);
  if (ready.health !== 200) throw new Error(`Detour did not start (${JSON.stringify(ready)}):\n${server.output()}`);
  const origin = `http://127.0.0.1:${server.port}`;
  log(`Detour on ${origin}`);

  const targets = [{ virtual_key: openai }, { virtual_key: azure }];
  const variants: Variant[] = [
    { name: "plain fallback", strategy: { mode: "fallback" } },
    { name: `hedge after ${AFTER_MS} ms`, strategy: { mode: "fallback", hedge: { after_ms: AFTER_MS } } },
    { name: "hedge after p95", strategy: { mode: "fallback", hedge: { after_ms: "p95" } } },
  ];
  const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
  const endpoint = (v: Variant) => ({
    name: v.name,
    origin,
    path: "/v1/chat/completions",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": seed.apiKey,
      "x-portkey-config": JSON.stringify({ strategy: v.strategy, targets }),
    },
    body,
  });

  // Warm-up: the JIT, the connection pools, and the p95 (20 answers at least).
  for (const v of variants) await startLoad([endpoint(v)], C, 2).done;
  await waitForLogDrain([origin]);

  const tallies = new Map<string, Tally>(
    variants.map((v) => [v.name, { latencies: [], answered: 0, nonOk: 0, errors: 0, seconds: 0, rows: 0, attempts: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with a different config: none always runs first or last.
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
    for (const v of order) {
      const before = await countLogs(dbUrl);
      const result = await startLoad([endpoint(v)], C, SECONDS).done;
      await waitForLogDrain([origin]);
      const after = await countLogs(dbUrl);
      const t = tallies.get(v.name) as Tally;
      for (const ms of result.latencies) t.latencies.push(ms);
      t.answered += result.answered;
      t.errors += result.errors;
      for (const [status, n] of result.perEndpoint[0]?.statuses ?? []) if (status < 200 || status > 299) t.nonOk += n;
      t.seconds += result.seconds;
      t.rows += after.rows - before.rows;
      t.attempts += after.attempts - before.attempts;
      log(`round ${round + 1}/${ROUNDS} ${v.name}: ${result.answered} answered, ${(result.answered / result.seconds).toFixed(0)} req/s`);
    }
  }

  const rows = variants.map((v) => {
    const t = tallies.get(v.name) as Tally;
    const sorted = Float64Array.from(t.latencies).sort();
    return [
      v.name,
      String(t.answered),
      fmt(percentile(sorted, 50), 1),
      fmt(percentile(sorted, 99), 1),
      fmt(percentile(sorted, 99.9), 1),
      fmt(t.answered / t.seconds, 0),
      fmt(t.attempts / t.rows, 3),
      String(t.nonOk + t.errors),
    ];
  });
  process.stdout.write(
    `${table(["config", "requests", "p50 ms", "p99 ms", "p99.9 ms", "req/s", "upstream calls / request", "non-2xx + errors"], rows)}\n\n` +
      `${ROUNDS} rounds × ${SECONDS} s per config, ${C} clients, OpenAI first with ${TAIL.probability * 100}% of answers ${TAIL.ms} ms late, Azure second.\n`,
  );
}

runMain(main, 30 * 60_000);
