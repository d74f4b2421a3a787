/**
 * What an open stream and an idle keep-alive connection cost in memory (issue 16, item 5), for the
 * floor relay, Portkey's gateway and Detour in both roles (SQLite), one system at a time:
 *   1. start it (with an inspector on loopback, to force full GCs), warm it up, let it settle:
 *      RSS and the JS heap after a full GC;
 *   2. `--n` requests at once, each on its own keep-alive connection, answered at once; then idle:
 *      RSS and heap again, per connection (the system's upstream connections are part of it);
 *   3. `--n` streams at once over those connections, from an upstream that spaces its SSE events
 *      `--gap` ms apart (each stream stays open ~9 gaps); once every stream has sent its first
 *      content chunk: RSS and heap, per open stream, over step 2;
 *   4. every stream read to its end; the failures are counted (none expected).
 * RSS is the process and its children (VmRSS from /proc); the heap comes from the inspector
 * (`Runtime.getHeapUsage` after `HeapProfiler.collectGarbage`), so it is what the streams hold,
 * not garbage. The load generator is this process (undici, one connection per request).
 *
 *   npx tsx bench/stream-memory.ts [--n 2000] [--gap 3000] [--systems floor,portkey,all,gateway] [--heap-snapshots DIR]
 *
 * `--heap-snapshots DIR`: each system also writes a V8 heap snapshot into DIR (SIGUSR2) after the
 * samples at rest with idle connections and with the streams open; `bench/heap-diff.ts` says what grew.
 *
 * Needs `npm run build` and `npm --prefix bench ci`.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { heapAfterGcMiB } from "./lib/inspector";
import { seedDetour, sqliteDetourEnv, startMock } from "./lib/detour";
import { log, onCleanup, root, runMain, sleep, stopChild, treeRssMiB } from "./lib/procs";
import { fmt, table } from "./lib/stats";
import { detourSystem, floorSystem, portkeySystem, type System, startSystem } from "./lib/systems";
import { freePort } from "../testing/server-process";

const { values: opts } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    gap: { type: "string", default: "3000" },
    systems: { type: "string", default: "floor,portkey,all,gateway" },
    "heap-snapshots": { type: "string" },
  },
});
const N = Number(opts.n);
const GAP_MS = Number(opts.gap);
const WANTED = opts.systems.split(",").filter(Boolean);
if (!(N >= 1 && GAP_MS >= 100)) throw new Error("--n must be >= 1 and --gap >= 100 (ms)");
for (const w of WANTED) if (!["floor", "portkey", "all", "gateway"].includes(w)) throw new Error(`--systems: unknown system ${w}`);

const KEY_FAST = "sk-bench-stream-fast-0001";
const KEY_SLOW = "sk-bench-stream-slow-0002";
const messages = [{ role: "user", content: "What are the 7 wonders of the world?" }];
const PLAIN = JSON.stringify({ model: "gpt-4o", messages });
const STREAM = JSON.stringify({ model: "gpt-4o", stream: true, messages });

type Sample = { rss: number; heap: number };

async function sampleOf(pid: number, inspectPort: number): Promise<Sample> {
  const heap = await heapAfterGcMiB(inspectPort);
  await sleep(200);
  return { rss: treeRssMiB(pid), heap };
}

/** One request on the agent; resolves with its status once the body is read to the end. */
async function plain(agent: Agent, url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(url, { method: "POST", headers, body: PLAIN, dispatcher: agent });
  await res.body.dump({ limit: Number.POSITIVE_INFINITY });
  return res.statusCode;
}

let resent = 0;

type Streams = { firstChunks: Promise<number>; ends: Promise<{ ok: number; failed: string[] }> };

/** `n` streams at once; `firstChunks` resolves (with ms since the start) when every stream sent a `data:` chunk or ended. */
function openStreams(agent: Agent, url: string, headers: Record<string, string>, n: number): Streams {
  const t0 = performance.now();
  let pending = n;
  let allFirst!: (ms: number) => void;
  const firstChunks = new Promise<number>((resolve) => (allFirst = resolve));
  // A keep-alive connection the server closed as the request went out (its idle timeout) is reset
  // before any answer: sent again once on a new one, as a client would; counted in the log line.
  const send = async () => {
    try {
      return await request(url, { method: "POST", headers, body: STREAM, dispatcher: agent, bodyTimeout: 120_000 });
    } catch (err) {
      if ((err as { code?: string }).code !== "ECONNRESET") throw err;
      resent += 1;
      return request(url, { method: "POST", headers, body: STREAM, dispatcher: agent, bodyTimeout: 120_000 });
    }
  };
  const seen = () => {
    pending -= 1;
    if (pending === 0) allFirst(performance.now() - t0);
  };
  const one = async (): Promise<string | null> => {
    let first = false;
    try {
      const res = await send();
      let text = "";
      for await (const chunk of res.body) {
        if (!first) {
          first = true;
          seen();
        }
        if (text.length < 64 * 1024) text += (chunk as Buffer).toString();
      }
      if (res.statusCode !== 200) return `status ${res.statusCode}`;
      return text.includes("data: [DONE]") ? null : "no [DONE]";
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      if (!first) seen();
    }
  };
  const ends = Promise.all(Array.from({ length: n }, one)).then((results) => ({
    ok: results.filter((r) => r === null).length,
    failed: results.filter((r): r is string => r !== null),
  }));
  return { firstChunks, ends };
}

/** Signals the process to write a heap snapshot into `dir` and waits until the file is complete. */
async function heapSnapshot(pid: number, dir: string): Promise<void> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  process.kill(pid, "SIGUSR2");
  for (let waited = 0; waited < 120_000; waited += 250) {
    await sleep(250);
    const file = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    if (!file) continue;
    const size = statSync(path.join(dir, file)).size;
    await sleep(500);
    if (statSync(path.join(dir, file)).size === size) {
      log(`heap snapshot ${path.join(dir, file)} (${fmt(size / 2 ** 20, 0)} MiB)`);
      return;
    }
  }
  throw new Error(`no heap snapshot appeared in ${dir} within 120 s`);
}

async function main(): Promise<void> {
  process.chdir(root);
  const mock = await startMock();
  await mock.script({ match: { key: KEY_SLOW }, fault: { kind: "slow_chunks", delayMs: GAP_MS } });
  if (opts["heap-snapshots"]) mkdirSync(opts["heap-snapshots"], { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "detour-stream-memory-"));
  onCleanup("remove the temp dir", () => rmSync(tmp, { recursive: true, force: true }));

  const systems: System[] = [];
  if (WANTED.includes("floor")) systems.push(await floorSystem(tmp, mock.url));
  if (WANTED.includes("portkey")) systems.push(portkeySystem(mock.url));
  const keyHex = randomBytes(32).toString("hex");
  for (const role of ["all", "gateway"] as const) {
    if (!WANTED.includes(role)) continue;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-stream-memory-data-"));
    onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
    const dbFile = path.join(dataDir, "detour.db");
    const seed = await seedDetour(`file:${dbFile}`, dataDir, keyHex, mock.url);
    const slugs = new Map([
      [KEY_FAST, await seed.openaiKey("fast", KEY_FAST)],
      [KEY_SLOW, await seed.openaiKey("slow", KEY_SLOW)],
    ]);
    await seed.close();
    systems.push(
      detourSystem({
        name: `Detour, DETOUR_ROLE=${role}`,
        role,
        env: sqliteDetourEnv(dataDir, dbFile, keyHex),
        apiKey: seed.apiKey,
        virtualKeyOf: (key) => slugs.get(key)!,
      }),
    );
  }

  const rows: string[][] = [];
  for (const s of systems) {
    const inspectPort = await freePort();
    const snapshots = opts["heap-snapshots"] ? path.resolve(opts["heap-snapshots"]) : null;
    const snapshotFlags = snapshots ? ` --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshots}` : "";
    const r = await startSystem(s, { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}${snapshotFlags}` });
    const pid = r.child.pid!;
    const url = `http://127.0.0.1:${r.port}/v1/chat/completions`;
    const agent = new Agent({ connections: N, pipelining: 1, keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 });
    // warm-up: the hot path compiled, the upstream pool open, on a few connections
    const warm = new Agent({ connections: 16, pipelining: 1 });
    for (let i = 0; i < 40; i += 1) await Promise.all(Array.from({ length: 16 }, () => plain(warm, url, s.headers(KEY_FAST))));
    await Promise.all(Array.from({ length: 16 }, () => openStreams(warm, url, s.headers(KEY_FAST), 1).ends));
    await warm.close();
    await sleep(1_000);
    const base = await sampleOf(pid, inspectPort);

    const statuses = await Promise.all(Array.from({ length: N }, () => plain(agent, url, s.headers(KEY_FAST))));
    const bad = statuses.filter((st) => st !== 200).length;
    if (bad > 0) throw new Error(`${s.name}: ${bad} of ${N} requests were not answered 200`);
    await sleep(1_000);
    const idle = await sampleOf(pid, inspectPort);
    if (snapshots) await heapSnapshot(pid, snapshots);

    resent = 0;
    const streams = openStreams(agent, url, s.headers(KEY_SLOW), N);
    const firstMs = await streams.firstChunks;
    await sleep(300);
    const open = await sampleOf(pid, inspectPort);
    if (snapshots) await heapSnapshot(pid, snapshots);
    const ends = await streams.ends;
    await sleep(1_000);
    const after = await sampleOf(pid, inspectPort);
    await agent.close();
    log(
      `${s.name}: RSS ${fmt(base.rss, 0)} -> ${fmt(idle.rss, 0)} (${N} idle connections) -> ${fmt(open.rss, 0)} (${N} open streams) -> ` +
        `${fmt(after.rss, 0)} MiB; heap after GC ${fmt(base.heap, 1)} -> ${fmt(idle.heap, 1)} -> ${fmt(open.heap, 1)} -> ${fmt(after.heap, 1)} MiB; ` +
        `streams ${ends.ok} ended whole (${resent} sent again after a reset), ${ends.failed.length} failed${ends.failed.length ? ` (${[...new Set(ends.failed)].slice(0, 3).join("; ")})` : ""}`,
    );
    const kib = (mib: number) => fmt((mib * 1024) / N, 1);
    rows.push([
      s.name,
      fmt(base.rss, 0),
      kib(idle.rss - base.rss),
      kib(idle.heap - base.heap),
      kib(open.rss - idle.rss),
      kib(open.heap - idle.heap),
      fmt(open.rss - base.rss, 0),
      fmt(firstMs, 0),
      `${ends.ok}/${N}`,
    ]);
    await stopChild(r.child);
  }
  console.log(
    `\n${N} keep-alive connections, then ${N} streams at once over them (upstream events ${GAP_MS} ms apart); per-connection and ` +
      `per-stream figures are the growth divided by ${N}; heap = JS heap after a full GC\n` +
      table(
        [
          "system",
          "RSS at rest MiB",
          "RSS per idle connection KiB",
          "heap per idle connection KiB",
          "RSS per open stream KiB",
          "heap per open stream KiB",
          `RSS growth with ${N} streams open MiB`,
          "all first chunks after ms",
          "streams whole",
        ],
        rows,
      ),
  );
}

runMain(main, 30 * 60_000);
