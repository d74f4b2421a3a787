/**
 * What a budget check costs Detour (docs/GATEWAY.md §12.3): the same chat completion through a
 * virtual key without a budget and through one with a (never reached) monthly budget, on a Detour
 * without Redis (the in-memory ledger) and on one with REDIS_URL (one Lua script to reserve on the
 * request path; the settlement runs after the answer, off it), all in one run against the mock.
 *
 *   npx tsx bench/budget-cost.ts [--rounds 12] [--per-round 40]
 *
 * One client, one request at a time (c=1), the cases interleaved round by round. Per case: Detour's
 * own time as it reports it (`server-timing: gateway;dur=`) and the CPU time of its process per
 * request (/proc: the settlement and the log row included), with the difference to the same
 * instance's unbudgeted case. Needs the production build (`npm run build`) and Redis at
 * DETOUR_BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { waitForHealthOrExit } from "../testing/server-process";
import { countLogs, seedDetour, startMock, waitForLogDrain } from "./lib/detour";
import { log, onCleanup, root, runMain, startDetour, treeCpuMs } from "./lib/procs";

const { values: opts } = parseArgs({
  options: { rounds: { type: "string", default: "12" }, "per-round": { type: "string", default: "40" } },
});
const ROUNDS = Number(opts.rounds);
const PER_ROUND = Number(opts["per-round"]);
const REDIS_URL = process.env.DETOUR_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

type Instance = { name: string; origin: string; pid: number | undefined; dbUrl: string; plain: string; budgeted: string; apiKey: string };
type Case = { name: string; instance: Instance; vk: string; baseline?: string };
type Tally = { timings: number[]; cpuMs: number; requests: number };

const BODY = JSON.stringify({
  model: "gpt-4o",
  max_tokens: 64,
  messages: [{ role: "user", content: "What are the 7 wonders of the world?" }],
});

async function startInstance(name: string, mockUrl: string, extraEnv: Record<string, string>): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-budget-bench-"));
  onCleanup(`remove ${name}'s data dir`, () => rmSync(dataDir, { recursive: true, force: true }));
  const dbUrl = `file:${path.join(dataDir, "detour.db")}`;
  const keyHex = randomBytes(32).toString("hex");
  const seed = await seedDetour(dbUrl, dataDir, keyHex, mockUrl);
  const plain = await seed.openaiKey("no budget", "sk-bench-plain-0001");
  const budgeted = await seed.openaiKey("budgeted", "sk-bench-budget-0002");
  await seed.virtualKeyBudget(budgeted, 1_000_000, "monthly");
  await seed.close();
  const detour = await startDetour(name, {
    DETOUR_DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    DETOUR_ENCRYPTION_KEY: keyHex,
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    ...extraEnv,
  });
  const ready = await waitForHealthOrExit(detour);
  if (ready.health !== 200) throw new Error(`${name} did not start (${JSON.stringify(ready)}):\n${detour.output()}`);
  const origin = `http://127.0.0.1:${detour.port}`;
  log(`${name} on ${origin} (pid ${detour.child.pid})`);
  return { name, origin, pid: detour.child.pid, dbUrl, plain, budgeted, apiKey: seed.apiKey };
}

async function main(): Promise<void> {
  process.chdir(root);
  process.env.LOG_LEVEL ??= "warn";
  const mock = await startMock();
  log(`mock upstream on ${mock.url}`);
  const memory = await startInstance("Detour (no Redis)", mock.url, {});
  const redis = await startInstance("Detour (Redis)", mock.url, {
    REDIS_URL,
    DETOUR_REDIS_PREFIX: `detour-bench-${randomBytes(3).toString("hex")}`,
  });
  const cases: Case[] = [memory, redis].flatMap((instance) => [
    { name: `${instance.name}: no budget`, instance, vk: instance.plain },
    { name: `${instance.name}: budget`, instance, vk: instance.budgeted, baseline: `${instance.name}: no budget` },
  ]);

  const send = async (c: Case): Promise<number> => {
    const res = await fetch(`${c.instance.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": c.instance.apiKey, "x-portkey-virtual-key": c.vk },
      body: BODY,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${text.slice(0, 300)}`);
    const timing = /gateway;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1];
    if (timing === undefined) throw new Error(`${c.name}: no server-timing header`);
    return Number(timing);
  };

  for (const c of cases) for (let i = 0; i < 50; i++) await send(c);
  const tallies = new Map<string, Tally>(cases.map((c) => [c.name, { timings: [], cpuMs: 0, requests: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of round % 2 ? [...cases].reverse() : cases) {
      const t = tallies.get(c.name)!;
      const cpu0 = treeCpuMs(c.instance.pid);
      for (let i = 0; i < PER_ROUND; i++) t.timings.push(await send(c));
      t.cpuMs += treeCpuMs(c.instance.pid) - cpu0;
      t.requests += PER_ROUND;
    }
  }
  await waitForLogDrain([memory.origin, redis.origin]);
  const rows = [(await countLogs(memory.dbUrl)).rows, (await countLogs(redis.dbUrl)).rows];

  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const diff = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;
  console.log(`\n## Budget check cost (c=1, ${ROUNDS} rounds x ${PER_ROUND} requests per case, ${new Date().toISOString()})\n`);
  console.log("| case | requests | server-timing p50 ms (vs no budget) | p90 ms | CPU ms/request (vs no budget) |");
  console.log("|---|---|---|---|---|");
  for (const c of cases) {
    const t = tallies.get(c.name)!;
    const base = c.baseline ? tallies.get(c.baseline)! : null;
    const p50 = q(t.timings, 0.5);
    const cpu = t.cpuMs / t.requests;
    const d50 = base ? ` (${diff(p50 - q(base.timings, 0.5))})` : "";
    const dcpu = base ? ` (${diff(cpu - base.cpuMs / base.requests)})` : "";
    console.log(`| ${c.name} | ${t.requests} | ${p50.toFixed(3)}${d50} | ${q(t.timings, 0.9).toFixed(3)} | ${cpu.toFixed(3)}${dcpu} |`);
  }
  console.log(`\nLog rows: ${rows.join(" and ")} (requests sent ${2 * 2 * (50 + ROUNDS * PER_ROUND)}).`);
}

runMain(main, 15 * 60_000);
