/**
 * On-demand benchmark (never part of the test suite): Detour vs Portkey's open-source gateway vs
 * the mock upstream called directly, all measured in the same run on this machine.
 *
 *   npm --prefix bench ci          # once: autocannon + @portkey-ai/gateway (bench/package.json)
 *   npx tsx bench/run.ts           # from the repo root (needs the production build in .next/)
 *   npm --prefix bench run --silent bench   # the same
 *
 * Options: --duration S (measured seconds per case, default 6), --warmup S (default 2),
 * --stream-seconds S (default 4), --cpu-prof DIR (Detour writes a V8 CPU profile there on exit).
 * Markdown goes to stdout, progress to stderr. Every process started here is stopped at the end,
 * also on failure or Ctrl-C; the whole run is bounded by a hard timeout. Loopback only.
 *
 * Processes: the mock upstream (testing/mock-upstream/cli.ts), Detour (scripts/server.ts, production
 * build, fresh SQLite in a temp dir, request logging on as always), the same build under `next start`
 * (Next's route handlers answer the inference routes: the baseline for what scripts/server.ts saves),
 * Portkey's gateway, and the floor (bench/floor-relay.ts: a bare Node.js relay reading the same
 * `x-portkey-config`, falling back on non-2xx, piping streams, with nothing else), each its own
 * process; autocannon runs here. Throughput of streams is measured at c=32 too (autocannon reads
 * each stream to its end). Detour's databases are seeded
 * from this process before it starts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort, waitForHealthOrExit, type ServerProcess } from "../testing/server-process";
import {
  loadAutocannon,
  measure as measureCase,
  runOnce as runAutocannon,
  type Autocannon,
  type CaseResult,
  type Target,
} from "./lib/autocannon";
import { countLogs, seedDetour, seedHotPath, sqliteDetourEnv, startMock } from "./lib/detour";
import { benchDir, buildInfo, exitedOutputs, log, root, runMain, sleep, spawnProc, startDetour, waitForHttp } from "./lib/procs";
import { startLoad } from "./lib/closed-loop";
import { fmt, signed, statusText, summary, table, type Summary } from "./lib/stats";
// Detour's own modules (bootstrap, stores) are imported in main() (bench/lib/detour.ts's seedDetour), after LOG_LEVEL is set: their
// logger must not print to stdout, which carries the Markdown report.

// ---------- options ----------

const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    "stream-seconds": { type: "string", default: "4" },
    "cpu-prof": { type: "string" },
  },
});
const DURATION_S = Number(opts.duration);
const WARMUP_S = Number(opts.warmup);
const STREAM_S = Number(opts["stream-seconds"]);
if (![DURATION_S, WARMUP_S, STREAM_S].every((n) => Number.isFinite(n) && n > 0 && n <= 30)) {
  throw new Error("--duration, --warmup and --stream-seconds must be numbers of seconds in (0, 30]");
}
const PREWARM_S = 1.5; // per gateway target, before any case is measured
// Expected run time with these settings (26 load cases, two undici round-trip cases, 8 stream cases, start-up), and a hard cap.
const EXPECTED_S = 45 + 9 * PREWARM_S + 26 * (WARMUP_S + DURATION_S + 1) + DURATION_S + 8 * (Math.min(WARMUP_S, 1) + STREAM_S + 0.5);
const HARD_TIMEOUT_MS = Math.max(300, 1.5 * EXPECTED_S) * 1000;
const PAUSE_MS = 500; // between cases, so one case's tail does not bleed into the next

// ---------- load cases (bench/lib/autocannon.ts) ----------

let autocannon: Autocannon;
let mockPid: number | undefined;
let detour: ServerProcess | null = null;
/** Every request Detour answered (warm-ups, probes and streams included), for the log check. */
let detourAnswered = 0;
let detourCutOff = false;

function runOnce(
  target: Target,
  c: number,
  amount: number,
  collect: { latencies?: number[]; serverTiming?: number[] },
  watchdogMs: number,
) {
  return runAutocannon(autocannon, target, c, amount, collect, watchdogMs);
}

function measure(name: string, group: CaseResult["group"], system: CaseResult["system"], target: Target, c: number): Promise<CaseResult> {
  return measureCase({
    autocannon,
    name,
    group,
    system,
    target,
    c,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    pauseMs: PAUSE_MS,
    mockPid,
    serverTiming: system === "detour",
    onAnswered: (n, cutOff) => {
      if (system !== "detour") return;
      detourAnswered += n;
      if (cutOff) detourCutOff = true;
    },
  });
}

// ---------- streaming (c=1, own loop: autocannon cannot see time to first byte) ----------

type StreamResult = {
  name: string;
  system: CaseResult["system"];
  mode: "burst" | "paced";
  n: number;
  failures: number;
  headers: Summary;
  firstChunk: Summary;
  total: Summary;
  serverTiming: Summary | null;
};

function streamOnce(
  agent: http.Agent,
  target: Target,
): Promise<{ headersMs: number; firstChunkMs: number; totalMs: number; ok: boolean; serverTiming: number | null }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const t0 = performance.now();
    let headersMs = NaN;
    let firstChunkMs = NaN;
    let text = "";
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { ...target.headers, "content-length": Buffer.byteLength(target.body) },
      },
      (res) => {
        headersMs = performance.now() - t0;
        const st = /dur=([\d.]+)/.exec(String(res.headers["server-timing"] ?? ""));
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          if (Number.isNaN(firstChunkMs) && d.includes("data:")) firstChunkMs = performance.now() - t0;
          text += d;
        });
        res.on("end", () =>
          resolve({
            headersMs,
            firstChunkMs,
            totalMs: performance.now() - t0,
            ok: res.statusCode === 200 && text.includes("data: [DONE]"),
            serverTiming: st ? Number(st[1]) : null,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("stream request timed out")));
    req.end(target.body);
  });
}

async function measureStream(
  name: string,
  system: CaseResult["system"],
  mode: StreamResult["mode"],
  target: Target,
): Promise<StreamResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const run = async (seconds: number, record: boolean) => {
    const out = { headers: [] as number[], first: [] as number[], total: [] as number[], st: [] as number[], failures: 0 };
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const r = await streamOnce(agent, target);
      if (system === "detour") detourAnswered += 1;
      if (!r.ok) out.failures += 1;
      if (!record) continue;
      out.headers.push(r.headersMs);
      out.first.push(r.firstChunkMs);
      out.total.push(r.totalMs);
      if (r.serverTiming !== null) out.st.push(r.serverTiming);
    }
    return out;
  };
  try {
    await run(Math.min(WARMUP_S, 1), false);
    const m = await run(STREAM_S, true);
    const r: StreamResult = {
      name,
      system,
      mode,
      n: m.total.length,
      failures: m.failures,
      headers: summary(m.headers),
      firstChunk: summary(m.first),
      total: summary(m.total),
      serverTiming: m.st.length ? summary(m.st) : null,
    };
    log(
      `${name.padEnd(34)} stream ${mode.padEnd(5)} n=${r.n}  headers p50 ${fmt(r.headers.p50, 2)}  first chunk p50 ${fmt(r.firstChunk.p50, 2)}  total p50 ${fmt(r.total.p50, 2)} p99 ${fmt(r.total.p99, 2)} ms${r.failures ? `  FAILURES ${r.failures}` : ""}`,
    );
    await sleep(PAUSE_MS);
    return r;
  } finally {
    agent.destroy();
  }
}

// ---------- main ----------

async function main(): Promise<void> {
  const started = Date.now();
  process.chdir(root); // Detour and the mock's CLI are started from the repo root
  process.env.LOG_LEVEL ??= "warn";
  autocannon = loadAutocannon();
  const portkeyBin = path.join(benchDir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (!existsSync(portkeyBin)) throw new Error("@portkey-ai/gateway is not installed: run `npm --prefix bench ci` first");
  // The build Detour serves: .next/, or DETOUR_NEXT_DIST_DIR (passed on by startServer).
  const { distDir, current: buildCurrent, gitHead } = buildInfo();

  // 1. the mock upstream, its own process
  const mock = await startMock();
  const mockUrl = mock.url;
  mockPid = mock.pid;
  const KEY_OK = "sk-bench-ok-0001";
  const KEY_FAIL = "sk-bench-fail-0002";
  const KEY_PACED = "sk-bench-paced-0003";
  await mock.script({ match: { key: KEY_FAIL }, fault: { kind: "status", status: 503 } });
  await mock.script({ match: { key: KEY_PACED }, fault: { kind: "slow_chunks", delayMs: 10 } });
  log(`mock upstream on ${mockUrl} (pid ${mockPid})`);

  // 2. Detour: fresh SQLite, seeded here, then the production build as its own process
  const keyHex = randomBytes(32).toString("hex");
  const hot = await seedHotPath("detour-bench-", keyHex, mockUrl, { ok: KEY_OK, fail: KEY_FAIL });
  const { dataDir, dbFile, seed, vkOk, fallback: fallbackSlug, cache: cacheSlug } = hot;
  const apiKey = seed.apiKey;
  const vkPaced = await seed.openaiKey("bench paced", KEY_PACED);
  await seed.close();

  // The environment of both Detour processes (this one and the one under `next start`, below).
  const detourEnv = (dir: string, file: string) => sqliteDetourEnv(dir, file, keyHex);
  const profDir = opts["cpu-prof"] ? path.resolve(opts["cpu-prof"]) : null;
  detour = await startDetour("Detour", detourEnv(dataDir, dbFile), profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []);
  const ready = await waitForHealthOrExit(detour);
  if (ready.health !== 200) throw new Error(`Detour did not start (${JSON.stringify(ready)}):\n${detour.output()}`);
  const detourUrl = `http://127.0.0.1:${detour.port}`;
  log(`Detour on ${detourUrl} (pid ${detour.child.pid}, SQLite ${dbFile})${profDir ? `, CPU profile to ${profDir}` : ""}`);

  // 2b. the same build under `next start`, where Next's route handlers answer the inference routes
  // (what Detour's server skips): its own data dir and database, only its API key is used.
  const nextDataDir = path.join(dataDir, "via-next");
  mkdirSync(nextDataDir);
  const nextDbFile = path.join(nextDataDir, "detour.db");
  const nextSeed = await seedDetour(`file:${nextDbFile}`, nextDataDir, keyHex, mockUrl);
  await nextSeed.close();
  const nextPort = await freePort();
  const viaNext = spawnProc("Detour via next start", ["node_modules/next/dist/bin/next", "start", "-p", String(nextPort)], {
    NEXT_TELEMETRY_DISABLED: "1",
    ...(process.env.DETOUR_NEXT_DIST_DIR ? { DETOUR_NEXT_DIST_DIR: process.env.DETOUR_NEXT_DIST_DIR } : {}),
    ...detourEnv(nextDataDir, nextDbFile),
  });
  const viaNextUrl = `http://127.0.0.1:${nextPort}`;
  await waitForHttp(`${viaNextUrl}/api/health`, viaNext, 60_000);
  log(`Detour via next start on ${viaNextUrl} (pid ${viaNext.child.pid})`);

  // 3. Portkey's gateway, its own process (127.0.0.1/localhost are trusted custom hosts by default)
  const portkeyPort = await freePort();
  const portkey = spawnProc("portkey gateway", [portkeyBin, `--port=${portkeyPort}`, "--headless"], { NODE_ENV: "production" });
  const portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
  await waitForHttp(`${portkeyUrl}/`, portkey);
  log(`Portkey gateway 1.15.2 on ${portkeyUrl} (pid ${portkey.child.pid})`);

  // 3b. the floor: a bare Node.js relay (bench/floor-relay.ts), its own process
  const floorPort = await freePort();
  const floor = spawnProc("floor relay", ["--import", "tsx", "bench/floor-relay.ts", "--port", String(floorPort)], {
    NODE_ENV: "production",
  });
  const floorUrl = `http://127.0.0.1:${floorPort}`;
  await waitForHttp(`${floorUrl}/`, floor);
  log(`floor relay (bare Node.js, undici) on ${floorUrl} (pid ${floor.child.pid})`);

  // 4. targets
  const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
  const streamBody = JSON.stringify({
    model: "gpt-4o",
    stream: true,
    messages: [{ role: "user", content: "What are the 7 wonders of the world?" }],
  });
  // Detour always asks the upstream for the usage chunk (and strips it when the caller did not ask):
  // with paced chunks that extra frame costs one more interval, so paced streams ask for it too.
  const pacedStreamBody = JSON.stringify({
    model: "gpt-4o",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "What are the 7 wonders of the world?" }],
  });
  const json = { "content-type": "application/json" };
  const detourAuth = { ...json, "x-portkey-api-key": apiKey };
  const inlineFallback = JSON.stringify({
    strategy: { mode: "fallback" },
    targets: [
      { provider: "openai", api_key: KEY_FAIL, custom_host: `${mockUrl}/v1` },
      { provider: "openai", api_key: KEY_OK, custom_host: `${mockUrl}/v1` },
    ],
  });
  const directHeaders = (key: string) => ({ ...json, authorization: `Bearer ${key}` });
  const floorHeaders = (key: string) => ({
    ...json,
    "x-portkey-config": JSON.stringify({ provider: "openai", api_key: key, custom_host: `${mockUrl}/v1` }),
  });
  const providerHeaders = (key: string) => ({
    ...json,
    "x-portkey-provider": "openai",
    authorization: `Bearer ${key}`,
    "x-portkey-custom-host": `${mockUrl}/v1`,
  });
  const T = {
    direct: { url: `${mockUrl}/v1/chat/completions`, headers: directHeaders(KEY_OK), body, pid: mockPid },
    direct503: { url: `${mockUrl}/v1/chat/completions`, headers: directHeaders(KEY_FAIL), body, pid: mockPid },
    detourVk: {
      url: `${detourUrl}/v1/chat/completions`,
      headers: { ...detourAuth, "x-portkey-virtual-key": vkOk },
      body,
      pid: detour.child.pid,
    },
    detourProvider: {
      url: `${detourUrl}/v1/chat/completions`,
      headers: { ...detourAuth, ...providerHeaders(KEY_OK) },
      body,
      pid: detour.child.pid,
    },
    detourViaNext: {
      url: `${viaNextUrl}/v1/chat/completions`,
      headers: { ...json, "x-portkey-api-key": nextSeed.apiKey, ...providerHeaders(KEY_OK) },
      body,
      pid: viaNext.child.pid,
    },
    portkey: { url: `${portkeyUrl}/v1/chat/completions`, headers: providerHeaders(KEY_OK), body, pid: portkey.child.pid },
    detourFallback: {
      url: `${detourUrl}/v1/chat/completions`,
      headers: { ...detourAuth, "x-portkey-config": fallbackSlug },
      body,
      pid: detour.child.pid,
    },
    detourCacheHit: {
      url: `${detourUrl}/v1/chat/completions`,
      headers: { ...detourAuth, "x-portkey-config": cacheSlug },
      body,
      pid: detour.child.pid,
    },
    detourFallbackInline: {
      url: `${detourUrl}/v1/chat/completions`,
      headers: { ...detourAuth, "x-portkey-config": inlineFallback },
      body,
      pid: detour.child.pid,
    },
    portkeyFallback: {
      url: `${portkeyUrl}/v1/chat/completions`,
      headers: { ...json, "x-portkey-config": inlineFallback },
      body,
      pid: portkey.child.pid,
    },
    floor: { url: `${floorUrl}/v1/chat/completions`, headers: floorHeaders(KEY_OK), body, pid: floor.child.pid },
    floorFallback: {
      url: `${floorUrl}/v1/chat/completions`,
      headers: { ...json, "x-portkey-config": inlineFallback },
      body,
      pid: floor.child.pid,
    },
  } satisfies Record<string, Target>;

  // 5. sanity: every target answers 200 (503 for the failing baseline), fallbacks really fall back
  for (const [name, t] of Object.entries(T)) {
    const res = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
    const text = await res.text();
    if (t.url.startsWith(`${detourUrl}/`)) detourAnswered += 1;
    const want = name === "direct503" ? 503 : 200;
    if (res.status !== want) throw new Error(`${name}: expected ${want}, got ${res.status}: ${text.slice(0, 300)}`);
    const index = res.headers.get("x-portkey-last-used-option-index");
    if (name.toLowerCase().includes("fallback") && index !== "config.targets[1]")
      throw new Error(`${name}: answered by ${index}, not by the second target`);
    if (name === "detourCacheHit") {
      const again = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
      await again.arrayBuffer();
      detourAnswered += 1;
      if (again.headers.get("x-portkey-cache-status") !== "HIT")
        throw new Error(`${name}: the second request was ${again.headers.get("x-portkey-cache-status")}, not a cache HIT`);
    }
  }
  log("all targets answer as expected; warming every gateway path up (JIT), then measuring");
  // Without this the first gateway case of a run pays for the JIT warm-up of code shared by all.
  for (const [name, t] of Object.entries(T)) {
    if (t.url.startsWith(`${mockUrl}/`)) continue;
    const end = performance.now() + PREWARM_S * 1000;
    while (performance.now() < end) {
      const { result } = await runOnce(t, 8, 200, {}, 20_000);
      if (t.url.startsWith(`${detourUrl}/`)) detourAnswered += result["2xx"] + result.non2xx;
      if (result["2xx"] === 0) throw new Error(`${name}: no 2xx during the pre-warm`);
    }
  }

  // 6. non-streaming single target, then fallback, at c=1 and c=32
  const results: CaseResult[] = [];
  for (const c of [1, 32]) {
    results.push(await measure("direct to mock", "single", "direct", T.direct, c));
    results.push(await measure("direct to mock, 503", "baseline503", "direct", T.direct503, c));
    results.push(await measure("Detour (virtual key)", "single", "detour", T.detourVk, c));
    results.push(await measure("Detour (provider headers)", "single", "detour", T.detourProvider, c));
    results.push(await measure("Detour via next start (provider headers)", "single", "detour-next", T.detourViaNext, c));
    results.push(await measure("Portkey (provider headers)", "single", "portkey", T.portkey, c));
    results.push(await measure("Detour fallback (saved config)", "fallback", "detour", T.detourFallback, c));
    results.push(await measure("Detour fallback (inline config)", "fallback", "detour", T.detourFallbackInline, c));
    results.push(await measure("Portkey fallback (inline config)", "fallback", "portkey", T.portkeyFallback, c));
    results.push(await measure("floor relay", "single", "floor", T.floor, c));
    results.push(await measure("floor relay fallback (inline config)", "fallback", "floor", T.floorFallback, c));
    results.push(await measure("Detour cache hit (saved config)", "single", "detour", T.detourCacheHit, c));
  }

  // 6a. stream throughput at c=32: the whole stream (burst) read by autocannon, per system.
  const streamTargets = {
    direct: { ...T.direct, body: streamBody },
    detour: { ...T.detourVk, body: streamBody },
    portkey: { ...T.portkey, body: streamBody },
    floor: { ...T.floor, body: streamBody },
  } satisfies Record<string, Target>;
  results.push(await measure("direct to mock, stream", "stream", "direct", streamTargets.direct, 32));
  results.push(await measure("Detour (virtual key), stream", "stream", "detour", streamTargets.detour, 32));
  results.push(await measure("Portkey (provider headers), stream", "stream", "portkey", streamTargets.portkey, 32));
  results.push(await measure("floor relay, stream", "stream", "floor", streamTargets.floor, 32));

  // 6b. the same two direct calls at c=1 through undici, the HTTP client Detour uses upstream: a
  // gateway's failed attempt costs what its own client takes for the round trip, not autocannon's.
  const viaUndici = async (key: string): Promise<Summary> => {
    const run = await startLoad(
      [{ name: "direct", origin: mockUrl, path: "/v1/chat/completions", headers: directHeaders(key), body }],
      1,
      DURATION_S / 2,
    ).done;
    log(
      `direct to mock via undici (${key === KEY_OK ? "200" : "503"}), c=1: p50 ${fmt(summary(run.latencies).p50)} ms over ${run.answered} requests`,
    );
    return summary(run.latencies);
  };
  const undiciDirect = { ok: await viaUndici(KEY_OK), fail: await viaUndici(KEY_FAIL) };

  // 7. streaming, c=1: mock sends the whole stream at once (burst), or 10 ms between chunks (paced)
  const streams: StreamResult[] = [];
  for (const mode of ["burst", "paced"] as const) {
    const key = mode === "burst" ? KEY_OK : KEY_PACED;
    const vkSlug = mode === "burst" ? vkOk : vkPaced;
    const streamBody_ = mode === "burst" ? streamBody : pacedStreamBody;
    streams.push(
      await measureStream("direct to mock", "direct", mode, { url: T.direct.url, headers: directHeaders(key), body: streamBody_ }),
    );
    streams.push(
      await measureStream("Detour (virtual key)", "detour", mode, {
        url: T.detourVk.url,
        headers: { ...detourAuth, "x-portkey-virtual-key": vkSlug },
        body: streamBody_,
      }),
    );
    streams.push(
      await measureStream("Portkey (provider headers)", "portkey", mode, {
        url: T.portkey.url,
        headers: providerHeaders(key),
        body: streamBody_,
      }),
    );
    streams.push(await measureStream("floor relay", "floor", mode, { url: T.floor.url, headers: floorHeaders(key), body: streamBody_ }));
  }

  // 8. Detour's log rows == requests it answered
  let health: { log_queue?: { queued: number; written: number; dropped: number; rejected: number; failed_writes: number } } = {};
  const deadline = Date.now() + 20_000;
  for (;;) {
    health = (await (await fetch(`${detourUrl}/api/health`)).json()) as typeof health;
    if ((health.log_queue?.queued ?? 1) === 0 || Date.now() > deadline) break;
    await sleep(250);
  }
  const q = health.log_queue;
  const { rows, byStatus, attempts } = await countLogs(`file:${dbFile}`);
  const logOk = !!q && q.queued === 0 && q.dropped === 0 && q.rejected === 0 && q.written === detourAnswered && rows === detourAnswered;
  const logLine =
    `Detour answered ${detourAnswered} requests; log rows in SQLite: ${rows} (${byStatus.map((s) => `${s.status}×${s.n}`).join(", ")}), ` +
    `attempt rows: ${attempts}; /api/health log_queue: written ${q?.written}, queued ${q?.queued}, dropped ${q?.dropped}, rejected ${q?.rejected}, failed writes ${q?.failed_writes}` +
    ` => ${logOk ? "OK, one row per answered request, none dropped" : "MISMATCH"}${detourCutOff ? " (a watchdog cut requests off: counts may differ by in-flight requests)" : ""}`;
  log(logLine);

  // 9. report (Markdown on stdout)
  const get = (name: string, c: number) => results.find((r) => r.name === name && r.c === c)!;
  const out: string[] = [];
  out.push(`## Detour benchmark, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`);
  out.push("");
  out.push(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), shared with other work; load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}. ` +
      `Node ${process.version}. Detour ${gitHead} (production build in ${distDir}/${buildCurrent ? "" : ", STALE: older than the sources"}, SQLite, request logging on), ` +
      `@portkey-ai/gateway 1.15.2, mock upstream from testing/mock-upstream, autocannon. Every gateway path is pre-warmed ${PREWARM_S} s (JIT); then each case: ${WARMUP_S} s warm-up, then ~${DURATION_S} s measured; latencies are per request as the client saw them.`,
  );
  out.push("");
  // The ratios that matter, first: everything ran against the same mock in the same run.
  const ratio = (a: string, b: string, c: number) => fmt(get(a, c).rps / get(b, c).rps);
  const burst = (system: CaseResult["system"]) => streams.find((x) => x.mode === "burst" && x.system === system)!;
  out.push("### Summary");
  out.push("");
  out.push(
    table(
      ["figure", "c=1", "c=32"],
      [
        [
          "Detour (virtual key) req/s ÷ floor relay req/s (target >= 0.5 at c=32)",
          ratio("Detour (virtual key)", "floor relay", 1),
          ratio("Detour (virtual key)", "floor relay", 32),
        ],
        [
          "Detour fallback (saved) req/s ÷ floor relay fallback req/s",
          ratio("Detour fallback (saved config)", "floor relay fallback (inline config)", 1),
          ratio("Detour fallback (saved config)", "floor relay fallback (inline config)", 32),
        ],
        ["Detour stream req/s ÷ floor relay stream req/s", "–", ratio("Detour (virtual key), stream", "floor relay, stream", 32)],
        [
          "Detour cache hit req/s ÷ floor relay (single target) req/s (target >= 1)",
          ratio("Detour cache hit (saved config)", "floor relay", 1),
          ratio("Detour cache hit (saved config)", "floor relay", 32),
        ],
        [
          "Detour's p50 added at c=1 minus the floor's (target <= 0.30 ms): single / fallback / stream total (burst)",
          `${signed(get("Detour (virtual key)", 1).p50 - get("floor relay", 1).p50)} / ${signed(
            get("Detour fallback (saved config)", 1).p50 - get("floor relay fallback (inline config)", 1).p50,
          )} / ${signed(burst("detour").total.p50 - burst("floor").total.p50)} ms`,
          "–",
        ],
        [
          "p99 at c=32: Detour / floor (target <= 2x): single, fallback, stream",
          "–",
          `${fmt(get("Detour (virtual key)", 32).p99 / get("floor relay", 32).p99)}x, ${fmt(
            get("Detour fallback (saved config)", 32).p99 / get("floor relay fallback (inline config)", 32).p99,
          )}x, ${fmt(get("Detour (virtual key), stream", 32).p99 / get("floor relay, stream", 32).p99)}x`,
        ],
        [
          "server CPU per request: Detour / floor (single)",
          `${fmt(get("Detour (virtual key)", 1).serverCpuMsPerReq, 3)} / ${fmt(get("floor relay", 1).serverCpuMsPerReq, 3)} ms`,
          `${fmt(get("Detour (virtual key)", 32).serverCpuMsPerReq, 3)} / ${fmt(get("floor relay", 32).serverCpuMsPerReq, 3)} ms`,
        ],
        [
          "Detour (virtual key) req/s ÷ Portkey req/s",
          ratio("Detour (virtual key)", "Portkey (provider headers)", 1),
          ratio("Detour (virtual key)", "Portkey (provider headers)", 32),
        ],
        [
          "Detour (provider headers) req/s ÷ Portkey req/s",
          ratio("Detour (provider headers)", "Portkey (provider headers)", 1),
          ratio("Detour (provider headers)", "Portkey (provider headers)", 32),
        ],
        [
          "Detour (provider headers) req/s ÷ the same build under `next start`",
          ratio("Detour (provider headers)", "Detour via next start (provider headers)", 1),
          ratio("Detour (provider headers)", "Detour via next start (provider headers)", 32),
        ],
        [
          "Detour fallback (saved) req/s ÷ Portkey fallback req/s",
          ratio("Detour fallback (saved config)", "Portkey fallback (inline config)", 1),
          ratio("Detour fallback (saved config)", "Portkey fallback (inline config)", 32),
        ],
        ...(["Detour (virtual key)", "Portkey (provider headers)"] as const).map((n) => [
          `${n}: p50 added to direct, ms`,
          signed(get(n, 1).p50 - get("direct to mock", 1).p50),
          signed(get(n, 32).p50 - get("direct to mock", 32).p50),
        ]),
        ...(["Detour fallback (saved config)", "Portkey fallback (inline config)"] as const).map((n) => {
          const single = n.startsWith("Detour") ? "Detour (virtual key)" : "Portkey (provider headers)";
          return [
            `${n}: p50 − its single-target p50, ms (one 503 round trip direct: ${fmt(get("direct to mock, 503", 1).p50)})`,
            signed(get(n, 1).p50 - get(single, 1).p50),
            signed(get(n, 32).p50 - get(single, 32).p50),
          ];
        }),
        [
          "one 503 round trip direct, p50: autocannon / undici (Detour's upstream client), ms",
          `${fmt(get("direct to mock, 503", 1).p50)} / ${fmt(undiciDirect.fail.p50)}`,
          "–",
        ],
        [
          "Detour / Portkey server CPU per request (single target)",
          `${fmt(get("Detour (virtual key)", 1).serverCpuMsPerReq)} / ${fmt(get("Portkey (provider headers)", 1).serverCpuMsPerReq)} ms`,
          `${fmt(get("Detour (virtual key)", 32).serverCpuMsPerReq)} / ${fmt(get("Portkey (provider headers)", 32).serverCpuMsPerReq)} ms`,
        ],
        [
          "Detour / Portkey p99 (single target)",
          `${fmt(get("Detour (virtual key)", 1).p99)} / ${fmt(get("Portkey (provider headers)", 1).p99)} ms`,
          `${fmt(get("Detour (virtual key)", 32).p99)} / ${fmt(get("Portkey (provider headers)", 32).p99)} ms`,
        ],
        [
          "stream first chunk added to direct, p50: Detour / Portkey (burst)",
          `${signed(burst("detour").firstChunk.p50 - burst("direct").firstChunk.p50)} / ${signed(burst("portkey").firstChunk.p50 - burst("direct").firstChunk.p50)} ms`,
          "–",
        ],
      ],
    ),
  );
  out.push("");
  out.push("### Single target, non-streaming chat");
  out.push("");
  const singleRows: string[][] = [];
  for (const c of [1, 32]) {
    const d = get("direct to mock", c);
    for (const r of results.filter((x) => x.c === c && (x.group === "single" || x.group === "baseline503"))) {
      const isDirect = r.system === "direct";
      singleRows.push([
        r.name,
        String(c),
        fmt(r.rps, 0),
        fmt(r.p50),
        fmt(r.p99),
        isDirect ? "–" : signed(r.p50 - d.p50),
        isDirect && r.group === "single" ? "1.00" : r.group === "baseline503" ? "–" : fmt(r.rps / d.rps),
        fmt(r.serverCpuMsPerReq, 3),
        statusText(r.statuses, r.errors),
      ]);
    }
  }
  out.push(
    table(
      ["case", "c", "req/s", "p50 ms", "p99 ms", "overhead p50 ms (vs direct)", "req/s vs direct", "server CPU ms/req", "answers"],
      singleRows,
    ),
  );
  out.push("");
  out.push("Server CPU = user+system CPU of the process under test (for direct: the mock) divided by requests answered.");
  out.push("");
  out.push("### Fallback: first target always 503, second answers");
  out.push("");
  out.push(
    "Floor = direct p50 + direct-503 p50: the answer plus one failed upstream round trip. At c=1 that is the bound to compare with; " +
      "at c=32 the gateways are CPU-bound, latency is mostly queueing, and the telling figure is req/s against the same gateway's single-target case.",
  );
  out.push("");
  const fbRows: string[][] = [];
  for (const c of [1, 32]) {
    const d = get("direct to mock", c);
    const d503 = get("direct to mock, 503", c);
    const floor = d.p50 + d503.p50;
    for (const r of results.filter((x) => x.c === c && x.group === "fallback")) {
      const single = get(
        r.system === "detour"
          ? r.name.includes("inline")
            ? "Detour (provider headers)"
            : "Detour (virtual key)"
          : r.system === "floor"
            ? "floor relay"
            : "Portkey (provider headers)",
        c,
      );
      fbRows.push([
        r.name,
        String(c),
        fmt(r.rps, 0),
        fmt(r.p50),
        fmt(r.p99),
        fmt(floor),
        signed(r.p50 - floor),
        signed(r.p50 - single.p50),
        fmt(d503.p50),
        fmt(r.rps / single.rps),
        fmt(r.rps / d.rps),
        fmt(r.serverCpuMsPerReq, 3),
        statusText(r.statuses, r.errors),
      ]);
    }
  }
  out.push(
    table(
      [
        "case",
        "c",
        "req/s",
        "p50 ms",
        "p99 ms",
        "floor p50 ms",
        "p50 − floor",
        "p50 − same gateway single p50",
        "one 503 round trip p50",
        "req/s vs same gateway single",
        "req/s vs direct",
        "server CPU ms/req",
        "answers",
      ],
      fbRows,
    ),
  );
  out.push("");
  out.push("### Stream throughput, c=32 (burst: each stream read to its end)");
  out.push("");
  const directStream = get("direct to mock, stream", 32);
  out.push(
    table(
      ["case", "req/s", "p50 ms", "p99 ms", "req/s vs direct", "server CPU ms/req", "answers"],
      results
        .filter((r) => r.group === "stream")
        .map((r) => [
          r.name,
          fmt(r.rps, 0),
          fmt(r.p50),
          fmt(r.p99),
          fmt(r.rps / directStream.rps),
          fmt(r.serverCpuMsPerReq, 3),
          statusText(r.statuses, r.errors),
        ]),
    ),
  );
  out.push("");
  out.push(`### Streaming (stream: true), c=1, ${STREAM_S} s per case`);
  out.push("");
  out.push(
    "burst: the mock writes the whole stream at once (the caller does not ask for usage); paced: 10 ms between events and the caller asks for usage " +
      "(`stream_options.include_usage`), so every system gets the same 9 upstream events, ~80 ms. Headers = response headers received; " +
      "first chunk = first `data:` bytes; total = end of stream.",
  );
  out.push("");
  const stRows: string[][] = [];
  for (const mode of ["burst", "paced"] as const) {
    const d = streams.find((s) => s.mode === mode && s.system === "direct")!;
    for (const s of streams.filter((x) => x.mode === mode)) {
      stRows.push([
        s.name,
        mode,
        String(s.n),
        fmt(s.headers.p50),
        fmt(s.firstChunk.p50),
        fmt(s.firstChunk.p99),
        fmt(s.total.p50),
        fmt(s.total.p99),
        s.system === "direct" ? "–" : signed(s.firstChunk.p50 - d.firstChunk.p50),
        s.system === "direct" ? "–" : signed(s.total.p50 - d.total.p50),
        String(s.failures),
      ]);
    }
  }
  out.push(
    table(
      [
        "case",
        "mode",
        "n",
        "headers p50 ms",
        "first chunk p50 ms",
        "first chunk p99 ms",
        "total p50 ms",
        "total p99 ms",
        "added to first chunk (p50)",
        "added to total (p50)",
        "failures",
      ],
      stRows,
    ),
  );
  out.push("");
  out.push("### Detour's own time (`server-timing: gateway;dur=`, upstream excluded)");
  out.push("");
  const stTableRows: string[][] = [];
  for (const r of results.filter((x) => x.serverTiming)) {
    const st = r.serverTiming!;
    stTableRows.push([r.name, String(r.c), String(st.n), fmt(st.p50), fmt(st.p90), fmt(st.p99), fmt(st.mean), fmt(r.p50 - st.p50)]);
  }
  for (const s of streams.filter((x) => x.serverTiming)) {
    const st = s.serverTiming!;
    stTableRows.push([`${s.name}, stream ${s.mode}`, "1", String(st.n), fmt(st.p50), fmt(st.p90), fmt(st.p99), fmt(st.mean), "–"]);
  }
  out.push(table(["case", "c", "samples", "p50 ms", "p90 ms", "p99 ms", "mean ms", "client p50 − own p50"], stTableRows));
  out.push("");
  out.push("### Request log");
  out.push("");
  out.push(`${logLine}.`);
  out.push("");
  out.push(`Run took ${fmt((Date.now() - started) / 1000, 0)} s.`);
  process.stdout.write(`${out.join("\n")}\n`);
  if (!logOk) process.exitCode = 1;
}

runMain(main, HARD_TIMEOUT_MS, () => exitedOutputs());
