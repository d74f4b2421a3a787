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
 * Processes: the mock upstream (e2e/mock-upstream/cli.ts), Detour (`next start`, production build,
 * fresh SQLite in a temp dir, request logging on as always) and Portkey's gateway, each its own
 * process; autocannon runs here. Detour's database is seeded from this process before it starts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { freePort, startServer, waitForHealthOrExit, type ServerProcess } from "../e2e/server-process";
import { BUILD_INPUTS, hashFiles } from "../scripts/source-hash";
// Detour's own modules (bootstrap, stores) are imported in main(), after LOG_LEVEL is set: their
// logger must not print to stdout, which carries the Markdown report.

const root = path.resolve(__dirname, "..");
const benchDir = __dirname;
const requireFromBench = createRequire(path.join(benchDir, "package.json"));

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
// Expected run time with these settings (16 load cases, 6 stream cases, start-up), and a hard cap.
const EXPECTED_S = 30 + 6 * PREWARM_S + 16 * (WARMUP_S + DURATION_S + 1) + 6 * (Math.min(WARMUP_S, 1) + STREAM_S + 0.5);
const HARD_TIMEOUT_MS = Math.max(300, 1.5 * EXPECTED_S) * 1000;
const PAUSE_MS = 500; // between cases, so one case's tail does not bleed into the next

// ---------- autocannon (loaded from bench/node_modules; typed here so the app's tsc needs nothing) ----------

type AcResult = {
  "2xx": number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
};
type AcClient = { on(event: "headers", fn: (info: { statusCode: number; headers: string[] }) => void): void };
type AcInstance = {
  on(event: "response", fn: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): void;
  stop(): void;
};
type AcOptions = {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body?: string;
  connections: number;
  amount: number;
  timeout: number;
  sampleInt: number;
  setupClient?: (client: AcClient) => void;
};
type Autocannon = (options: AcOptions, cb: (err: Error | null, result: AcResult) => void) => AcInstance;

function loadAutocannon(): Autocannon {
  try {
    return requireFromBench("autocannon") as Autocannon;
  } catch {
    throw new Error("autocannon is not installed: run `npm --prefix bench ci` first");
  }
}

// ---------- processes ----------

type Proc = { name: string; child: ChildProcess; output: () => string };
const procs: Proc[] = [];
let detour: ServerProcess | null = null;
const tempDirs: string[] = [];

function spawnProc(name: string, args: string[], env: Record<string, string>): Proc {
  let output = "";
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const p = { name, child, output: () => output };
  procs.push(p);
  return p;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => alive(child) && child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const all: ChildProcess[] = [...procs.map((p) => p.child), ...(detour ? [detour.child] : [])];
    await Promise.all(all.map((c) => stopChild(c)));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

// Last resort if we die without cleanup: no orphan servers.
process.on("exit", () => {
  for (const c of [...procs.map((p) => p.child), ...(detour ? [detour.child] : [])]) if (alive(c)) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping everything`);
    void cleanup().then(() => process.exit(130));
  });
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function waitForHttp(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(proc.child)) throw new Error(`${proc.name} exited before it answered:\n${proc.output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${proc.output()}`);
}

/**
 * Detour as its own process: e2e/server-process.ts's startServer (`node next start`, one PID), or,
 * with node flags (--cpu-prof is refused in NODE_OPTIONS), the same command spawned here.
 */
async function startDetour(env: Record<string, string>, nodeArgs: string[]): Promise<ServerProcess> {
  if (nodeArgs.length === 0) return startServer(env);
  const port = await freePort();
  const p = spawnProc("Detour", [...nodeArgs, "node_modules/next/dist/bin/next", "start", "-p", String(port)], {
    NEXT_TELEMETRY_DISABLED: "1",
    ...(process.env.DETOUR_NEXT_DIST_DIR ? { DETOUR_NEXT_DIST_DIR: process.env.DETOUR_NEXT_DIST_DIR } : {}),
    ...env,
  });
  return { child: p.child, port, output: p.output, stop: () => stopChild(p.child) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process and all its descendants, in ms (Linux /proc). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  let ticks = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    ticks += stats.get(p)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) todo.push(child);
  }
  return (ticks * 1000) / CLK_TCK;
}

// ---------- statistics ----------

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), mean };
}

// ---------- load cases ----------

type Target = { url: string; headers: Record<string, string>; body: string; pid?: number };

type CaseResult = {
  name: string;
  group: "single" | "fallback" | "baseline503";
  system: "direct" | "detour" | "portkey";
  c: number;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
  serverCpuMsPerReq: number;
  mockCpuMsPerReq: number;
  loadgenCpuMsPerReq: number;
  serverTiming: ReturnType<typeof summary> | null;
  cutOff: boolean;
};

let autocannon: Autocannon;
let mockPid: number | undefined;
/** Every request Detour answered (warm-ups, probes and streams included), for the log check. */
let detourAnswered = 0;
let detourCutOff = false;

function runOnce(target: Target, c: number, amount: number, collect: { latencies?: number[]; serverTiming?: number[] }, watchdogMs: number) {
  return new Promise<{ result: AcResult; cutOff: boolean; seconds: number }>((resolve, reject) => {
    let cutOff = false;
    const t0 = performance.now();
    let last = t0;
    const instance = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: target.headers,
        body: target.body,
        connections: c,
        amount,
        timeout: 30,
        // autocannon only notices the end at its next sample tick: keep that wait short (the
        // elapsed time is taken from the last response anyway)
        sampleInt: 50,
        setupClient: collect.serverTiming
          ? (client) =>
              client.on("headers", ({ headers }) => {
                for (let i = 0; i < headers.length; i += 2) {
                  if (headers[i]!.toLowerCase() !== "server-timing") continue;
                  const m = /dur=([\d.]+)/.exec(headers[i + 1] ?? "");
                  if (m) collect.serverTiming!.push(Number(m[1]));
                }
              })
          : undefined,
      },
      (err, result) => {
        clearTimeout(watchdog);
        if (err) reject(err);
        else resolve({ result, cutOff, seconds: (last - t0) / 1000 });
      },
    );
    instance.on("response", (_client, _status, _bytes, ms) => {
      last = performance.now();
      collect.latencies?.push(ms);
    });
    const watchdog = setTimeout(() => {
      cutOff = true;
      instance.stop();
    }, watchdogMs);
  });
}

/**
 * Warm-up in chunks of a fixed number of requests for WARMUP_S (gives the rate), then one measured run of a fixed
 * number of requests sized to last about DURATION_S. Fixed amounts mean autocannon never cuts
 * requests off mid-flight, so "requests answered" is exact for the log check.
 */
async function measure(name: string, group: CaseResult["group"], system: CaseResult["system"], target: Target, c: number): Promise<CaseResult> {
  let chunk = Math.max(c * 10, 50);
  const warmStart = performance.now();
  let warmDone = 0;
  let warmSeconds = 0;
  let lastRate = 0;
  while (performance.now() - warmStart < WARMUP_S * 1000) {
    const { result, cutOff, seconds } = await runOnce(target, c, chunk, {}, 20_000);
    const n = result["2xx"] + result.non2xx;
    if (system === "detour") {
      detourAnswered += n;
      if (cutOff) detourCutOff = true;
    }
    warmDone += n;
    warmSeconds += seconds;
    lastRate = n / Math.max(seconds, 0.001);
    // next chunk: about half a second of work at the rate seen so far
    chunk = Math.max(c * 10, 50, Math.round((warmDone / Math.max(warmSeconds, 0.001)) * 0.5));
    if (n === 0) throw new Error(`${name}: no answers during warm-up (errors ${result.errors})`);
  }
  // the last warm-up chunk is the best guess of the warm rate (the first ones include JIT warm-up)
  const rate = Math.max(lastRate, warmDone / Math.max(warmSeconds, 0.001));
  const amount = Math.max(c * 20, Math.round(rate * DURATION_S));

  const latencies: number[] = [];
  const timings: number[] = [];
  const cpu0 = { server: treeCpuMs(target.pid), mock: treeCpuMs(mockPid), gen: process.cpuUsage() };
  const { result, cutOff, seconds } = await runOnce(target, c, amount, { latencies, serverTiming: system === "detour" ? timings : undefined }, DURATION_S * 3000 + 5_000);
  const genCpu = process.cpuUsage(cpu0.gen);
  const answered = result["2xx"] + result.non2xx;
  if (system === "detour") {
    detourAnswered += answered;
    if (cutOff) detourCutOff = true;
  }
  const statuses: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats)) statuses[code] = s.count;
  const lat = summary(latencies);
  const r: CaseResult = {
    name,
    group,
    system,
    c,
    requests: answered,
    seconds,
    rps: answered / seconds,
    p50: lat.p50,
    p99: lat.p99,
    statuses,
    errors: result.errors + result.timeouts,
    serverCpuMsPerReq: target.pid === undefined ? NaN : (treeCpuMs(target.pid) - cpu0.server) / (answered || 1),
    mockCpuMsPerReq: (treeCpuMs(mockPid) - cpu0.mock) / (answered || 1),
    loadgenCpuMsPerReq: (genCpu.user + genCpu.system) / 1000 / (answered || 1),
    serverTiming: timings.length ? summary(timings) : null,
    cutOff,
  };
  log(
    `${name.padEnd(34)} c=${String(c).padStart(2)}  ${fmt(r.rps, 0).padStart(6)} req/s  p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms  ` +
      `statuses ${JSON.stringify(statuses)}${r.errors ? ` errors ${r.errors}` : ""}  CPU ms/req: server ${fmt(r.serverCpuMsPerReq, 3)} mock ${fmt(r.mockCpuMsPerReq, 3)} loadgen ${fmt(r.loadgenCpuMsPerReq, 3)}  ` +
      `(warm-up ${warmDone} req, measured ${answered} in ${fmt(seconds, 1)} s)${cutOff ? " CUT OFF" : ""}`,
  );
  await sleep(PAUSE_MS);
  return r;
}

// ---------- streaming (c=1, own loop: autocannon cannot see time to first byte) ----------

type StreamResult = {
  name: string;
  system: CaseResult["system"];
  mode: "burst" | "paced";
  n: number;
  failures: number;
  headers: ReturnType<typeof summary>;
  firstChunk: ReturnType<typeof summary>;
  total: ReturnType<typeof summary>;
  serverTiming: ReturnType<typeof summary> | null;
};

function streamOnce(agent: http.Agent, target: Target): Promise<{ headersMs: number; firstChunkMs: number; totalMs: number; ok: boolean; serverTiming: number | null }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const t0 = performance.now();
    let headersMs = NaN;
    let firstChunkMs = NaN;
    let text = "";
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { ...target.headers, "content-length": Buffer.byteLength(target.body) } },
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

async function measureStream(name: string, system: CaseResult["system"], mode: StreamResult["mode"], target: Target): Promise<StreamResult> {
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

// ---------- formatting ----------

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "–";
}
function signed(n: number, digits = 2): string {
  return Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(digits)}` : "–";
}
function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
function statusText(s: Record<string, number>, errors: number): string {
  const parts = Object.entries(s).map(([k, v]) => `${k}×${v}`);
  if (errors) parts.push(`errors×${errors}`);
  return parts.join(" ");
}

// ---------- main ----------

async function main(): Promise<void> {
  const started = Date.now();
  process.chdir(root); // next start and the mock's CLI are started from the repo root
  process.env.LOG_LEVEL ??= "warn";
  const { bootstrap } = await import("../lib/bootstrap");
  const { apiKeyDisplayPrefix, generateApiKey, hashApiKey } = await import("../lib/crypto");
  const { createDb } = await import("../lib/db");
  const { parseEnv } = await import("../lib/env");
  const { createConfig } = await import("../lib/store/configs");
  const { createVirtualKey } = await import("../lib/store/virtual-keys");
  autocannon = loadAutocannon();
  const portkeyBin = path.join(benchDir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (!existsSync(portkeyBin)) throw new Error("@portkey-ai/gateway is not installed: run `npm --prefix bench ci` first");
  // The build `next start` serves: .next/, or DETOUR_NEXT_DIST_DIR (passed on by startServer).
  const distDir = process.env.DETOUR_NEXT_DIST_DIR || ".next";
  if (!existsSync(path.join(root, distDir, "BUILD_ID"))) throw new Error(`no production build in ${distDir}/: run \`npm run build\` first`);
  const stampFile = path.join(root, distDir, "detour-source-hash");
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : null;
  const buildCurrent = stamp === hashFiles(root, BUILD_INPUTS);
  if (!buildCurrent) log(`WARNING: ${distDir}/ is older than the sources (npm run build would rebuild): measuring the build as it is`);
  const gitHead = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
    } catch {
      return "unknown";
    }
  })();

  // 1. the mock upstream, its own process
  const mockPort = await freePort();
  const mock = spawnProc("mock upstream", ["--import", "tsx", "e2e/mock-upstream/cli.ts", "--port", String(mockPort), "--max-records", "1000"], {});
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  await waitForHttp(`${mockUrl}/__mock/health`, mock);
  mockPid = mock.child.pid;
  const KEY_OK = "sk-bench-ok-0001";
  const KEY_FAIL = "sk-bench-fail-0002";
  const KEY_PACED = "sk-bench-paced-0003";
  for (const rule of [
    { match: { key: KEY_FAIL }, fault: { kind: "status", status: 503 } },
    { match: { key: KEY_PACED }, fault: { kind: "slow_chunks", delayMs: 10 } },
  ]) {
    const res = await fetch(`${mockUrl}/__mock/script`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
    if (!res.ok) throw new Error(`mock refused rule ${JSON.stringify(rule)}: ${await res.text()}`);
  }
  log(`mock upstream on ${mockUrl} (pid ${mockPid})`);

  // 2. Detour: fresh SQLite, seeded here, then the production build as its own process
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-bench-"));
  tempDirs.push(dataDir);
  const dbFile = path.join(dataDir, "detour.db");
  const keyHex = randomBytes(32).toString("hex");
  const encryptionKey = Buffer.from(keyHex, "hex");
  const env = parseEnv({ DETOUR_DATA_DIR: dataDir, DATABASE_URL: `file:${dbFile}`, DETOUR_ADMIN_PASSWORD: "bench-admin-password" });
  const db = createDb(env.database);
  const boot = await bootstrap(env, { key: encryptionKey, origin: "bench" }, db);
  const workspaceId = boot.workspaceId;
  const apiKey = generateApiKey();
  await db.apiKey.create({ data: { workspaceId, name: "bench", prefix: apiKeyDisplayPrefix(apiKey), hash: hashApiKey(apiKey), scope: "gateway" } });
  const vk = async (name: string, secret: string) => (await createVirtualKey(db, encryptionKey, { workspaceId, name, provider: "openai", secret, customHost: `${mockUrl}/v1` })).slug;
  const vkOk = await vk("bench ok", KEY_OK);
  const vkFail = await vk("bench fail", KEY_FAIL);
  const vkPaced = await vk("bench paced", KEY_PACED);
  const fallbackSlug = (
    await createConfig(db, { workspaceId, name: "bench fallback", body: JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: vkFail }, { virtual_key: vkOk }] }), author: "bench" })
  ).slug;
  await db.$disconnect();

  const profDir = opts["cpu-prof"] ? path.resolve(opts["cpu-prof"]) : null;
  detour = await startDetour(
    {
      DETOUR_DATA_DIR: dataDir,
      DATABASE_URL: `file:${dbFile}`,
      DETOUR_ENCRYPTION_KEY: keyHex,
      DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
      NODE_ENV: "production",
      LOG_LEVEL: "info", // the default of `npm start`
    },
    profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [],
  );
  const ready = await waitForHealthOrExit(detour);
  if (ready.health !== 200) throw new Error(`Detour did not start (${JSON.stringify(ready)}):\n${detour.output()}`);
  const detourUrl = `http://127.0.0.1:${detour.port}`;
  log(`Detour on ${detourUrl} (pid ${detour.child.pid}, SQLite ${dbFile})${profDir ? `, CPU profile to ${profDir}` : ""}`);

  // 3. Portkey's gateway, its own process (127.0.0.1/localhost are trusted custom hosts by default)
  const portkeyPort = await freePort();
  const portkey = spawnProc("portkey gateway", [portkeyBin, `--port=${portkeyPort}`, "--headless"], { NODE_ENV: "production" });
  const portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
  await waitForHttp(`${portkeyUrl}/`, portkey);
  log(`Portkey gateway 1.15.2 on ${portkeyUrl} (pid ${portkey.child.pid})`);

  // 4. targets
  const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
  const streamBody = JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
  // Detour always asks the upstream for the usage chunk (and strips it when the caller did not ask):
  // with paced chunks that extra frame costs one more interval, so paced streams ask for it too.
  const pacedStreamBody = JSON.stringify({ model: "gpt-4o", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
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
  const providerHeaders = (key: string) => ({ ...json, "x-portkey-provider": "openai", authorization: `Bearer ${key}`, "x-portkey-custom-host": `${mockUrl}/v1` });
  const T = {
    direct: { url: `${mockUrl}/v1/chat/completions`, headers: directHeaders(KEY_OK), body, pid: mockPid },
    direct503: { url: `${mockUrl}/v1/chat/completions`, headers: directHeaders(KEY_FAIL), body, pid: mockPid },
    detourVk: { url: `${detourUrl}/v1/chat/completions`, headers: { ...detourAuth, "x-portkey-virtual-key": vkOk }, body, pid: detour.child.pid },
    detourProvider: { url: `${detourUrl}/v1/chat/completions`, headers: { ...detourAuth, ...providerHeaders(KEY_OK) }, body, pid: detour.child.pid },
    portkey: { url: `${portkeyUrl}/v1/chat/completions`, headers: providerHeaders(KEY_OK), body, pid: portkey.child.pid },
    detourFallback: { url: `${detourUrl}/v1/chat/completions`, headers: { ...detourAuth, "x-portkey-config": fallbackSlug }, body, pid: detour.child.pid },
    detourFallbackInline: { url: `${detourUrl}/v1/chat/completions`, headers: { ...detourAuth, "x-portkey-config": inlineFallback }, body, pid: detour.child.pid },
    portkeyFallback: { url: `${portkeyUrl}/v1/chat/completions`, headers: { ...json, "x-portkey-config": inlineFallback }, body, pid: portkey.child.pid },
  } satisfies Record<string, Target>;

  // 5. sanity: every target answers 200 (503 for the failing baseline), fallbacks really fall back
  for (const [name, t] of Object.entries(T)) {
    const res = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
    const text = await res.text();
    if (t.url.startsWith(detourUrl)) detourAnswered += 1;
    const want = name === "direct503" ? 503 : 200;
    if (res.status !== want) throw new Error(`${name}: expected ${want}, got ${res.status}: ${text.slice(0, 300)}`);
    const index = res.headers.get("x-portkey-last-used-option-index");
    if (name.toLowerCase().includes("fallback") && index !== "config.targets[1]") throw new Error(`${name}: answered by ${index}, not by the second target`);
  }
  log("all targets answer as expected; warming every gateway path up (JIT), then measuring");
  // Without this the first gateway case of a run pays for the JIT warm-up of code shared by all.
  for (const [name, t] of Object.entries(T)) {
    if (t.url.startsWith(mockUrl)) continue;
    const end = performance.now() + PREWARM_S * 1000;
    while (performance.now() < end) {
      const { result } = await runOnce(t, 8, 200, {}, 20_000);
      if (t.url.startsWith(detourUrl)) detourAnswered += result["2xx"] + result.non2xx;
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
    results.push(await measure("Portkey (provider headers)", "single", "portkey", T.portkey, c));
    results.push(await measure("Detour fallback (saved config)", "fallback", "detour", T.detourFallback, c));
    results.push(await measure("Detour fallback (inline config)", "fallback", "detour", T.detourFallbackInline, c));
    results.push(await measure("Portkey fallback (inline config)", "fallback", "portkey", T.portkeyFallback, c));
  }

  // 7. streaming, c=1: mock sends the whole stream at once (burst), or 10 ms between chunks (paced)
  const streams: StreamResult[] = [];
  for (const mode of ["burst", "paced"] as const) {
    const key = mode === "burst" ? KEY_OK : KEY_PACED;
    const vkSlug = mode === "burst" ? vkOk : vkPaced;
    const streamBody_ = mode === "burst" ? streamBody : pacedStreamBody;
    streams.push(await measureStream("direct to mock", "direct", mode, { url: T.direct.url, headers: directHeaders(key), body: streamBody_ }));
    streams.push(await measureStream("Detour (virtual key)", "detour", mode, { url: T.detourVk.url, headers: { ...detourAuth, "x-portkey-virtual-key": vkSlug }, body: streamBody_ }));
    streams.push(await measureStream("Portkey (provider headers)", "portkey", mode, { url: T.portkey.url, headers: providerHeaders(key), body: streamBody_ }));
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
  const sqlite = new Database(dbFile, { readonly: true, fileMustExist: true });
  const rows = (sqlite.prepare("SELECT count(*) AS n FROM RequestLog").get() as { n: number }).n;
  const byStatus = sqlite.prepare("SELECT status, count(*) AS n FROM RequestLog GROUP BY status ORDER BY status").all() as { status: number; n: number }[];
  const attempts = (sqlite.prepare("SELECT count(*) AS n FROM RequestAttempt").get() as { n: number }).n;
  sqlite.close();
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
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), shared with other work; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}. ` +
      `Node ${process.version}. Detour ${gitHead} (production build in ${distDir}/${buildCurrent ? "" : ", STALE: older than the sources"}, SQLite, request logging on), ` +
      `@portkey-ai/gateway 1.15.2, mock upstream from e2e/mock-upstream, autocannon. Every gateway path is pre-warmed ${PREWARM_S} s (JIT); then each case: ${WARMUP_S} s warm-up, then ~${DURATION_S} s measured; latencies are per request as the client saw them.`,
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
        ["Detour (virtual key) req/s ÷ Portkey req/s", ratio("Detour (virtual key)", "Portkey (provider headers)", 1), ratio("Detour (virtual key)", "Portkey (provider headers)", 32)],
        ["Detour (provider headers) req/s ÷ Portkey req/s", ratio("Detour (provider headers)", "Portkey (provider headers)", 1), ratio("Detour (provider headers)", "Portkey (provider headers)", 32)],
        ["Detour fallback (saved) req/s ÷ Portkey fallback req/s", ratio("Detour fallback (saved config)", "Portkey fallback (inline config)", 1), ratio("Detour fallback (saved config)", "Portkey fallback (inline config)", 32)],
        ...(["Detour (virtual key)", "Portkey (provider headers)"] as const).map((n) => [`${n}: p50 added to direct, ms`, signed(get(n, 1).p50 - get("direct to mock", 1).p50), signed(get(n, 32).p50 - get("direct to mock", 32).p50)]),
        ...(["Detour fallback (saved config)", "Portkey fallback (inline config)"] as const).map((n) => {
          const single = n.startsWith("Detour") ? "Detour (virtual key)" : "Portkey (provider headers)";
          return [`${n}: p50 − its single-target p50, ms (one 503 round trip direct: ${fmt(get("direct to mock, 503", 1).p50)})`, signed(get(n, 1).p50 - get(single, 1).p50), signed(get(n, 32).p50 - get(single, 32).p50)];
        }),
        ["Detour / Portkey server CPU per request (single target)", `${fmt(get("Detour (virtual key)", 1).serverCpuMsPerReq)} / ${fmt(get("Portkey (provider headers)", 1).serverCpuMsPerReq)} ms`, `${fmt(get("Detour (virtual key)", 32).serverCpuMsPerReq)} / ${fmt(get("Portkey (provider headers)", 32).serverCpuMsPerReq)} ms`],
        ["Detour / Portkey p99 (single target)", `${fmt(get("Detour (virtual key)", 1).p99)} / ${fmt(get("Portkey (provider headers)", 1).p99)} ms`, `${fmt(get("Detour (virtual key)", 32).p99)} / ${fmt(get("Portkey (provider headers)", 32).p99)} ms`],
        ["stream first chunk added to direct, p50: Detour / Portkey (burst)", `${signed(burst("detour").firstChunk.p50 - burst("direct").firstChunk.p50)} / ${signed(burst("portkey").firstChunk.p50 - burst("direct").firstChunk.p50)} ms`, "–"],
      ],
    ),
  );
  out.push("");
  out.push("### Single target, non-streaming chat");
  out.push("");
  const singleRows: string[][] = [];
  for (const c of [1, 32]) {
    const d = get("direct to mock", c);
    for (const r of results.filter((x) => x.c === c && x.group !== "fallback")) {
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
  out.push(table(["case", "c", "req/s", "p50 ms", "p99 ms", "overhead p50 ms (vs direct)", "req/s vs direct", "server CPU ms/req", "answers"], singleRows));
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
      const single = get(r.system === "detour" ? (r.name.includes("inline") ? "Detour (provider headers)" : "Detour (virtual key)") : "Portkey (provider headers)", c);
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
      ["case", "c", "req/s", "p50 ms", "p99 ms", "floor p50 ms", "p50 − floor", "p50 − same gateway single p50", "one 503 round trip p50", "req/s vs same gateway single", "req/s vs direct", "server CPU ms/req", "answers"],
      fbRows,
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
  out.push(table(["case", "mode", "n", "headers p50 ms", "first chunk p50 ms", "first chunk p99 ms", "total p50 ms", "total p99 ms", "added to first chunk (p50)", "added to total (p50)", "failures"], stRows));
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
  out.push(logLine + ".");
  out.push("");
  out.push(`Run took ${fmt((Date.now() - started) / 1000, 0)} s.`);
  process.stdout.write(out.join("\n") + "\n");
  if (!logOk) process.exitCode = 1;
}

const hardTimeout = setTimeout(() => {
  log(`hard timeout (${HARD_TIMEOUT_MS / 1000} s): stopping everything`);
  void cleanup().then(() => process.exit(124));
}, HARD_TIMEOUT_MS);
hardTimeout.unref();

main()
  .catch((err: unknown) => {
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (detour && !alive(detour.child)) log(`Detour output:\n${detour.output()}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    log("all processes stopped");
  });
