/**
 * What OpenTelemetry tracing costs Detour (docs/GATEWAY.md §13): two Detour processes of the same
 * build, one without tracing and one exporting every request's spans (OTLP/HTTP protobuf, the
 * default, all sampled) to a real receiver (testing/otlp-receiver.ts, its own process), loaded in
 * turn, round by round, so the machine's noise falls on both alike.
 *
 *   npx tsx bench/otel-cost.ts [--rounds 16] [--seconds 3] [--warmup 10] [--c 8] [--sample 1] [--ports 45350]
 *
 * Two phases of half the rounds each; the second swaps which process slot (port, start order) is
 * traced, since the slots differ by themselves (`--control`). A closed loop of `c` clients (bench/lib/closed-loop.ts) sends non-streaming chat completions to
 * one OpenAI virtual key on the mock upstream (its own process). Reported per side: requests per
 * second, p50/p99 latency and CPU ms per request of the Detour process; then the ratio on/off of
 * requests per second (the target: >= 0.97), over the whole run and as the median of each round's
 * ratio (its two runs back to back), and the spans the receiver got (2 per request: the request's
 * and its attempt's). Ports: `--ports` and the next four (mock, receiver, Detour off,
 * Detour on, the in-process measure's receiver). `--sample 0.1`: the traced Detour samples 10% (OTEL_TRACES_SAMPLER=parentbased_traceidratio).
 * The OTEL_* variables the bench runs with are passed to the traced Detour (batch settings, ...).
 * `--control`: the second Detour without tracing too (an A/A run: the setup's own difference).
 * `--base-dist <dir>`: an A/B of two builds, both traced: the first side runs the build in <dir>
 * (DETOUR_NEXT_DIST_DIR, e.g. a copy of `.next` made before a change), the second this worktree's;
 * the ratio is then this build's req/s over the base build's.
 * `--cpu-prof <dir>`: each Detour writes a CPU profile there when it stops. Needs the
 * production build (`npm run build`).
 * `--warmup S`: each phase first loads its two processes for S seconds that do not count (paired:
 * both at once, as the rounds do): a process's CPU per request falls for ~10 s after its start, as
 * V8 optimises and the log database warms, more on the traced side (more code to optimise), so
 * rounds right after a start read the start, not the steady cost (3 s before 2026-12-07: the first
 * rounds at 1.1 ms a request, the later ones at 0.7).
 * `--paired`: both Detours are loaded at once, by one closed loop of 2c clients taking turns between
 * them (each answers half the requests, in the same seconds), and the measure is each process's CPU
 * per request over the same windows: the machine's swings fall on both sides at once, so a few
 * percent shows through noise that moves the alternating runs' req/s by ten. Its ratio, CPU off /
 * CPU on, is the share of req/s a CPU-bound Detour keeps with tracing. Each side's main thread is
 * also read alone (`/proc/<pid>/task/<pid>`): the share a Detour whose event loop is the bound keeps.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startOtlpReceiver } from "../testing/otlp-receiver";
import { serverArgs, type ServerProcess, startServer, waitForHealthOrExit } from "../testing/server-process";
import { startLoad } from "./lib/closed-loop";
import { seedDetour, waitForLogDrain } from "./lib/detour";
import { log, mainThreadCpuMs, onCleanup, root, runMain, spawnProc, stopChild, track, treeCpuMs, waitForHttp } from "./lib/procs";
import { percentile } from "./lib/stats";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "16" },
    seconds: { type: "string", default: "3" },
    warmup: { type: "string", default: "10" },
    c: { type: "string", default: "8" },
    ports: { type: "string", default: "45350" },
    "cpu-prof": { type: "string" },
    sample: { type: "string", default: "1" },
    control: { type: "boolean", default: false },
    paired: { type: "boolean", default: false },
    "base-dist": { type: "string" },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
if (!(WARMUP >= 1)) throw new Error(`--warmup must be a number of seconds, at least 1 (got ${opts.warmup})`);
const C = Number(opts.c);
const BASE_PORT = Number(opts.ports);
/** `--sample <ratio>`: the traced Detour samples this share of requests (parentbased_traceidratio); 1: all. */
const SAMPLE = Number(opts.sample);
const SAMPLER_ENV: Record<string, string> =
  SAMPLE === 0
    ? { OTEL_TRACES_SAMPLER: "always_off" }
    : SAMPLE < 1
      ? { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: String(SAMPLE) }
      : {};
/** `--cpu-prof <dir>`: both Detour processes write a V8 CPU profile there when they stop. */
const PROFILE_ARGS = opts["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(opts["cpu-prof"])}`] : [];

type Side = { name: "off" | "on"; origin: string; pid: number | undefined; headers: Record<string, string> };
type Tally = {
  answered: number;
  errors: number;
  nonOk: number;
  seconds: number;
  cpuMs: number;
  /** The process's main thread alone: the event loop that serves requests. */
  mainMs: number;
  latencies: number[];
  rounds: number[];
};

async function startDetourWith(name: string, dataDir: string, keyHex: string, mockUrl: string, port: number, env: Record<string, string>) {
  const dbFile = path.join(dataDir, `${name}.db`);
  const seed = await seedDetour(`file:${dbFile}`, path.join(dataDir, name), keyHex, mockUrl);
  const vk = await seed.openaiKey("bench openai", "sk-bench-otel-0001");
  await seed.close();
  const serverEnv = {
    DETOUR_DATA_DIR: path.join(dataDir, name),
    DATABASE_URL: `file:${dbFile}`,
    DETOUR_ENCRYPTION_KEY: keyHex,
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    ...env,
  };
  const server = PROFILE_ARGS.length ? profiled(name, serverEnv, port) : track(name, await startServer(serverEnv, port));
  const ready = await waitForHealthOrExit(server);
  if (ready.health !== 200) throw new Error(`${name} did not start (${JSON.stringify(ready)}):\n${server.output()}`);
  const headers = { "content-type": "application/json", "x-portkey-api-key": seed.apiKey, "x-portkey-virtual-key": vk };
  return { origin: `http://127.0.0.1:${server.port}`, pid: server.child.pid, headers, stop: () => server.stop() };
}

/** Detour with `--cpu-prof` (not allowed in NODE_OPTIONS, so spawned here with the server's arguments). */
function profiled(name: string, env: Record<string, string>, port: number): ServerProcess {
  const p = spawnProc(name, [...PROFILE_ARGS, ...serverArgs(env.DETOUR_NEXT_DIST_DIR)], {
    NEXT_TELEMETRY_DISABLED: "1",
    ...env,
    PORT: String(port),
  });
  return { child: p.child, port, output: p.output, stop: () => stopChild(p.child) };
}

/**
 * The tracing code alone, in this process: CPU per request of one request span and one attempt span
 * built from a log row, ended, batched and exported (protobuf) to the receiver.
 */
async function inProcessCost(receiverUrl: string, requests = 20_000): Promise<{ syncUs: number; totalUs: number; mainUs: number }> {
  const { createTracing } = await import("../lib/tracing/otel");
  const { testLogRecord } = await import("../testing/sample-log-record");
  // The exporter and the batch processor read the environment when they are made.
  const make = () => {
    const vars = { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_BSP_MAX_QUEUE_SIZE: String(2 * requests) };
    Object.assign(process.env, vars);
    const tracing = createTracing({ captureBodies: false, protocol: "http/protobuf" });
    for (const name of Object.keys(vars)) delete process.env[name];
    return tracing;
  };
  const record = testLogRecord({ promptTokens: 17, completionTokens: 24, cost: 0.000283, virtualKeySlug: "vk-bench" });
  record.attempts = [
    {
      index: 0,
      targetPath: "config",
      provider: "openai",
      virtualKeySlug: "vk-bench",
      virtualKeyVersion: 1,
      model: null,
      status: 200,
      errorClass: null,
      errorMessage: null,
      latencyMs: 3,
      retry: 0,
      startedAt: new Date(),
    },
  ];
  const request = new Request("http://detour/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" } });
  const answer = { responseId: "chatcmpl-1", responseModel: "gpt-4o", finishReasons: ["stop"] };
  const run = (tracer: ReturnType<typeof make>["tracer"], n: number) => {
    for (let i = 0; i < n; i++) {
      const trace = tracer.start(request, "chat/completions");
      trace.attempt().sending({}, "http://127.0.0.1:4010/v1/chat/completions", "gpt-4o");
      trace.finish({ endedAt: trace.now(), status: 200, errorType: null, record, answer });
    }
  };
  const warm = make();
  run(warm.tracer, 5_000);
  await warm.shutdown(10_000);
  const measured = make();
  const main0 = mainThreadCpuMs(process.pid);
  const cpu0 = process.cpuUsage();
  run(measured.tracer, requests);
  const sync = process.cpuUsage(cpu0);
  const main = mainThreadCpuMs(process.pid) - main0;
  await measured.shutdown(10_000); // flushes: the export's serialization and sending are counted
  const total = process.cpuUsage(cpu0);
  return {
    syncUs: (sync.user + sync.system) / requests,
    totalUs: (total.user + total.system) / requests,
    mainUs: (main * 1000) / requests,
  };
}

async function main(): Promise<void> {
  process.chdir(root);
  const mockPort = BASE_PORT;
  const mockProc = spawnProc(
    "mock upstream",
    ["--import", "tsx", "testing/mock-upstream/cli.ts", "--port", String(mockPort), "--max-records", "1000"],
    {},
  );
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  await waitForHttp(`${mockUrl}/__mock/health`, mockProc);
  // The servers' receiver is a process of its own, as a collector would be: none of its work lands on the load generator.
  const receiverUrl = `http://127.0.0.1:${BASE_PORT + 1}`;
  const receiverProc = spawnProc(
    "otlp receiver",
    ["--require", "tsx/cjs", "testing/otlp-receiver.ts", "--port", String(BASE_PORT + 1)],
    {},
  );
  await waitForHttp(`${receiverUrl}/spans/count`, receiverProc);
  const receiver = { url: receiverUrl };
  log(`mock upstream on ${mockUrl}, OTLP receiver on ${receiver.url}`);
  // Its own receiver: its last batches may still be arriving when the servers' spans are counted.
  const aside = await startOtlpReceiver(BASE_PORT + 4);
  onCleanup("close the in-process receiver", () => aside.close());
  const alone = await inProcessCost(aside.url);
  log(
    `tracing code alone: ${alone.syncUs.toFixed(1)} us CPU per request on the request's turn, ${alone.totalUs.toFixed(1)} us with the export`,
  );

  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-otel-bench-"));
  onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
  const keyHex = randomBytes(32).toString("hex");
  // OTEL_* variables the bench runs with (OTEL_BSP_SCHEDULE_DELAY, ...) go to the traced Detour too.
  const passed = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("OTEL_") && e[1] !== undefined),
  );
  const traced = opts.control ? {} : { ...passed, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...SAMPLER_ENV };
  const baseDist = opts["base-dist"];
  const offEnv: Record<string, string> = baseDist ? { ...traced, DETOUR_NEXT_DIST_DIR: baseDist } : {};
  const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
  const endpoint = (s: Side) => ({ name: s.name, origin: s.origin, path: "/v1/chat/completions", headers: s.headers, body });
  const tallies = new Map<Side["name"], Tally>(
    (["off", "on"] as const).map((name) => [
      name,
      { answered: 0, errors: 0, nonOk: 0, seconds: 0, cpuMs: 0, mainMs: 0, latencies: [], rounds: [] },
    ]),
  );
  let warmedOn = 0;
  let warmedOff = 0;
  // Two phases, the traced Detour on the other port and process slot in the second: an A/A run
  // (--control) showed the two slots differ by themselves, by up to ~10% here; swapping cancels that.
  for (const phase of [0, 1]) {
    const slots = [BASE_PORT + 2, BASE_PORT + 3];
    const [offPort, onPort] = phase === 0 ? slots : [slots[1]!, slots[0]!];
    const off = await startDetourWith(`detour-off-${phase}`, dataDir, keyHex, mockUrl, offPort!, offEnv);
    const on = await startDetourWith(`detour-on-${phase}`, dataDir, keyHex, mockUrl, onPort!, traced);
    const sides: (Side & { stop: () => Promise<void> })[] = [
      { name: "off", ...off },
      { name: "on", ...on },
    ];
    // Warm-up: both sides, so the JIT has optimised every path (the tracing one included) before
    // anything counts; paired, both at once, as the rounds load them.
    if (opts.paired) {
      const r = await startLoad(sides.map(endpoint), 2 * C, WARMUP).done;
      warmedOff += r.perEndpoint[0]!.answered;
      warmedOn += r.perEndpoint[1]!.answered;
    } else {
      for (const s of sides) {
        const r = await startLoad([endpoint(s)], C, WARMUP).done;
        if (s.name === "on") warmedOn += r.answered;
        else warmedOff += r.answered;
      }
    }
    for (let round = 0; round < ROUNDS / 2 && opts.paired; round++) {
      // Both at once: the loop's turns alternate between the two, so each gets half the requests.
      const order = round % 2 ? [...sides].reverse() : sides;
      const cpu0 = order.map((s) => treeCpuMs(s.pid));
      const main0 = order.map((s) => mainThreadCpuMs(s.pid));
      const r = await startLoad(order.map(endpoint), 2 * C, SECONDS).done;
      const cpuRound: number[] = [];
      order.forEach((s, i) => {
        const t = tallies.get(s.name)!;
        const answered = r.perEndpoint[i]!.answered;
        const cpu = treeCpuMs(s.pid) - cpu0[i]!;
        t.cpuMs += cpu;
        t.mainMs += mainThreadCpuMs(s.pid) - main0[i]!;
        t.answered += answered;
        t.errors += r.perEndpoint[i]!.errors;
        t.seconds += r.seconds;
        for (const [status, n] of r.perEndpoint[i]!.statuses) if (status !== 200) t.nonOk += n;
        // Each round's figure is its CPU per request: the ratio of the two is the paired measure.
        t.rounds.push(answered / cpu);
        cpuRound.push(cpu / answered);
      });
      log(
        `phase ${phase + 1} round ${round + 1}: CPU ms/request ${order.map((s, i) => `${s.name} ${cpuRound[i]!.toFixed(3)}`).join(", ")}`,
      );
    }
    for (let round = 0; round < ROUNDS / 2 && !opts.paired; round++) {
      for (const s of round % 2 ? [...sides].reverse() : sides) {
        const t = tallies.get(s.name)!;
        const cpu0 = treeCpuMs(s.pid);
        const main0 = mainThreadCpuMs(s.pid);
        const r = await startLoad([endpoint(s)], C, SECONDS).done;
        t.cpuMs += treeCpuMs(s.pid) - cpu0;
        t.mainMs += mainThreadCpuMs(s.pid) - main0;
        t.answered += r.answered;
        t.errors += r.errors;
        t.seconds += r.seconds;
        for (const [status, n] of r.perEndpoint[0]!.statuses) if (status !== 200) t.nonOk += n;
        for (const ms of r.latencies) t.latencies.push(ms);
        t.rounds.push(r.answered / r.seconds);
        log(`phase ${phase + 1} round ${round + 1} ${s.name}: ${(r.answered / r.seconds).toFixed(0)} req/s`);
      }
    }
    await waitForLogDrain(sides.map((s) => s.origin));
    // Stopping flushes the traced side's last spans (shutdown), so the count below is complete.
    for (const s of sides) await s.stop();
  }

  const design = opts.paired
    ? `paired: both sides at once, c=${2 * C} taking turns, ${ROUNDS} rounds x ${SECONDS} s in two phases, the slots swapped`
    : `c=${C}, ${ROUNDS} rounds x ${SECONDS} s per side in two phases, the slots swapped`;
  console.log(`\n## Tracing cost (${design}, ${new Date().toISOString()})\n`);
  console.log("| Detour | requests | req/s | p50 ms | p99 ms | CPU ms/request | main thread CPU ms/request | errors / non-200 |");
  console.log("|---|---|---|---|---|---|---|---|");
  const rps = (t: Tally) => t.answered / t.seconds;
  for (const name of ["off", "on"] as const) {
    const t = tallies.get(name)!;
    const sorted = Float64Array.from(t.latencies).sort();
    // Paired, the loop's latencies are of both sides together: not shown.
    const latency = sorted.length ? `${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)}` : "- | -";
    const sampled = SAMPLE < 1 ? `${SAMPLE * 100}% of requests sampled` : "every request sampled";
    const label = baseDist
      ? `tracing on (${sampled}), ${name === "off" ? `base build ${baseDist}` : "this build"}`
      : name === "off"
        ? "tracing off"
        : opts.control
          ? "tracing off (control)"
          : `tracing on (OTLP/protobuf, ${sampled})`;
    console.log(
      `| ${label} | ${t.answered} | ${rps(t).toFixed(0)} | ${latency} | ${(t.cpuMs / t.answered).toFixed(3)} | ${(t.mainMs / t.answered).toFixed(3)} | ${t.errors} / ${t.nonOk} |`,
    );
  }
  const onT = tallies.get("on")!;
  const offT = tallies.get("off")!;
  const ratio = rps(onT) / rps(offT);
  const spans = ((await (await fetch(`${receiverUrl}/spans/count`)).json()) as { spans: number }).spans;
  // Each round's two runs are back to back: the median of their ratios resists the machine's swings.
  // Paired, a round's figure is requests per CPU ms, so the same ratio reads CPU off / CPU on.
  const pairs = onT.rounds.map((v, i) => v / offT.rounds[i]!).sort((a, b) => a - b);
  const medianRatio = percentile(Float64Array.from(pairs), 50);
  const cpuRatio = offT.cpuMs / offT.answered / (onT.cpuMs / onT.answered);
  const measure = opts.paired ? "CPU per request off/on (the req/s a CPU-bound Detour keeps)" : "req/s";
  console.log(
    `\n${measure} ${baseDist ? "this build / base build" : "on/off"}: ${(opts.paired ? cpuRatio : ratio).toFixed(3)} over the run, ${medianRatio.toFixed(3)} median of the ${pairs.length} rounds' ratios${baseDist ? "" : " (target >= 0.97)"}`,
  );
  console.log(
    `CPU ms/request ${baseDist ? "this build - base build" : "on - off"}: ${(onT.cpuMs / onT.answered - offT.cpuMs / offT.answered).toFixed(3)}`,
  );
  if (opts.paired) {
    const mainRatio = offT.mainMs / offT.answered / (onT.mainMs / onT.answered);
    console.log(
      `main thread CPU per request off/on (the req/s a Detour whose event loop is the bound keeps): ${mainRatio.toFixed(3)}; on - off ${(onT.mainMs / onT.answered - offT.mainMs / offT.answered).toFixed(3)} ms`,
    );
  }
  console.log(
    `tracing code alone (in process, 20,000 requests): ${alone.syncUs.toFixed(1)} us CPU per request when its spans end (${alone.mainUs.toFixed(1)} us of it on the main thread), ${alone.totalUs.toFixed(1)} us with the batch export`,
  );
  const expected = Math.round(2 * (warmedOn + onT.answered + (baseDist ? warmedOff + offT.answered : 0)) * SAMPLE);
  console.log(
    `spans received from the traced Detour: ${spans} (2 per sampled request: ~${expected}; fewer when its batch queue, OTEL_BSP_MAX_QUEUE_SIZE, overflowed)`,
  );
}

runMain(main, 20 * 60_000);
