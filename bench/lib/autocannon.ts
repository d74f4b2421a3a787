/**
 * Load cases with autocannon (loaded from bench/node_modules; typed here so the app's tsc needs
 * nothing): fixed numbers of requests, so nothing is cut off in flight and a gateway's "requests
 * answered" is exact for the request-log check.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { benchDir, log, sleep, treeCpuMs } from "./procs";
import { fmt, summary, type Summary } from "./stats";

const requireFromBench = createRequire(path.join(benchDir, "package.json"));

export type AcResult = {
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
export type Autocannon = (options: AcOptions, cb: (err: Error | null, result: AcResult) => void) => AcInstance;

export function loadAutocannon(): Autocannon {
  try {
    return requireFromBench("autocannon") as Autocannon;
  } catch {
    throw new Error("autocannon is not installed: run `npm --prefix bench ci` first");
  }
}

export type Target = { url: string; headers: Record<string, string>; body: string; pid?: number };

export type CaseResult = {
  name: string;
  group: "single" | "fallback" | "baseline503" | "stream";
  /**
   * detour-next: the same build served by `next start`, where Next's route handlers answer /v1 too;
   * floor: the bare Node.js relay of bench/floor-relay.ts.
   */
  system: "direct" | "detour" | "detour-next" | "portkey" | "floor";
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
  serverTiming: Summary | null;
  cutOff: boolean;
};

export function runOnce(
  autocannon: Autocannon,
  target: Target,
  c: number,
  amount: number,
  collect: { latencies?: number[]; serverTiming?: number[] },
  watchdogMs: number,
) {
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

export type MeasureOptions = {
  autocannon: Autocannon;
  name: string;
  group: CaseResult["group"];
  system: CaseResult["system"];
  target: Target;
  c: number;
  warmupS: number;
  durationS: number;
  /** Between cases, so one case's tail does not bleed into the next. */
  pauseMs: number;
  mockPid?: number;
  /** Every chunk's answered requests (warm-up included) and whether a watchdog cut it off. */
  onAnswered?: (answered: number, cutOff: boolean) => void;
  /** Collect `server-timing: gateway;dur=` (Detour). */
  serverTiming?: boolean;
  /** Logged in front of the case name. */
  label?: string;
};

/**
 * Warm-up in chunks of a fixed number of requests for `warmupS` (gives the rate), then one measured
 * run of a fixed number of requests sized to last about `durationS`. Fixed amounts mean autocannon
 * never cuts requests off mid-flight, so "requests answered" is exact for the log check.
 */
export async function measure(o: MeasureOptions): Promise<CaseResult> {
  const { autocannon, name, group, system, target, c } = o;
  let chunk = Math.max(c * 10, 50);
  const warmStart = performance.now();
  let warmDone = 0;
  let warmSeconds = 0;
  let lastRate = 0;
  while (performance.now() - warmStart < o.warmupS * 1000) {
    const { result, cutOff, seconds } = await runOnce(autocannon, target, c, chunk, {}, 20_000);
    const n = result["2xx"] + result.non2xx;
    o.onAnswered?.(n, cutOff);
    warmDone += n;
    warmSeconds += seconds;
    lastRate = n / Math.max(seconds, 0.001);
    // next chunk: about half a second of work at the rate seen so far
    chunk = Math.max(c * 10, 50, Math.round((warmDone / Math.max(warmSeconds, 0.001)) * 0.5));
    if (n === 0) throw new Error(`${name}: no answers during warm-up (errors ${result.errors})`);
  }
  // the last warm-up chunk is the best guess of the warm rate (the first ones include JIT warm-up)
  const rate = Math.max(lastRate, warmDone / Math.max(warmSeconds, 0.001));
  const amount = Math.max(c * 20, Math.round(rate * o.durationS));

  const latencies: number[] = [];
  const timings: number[] = [];
  const cpu0 = { server: treeCpuMs(target.pid), mock: treeCpuMs(o.mockPid), gen: process.cpuUsage() };
  const { result, cutOff, seconds } = await runOnce(
    autocannon,
    target,
    c,
    amount,
    { latencies, serverTiming: o.serverTiming ? timings : undefined },
    o.durationS * 3000 + 5_000,
  );
  const genCpu = process.cpuUsage(cpu0.gen);
  const answered = result["2xx"] + result.non2xx;
  o.onAnswered?.(answered, cutOff);
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
    mockCpuMsPerReq: (treeCpuMs(o.mockPid) - cpu0.mock) / (answered || 1),
    loadgenCpuMsPerReq: (genCpu.user + genCpu.system) / 1000 / (answered || 1),
    serverTiming: timings.length ? summary(timings) : null,
    cutOff,
  };
  log(
    `${`${o.label ?? ""}${name}`.padEnd(34)} c=${String(c).padStart(2)}  ${fmt(r.rps, 0).padStart(6)} req/s  p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms  ` +
      `statuses ${JSON.stringify(statuses)}${r.errors ? ` errors ${r.errors}` : ""}  CPU ms/req: server ${fmt(r.serverCpuMsPerReq, 3)} mock ${fmt(r.mockCpuMsPerReq, 3)} loadgen ${fmt(r.loadgenCpuMsPerReq, 3)}  ` +
      `(warm-up ${warmDone} req, measured ${answered} in ${fmt(seconds, 1)} s)${cutOff ? " CUT OFF" : ""}`,
  );
  await sleep(o.pauseMs);
  return r;
}
