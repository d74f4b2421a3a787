/**
 * What translating and each wire cost Detour: a chat completion answered by an Anthropic target
 * (OpenAI chat -> Anthropic Messages and back, JSON and SSE) against the same request passed through
 * to an OpenAI target, Anthropic's own /v1/messages passed through, and OpenAI's Responses API
 * (a create, and a follow-up pinned to its origin by previous_response_id: the affinity lookup, a
 * hit in the instance's cache here), all in one run against the mock upstream.
 *
 *   npx tsx bench/translation-cost.ts [--rounds 12] [--per-round 40]
 *
 * One client, one request at a time (c=1), the cases interleaved round by round so that the
 * machine's noise falls on all of them alike. Two figures per case: Detour's own time as it reports
 * it (`server-timing: gateway;dur=`, taken when the answer starts: for a stream, before the events
 * are relayed and translated), and the CPU time of Detour's process per request (/proc, everything
 * the process did, the relay and the log row included), with the difference to the OpenAI
 * pass-through of the same kind. Needs the production build (`npm run build`).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { waitForHealthOrExit } from "../testing/server-process";
import { countLogs, seedDetour, sqliteDetourEnv, startMock, waitForLogDrain } from "./lib/detour";
import { log, onCleanup, root, runMain, startDetour, treeCpuMs } from "./lib/procs";

const { values: opts } = parseArgs({
  options: { rounds: { type: "string", default: "12" }, "per-round": { type: "string", default: "40" } },
});
const ROUNDS = Number(opts.rounds);
const PER_ROUND = Number(opts["per-round"]);

type Case = { name: string; path: string; headers: Record<string, string>; body: string; stream: boolean; baseline?: string };
type Tally = { timings: number[]; cpuMs: number; requests: number };

const MESSAGES = [{ role: "user", content: "What are the 7 wonders of the world?" }];

async function main(): Promise<void> {
  process.chdir(root);
  process.env.LOG_LEVEL ??= "warn";
  const mock = await startMock();
  log(`mock upstream on ${mock.url}`);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-translation-"));
  onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
  const dbFile = path.join(dataDir, "detour.db");
  const keyHex = randomBytes(32).toString("hex");
  const seed = await seedDetour(`file:${dbFile}`, dataDir, keyHex, mock.url);
  const openai = await seed.openaiKey("bench openai", "sk-bench-openai-0001");
  const anthropic = await seed.anthropicKey("bench anthropic", "sk-ant-bench-0002");
  await seed.close();

  const detour = await startDetour("Detour", sqliteDetourEnv(dataDir, dbFile, keyHex));
  const ready = await waitForHealthOrExit(detour);
  if (ready.health !== 200) throw new Error(`Detour did not start (${JSON.stringify(ready)}):\n${detour.output()}`);
  const origin = `http://127.0.0.1:${detour.port}`;
  log(`Detour on ${origin} (pid ${detour.child.pid})`);

  const auth = { "x-portkey-api-key": seed.apiKey, "content-type": "application/json" };
  const chat = (stream: boolean) => JSON.stringify({ model: "claude-sonnet-4-5", messages: MESSAGES, ...(stream && { stream: true }) });
  const native = (stream: boolean) =>
    JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 256, messages: MESSAGES, ...(stream && { stream: true }) });
  const responses = (stream: boolean, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ model: "gpt-4o", input: "What are the 7 wonders of the world?", ...extra, ...(stream && { stream: true }) });
  const first = await fetch(`${origin}/v1/responses`, {
    method: "POST",
    headers: { ...auth, "x-portkey-virtual-key": openai },
    body: responses(false),
  });
  const previous = ((await first.json()) as { id: string }).id;
  const cases: Case[] = [
    {
      name: "chat -> openai (pass-through)",
      path: "/v1/chat/completions",
      headers: { ...auth, "x-portkey-virtual-key": openai },
      body: chat(false),
      stream: false,
    },
    {
      name: "chat -> anthropic (translated)",
      path: "/v1/chat/completions",
      headers: { ...auth, "x-portkey-virtual-key": anthropic },
      body: chat(false),
      stream: false,
      baseline: "chat -> openai (pass-through)",
    },
    {
      name: "messages -> anthropic (pass-through)",
      path: "/v1/messages",
      headers: { ...auth, "x-portkey-virtual-key": anthropic },
      body: native(false),
      stream: false,
      baseline: "chat -> openai (pass-through)",
    },
    {
      name: "chat stream -> openai (pass-through)",
      path: "/v1/chat/completions",
      headers: { ...auth, "x-portkey-virtual-key": openai },
      body: chat(true),
      stream: true,
    },
    {
      name: "chat stream -> anthropic (translated)",
      path: "/v1/chat/completions",
      headers: { ...auth, "x-portkey-virtual-key": anthropic },
      body: chat(true),
      stream: true,
      baseline: "chat stream -> openai (pass-through)",
    },
    {
      name: "messages stream -> anthropic (pass-through)",
      path: "/v1/messages",
      headers: { ...auth, "x-portkey-virtual-key": anthropic },
      body: native(true),
      stream: true,
      baseline: "chat stream -> openai (pass-through)",
    },
    {
      name: "responses -> openai",
      path: "/v1/responses",
      headers: { ...auth, "x-portkey-virtual-key": openai },
      body: responses(false),
      stream: false,
      baseline: "chat -> openai (pass-through)",
    },
    {
      name: "responses follow-up -> openai (pinned)",
      path: "/v1/responses",
      headers: { ...auth, "x-portkey-virtual-key": openai },
      body: responses(false, { previous_response_id: previous, store: false }),
      stream: false,
      baseline: "chat -> openai (pass-through)",
    },
    {
      name: "responses stream -> openai",
      path: "/v1/responses",
      headers: { ...auth, "x-portkey-virtual-key": openai },
      body: responses(true),
      stream: true,
      baseline: "chat stream -> openai (pass-through)",
    },
  ];

  const send = async (c: Case): Promise<number> => {
    const res = await fetch(origin + c.path, { method: "POST", headers: c.headers, body: c.body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${text.slice(0, 300)}`);
    const timing = /gateway;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1];
    if (timing === undefined) throw new Error(`${c.name}: no server-timing header`);
    return Number(timing);
  };

  // Warm-up: every case, so the JIT has seen each path before anything is counted.
  for (const c of cases) for (let i = 0; i < 50; i++) await send(c);

  const tallies = new Map<string, Tally>(cases.map((c) => [c.name, { timings: [], cpuMs: 0, requests: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of round % 2 ? [...cases].reverse() : cases) {
      const t = tallies.get(c.name)!;
      const cpu0 = treeCpuMs(detour.child.pid);
      for (let i = 0; i < PER_ROUND; i++) t.timings.push(await send(c));
      t.cpuMs += treeCpuMs(detour.child.pid) - cpu0;
      t.requests += PER_ROUND;
    }
  }
  const [queue] = await waitForLogDrain([origin]);
  const logs = await countLogs(`file:${dbFile}`);

  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const row = (c: Case) => {
    const t = tallies.get(c.name)!;
    const base = c.baseline ? tallies.get(c.baseline)! : null;
    const p50 = q(t.timings, 0.5);
    const cpu = t.cpuMs / t.requests;
    const d50 = base ? ` (${p50 - q(base.timings, 0.5) >= 0 ? "+" : ""}${(p50 - q(base.timings, 0.5)).toFixed(3)})` : "";
    const dcpu = base ? ` (${cpu - base.cpuMs / base.requests >= 0 ? "+" : ""}${(cpu - base.cpuMs / base.requests).toFixed(3)})` : "";
    return `| ${c.name} | ${t.requests} | ${p50.toFixed(3)}${d50} | ${q(t.timings, 0.9).toFixed(3)} | ${cpu.toFixed(3)}${dcpu} |`;
  };
  console.log(`\n## Translation and wire cost (c=1, ${ROUNDS} rounds x ${PER_ROUND} requests per case, ${new Date().toISOString()})\n`);
  console.log("| case | requests | server-timing p50 ms (vs pass-through) | p90 ms | CPU ms/request (vs pass-through) |");
  console.log("|---|---|---|---|---|");
  for (const c of cases) console.log(row(c));
  console.log(`\nLog rows: ${logs.rows} (requests sent ${cases.length * (50 + ROUNDS * PER_ROUND)}; queue ${JSON.stringify(queue)}).`);
}

runMain(main, 15 * 60_000);
