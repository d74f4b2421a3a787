/**
 * On-demand soak benchmark (never part of the test suite), loopback only, bounded in time.
 *
 *   npm --prefix bench ci                       # once (autocannon, for --db-compare)
 *   npx tsx bench/soak.ts [--minutes 3 --concurrency 32 ...] > soak.md     # from the repo root
 *   npx tsx bench/soak.ts --db-compare [--duration 6 --warmup 2] > db.md
 *
 * Needs the production build (.next/, or DETOUR_NEXT_DIST_DIR), PostgreSQL on 127.0.0.1:5432
 * (user postgres; DETOUR_BENCH_PG_URL) and, for the soak, Redis on 127.0.0.1:6379
 * (DETOUR_BENCH_REDIS_URL). Markdown goes to stdout, progress to stderr. Every process started here
 * is stopped at the end, on failure, on Ctrl-C and on the hard timeout; the temp database is
 * dropped and this run's Redis keys (its own DETOUR_REDIS_PREFIX) are deleted.
 *
 * Soak (default): the mock upstream (seeded PRNG) and two Detour instances (scripts/server.ts, own ports
 * and data dirs) on one fresh PostgreSQL database and one Redis, seeded like testing/multi-instance-harness.ts.
 * A saved fallback config: the primary target (an OpenAI virtual key, retry 1 with retry-after
 * honoured) fails on `--fault-rate` of its upstream calls (503, 429 + retry-after-ms, TCP resets,
 * hangs past request_timeout); the fallback target (an Azure virtual key) never fails. So every
 * request should be answered 200: any 5xx the client sees is Detour's doing. A closed loop of
 * `--concurrency` clients sends requests round robin to the two instances for `--minutes`, after a
 * warm-up and a direct-to-mock baseline at the same concurrency. Reported: req/s, latency and
 * overhead vs direct, 5xx classified from the log rows, log rows == requests answered, RSS over
 * time and the JS heap after a forced full GC at the start and the end (each instance runs with
 * --inspect on loopback for that), fallbacks and retries. docs/PERFORMANCE.md describes it all.
 *
 * --db-compare: one Detour instance on SQLite and one on PostgreSQL (no Redis), same seed; single
 * target and fallback (first target always 503) at c=1 and c=32, measured alternately (autocannon,
 * bench/lib/autocannon.ts, as in bench/run.ts), with log rows == answered for each database.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import pg from "pg";
import { freePort, waitForHealthOrExit, type ServerProcess } from "../testing/server-process";
import { loadAutocannon, measure, runOnce, type Autocannon, type CaseResult, type Target } from "./lib/autocannon";
import { startLoad, type Endpoint, type LoadResult } from "./lib/closed-loop";
import { heapAfterGcMiB } from "./lib/inspector";
import {
  countLogs,
  createPgDatabase,
  logQueue,
  PG_ADMIN_URL,
  queryDb,
  seedDetour,
  startMock,
  waitForLogDrain,
  type LogQueue,
  type Mock,
} from "./lib/detour";
import {
  buildInfo,
  exitedOutputs,
  log,
  onCleanup,
  root,
  runMain,
  setLogTag,
  sleep,
  startDetour,
  treeCpuMs,
  treeRssMiB,
  type BuildInfo,
} from "./lib/procs";
import { fmt, signed, statusText, summary, table } from "./lib/stats";

setLogTag("soak");

// ---------- options ----------

const { values: opts } = parseArgs({
  options: {
    minutes: { type: "string", default: "3" },
    concurrency: { type: "string", default: "32" },
    "fault-rate": { type: "string", default: "0.3" },
    "request-timeout": { type: "string", default: "1000" },
    "warmup-seconds": { type: "string", default: "10" },
    "baseline-seconds": { type: "string", default: "15" },
    samples: { type: "string", default: "6" },
    seed: { type: "string", default: "42" },
    "db-compare": { type: "boolean", default: false },
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
  },
});
const num = (name: keyof typeof opts, min: number, max: number): number => {
  const v = Number(opts[name]);
  if (!Number.isFinite(v) || v < min || v > max)
    throw new Error(`--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(opts[name])}`);
  return v;
};
const MINUTES = num("minutes", 0.1, 60);
const C = Math.round(num("concurrency", 2, 512));
const FAULT_RATE = num("fault-rate", 0, 0.9);
const REQUEST_TIMEOUT_MS = Math.round(num("request-timeout", 100, 30_000));
const WARMUP_S = num("warmup-seconds", 1, 120);
const BASELINE_S = num("baseline-seconds", 1, 120);
const SAMPLES = Math.round(num("samples", 1, 60));
const SEED = Math.round(num("seed", 0, 2 ** 31));
const DB_COMPARE = opts["db-compare"] === true;
const CASE_S = num("duration", 1, 30);
const CASE_WARMUP_S = num("warmup", 0.5, 30);

const SOAK_S = MINUTES * 60;
const HARD_TIMEOUT_MS = DB_COMPARE
  ? Math.max(300, 1.5 * (60 + 4 * 3 + 10 * (CASE_WARMUP_S + CASE_S + 1))) * 1000
  : Math.max(300, 1.5 * (90 + WARMUP_S + BASELINE_S + SOAK_S + 60)) * 1000;

const REDIS_URL = process.env.DETOUR_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const BODY = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
const JSON_HEADERS = { "content-type": "application/json" };
const KEY_PRIMARY = "sk-soak-primary-0001";
const KEY_AZURE = "azure-soak-fallback-0002";
const KEY_DIRECT = "sk-soak-direct-0003";
const METRICS_TOKEN = `soak-metrics-${randomBytes(12).toString("hex")}`;

/**
 * The primary target's faults: shares of --fault-rate. The mock checks rules in order and a rule
 * that loses its draw passes to the next, so each rule's probability is its share of what is left.
 */
const FAULT_MIX = [
  { label: "503", share: 0.4, fault: { kind: "status", status: 503 } },
  { label: "429 + retry-after-ms 50", share: 0.4 * (2 / 3), fault: { kind: "status", status: 429, retryAfterMs: 50 } },
  { label: "connection reset", share: 1 / 6, fault: { kind: "reset" } },
  { label: `hang (past request_timeout ${REQUEST_TIMEOUT_MS} ms)`, share: 1 / 6, fault: { kind: "hang" } },
] as const;

// ---------- shared set-up ----------

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

function machineLine(build: BuildInfo, load0: string): string {
  return (
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), **shared with other work**; load average at start ${load0}. ` +
    `Node ${process.version}. Detour ${build.gitHead} (production build in ${build.distDir}/${build.current ? "" : ", STALE: older than the sources"}).`
  );
}

function commonEnv(keyHex: string): Record<string, string> {
  return {
    DETOUR_ENCRYPTION_KEY: keyHex,
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    NODE_ENV: "production",
    LOG_LEVEL: "info", // the default of `npm start`
  };
}

async function startInstance(name: string, env: Record<string, string>): Promise<{ server: ServerProcess; url: string }> {
  const server = await startDetour(name, env);
  const ready = await waitForHealthOrExit(server);
  if (ready.health !== 200) throw new Error(`${name} did not start (${JSON.stringify(ready)}):\n${server.output()}`);
  return { server, url: `http://127.0.0.1:${server.port}` };
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * CPU ticks of the PostgreSQL backends connected to `databaseUrl`'s database (pid -> utime+stime),
 * found through pg_stat_activity: the database server's work for Detour, without other sessions'.
 */
async function pgBackendTicks(databaseUrl: string): Promise<Map<number, number>> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await c.connect();
  let pids: number[];
  try {
    pids = (await c.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [name])).rows.map((r: { pid: number }) => Number(r.pid));
  } finally {
    await c.end();
  }
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    try {
      const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
      ticks.set(pid, Number(f[11]) + Number(f[12]));
    } catch {
      // gone
    }
  }
  return ticks;
}

/** CPU ms of those backends between two readings (a backend that ended in between is not counted). */
function pgBackendCpuMs(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks * 10; // CLK_TCK is 100 on Linux
}

const n = (v: unknown) => Number(v ?? 0);

/** JS heap used and active handles, from Detour's Prometheus metrics (prom-client's default metrics). */
async function processMetrics(baseUrl: string): Promise<{ heapUsedMiB: number; handles: number }> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, "m").exec(text)?.[1] ?? NaN);
    return { heapUsedMiB: value("detour_nodejs_heap_size_used_bytes") / 2 ** 20, handles: value("detour_nodejs_active_handles_total") };
  } catch {
    return { heapUsedMiB: NaN, handles: NaN };
  }
}

// ---------- soak ----------

async function soak(): Promise<void> {
  const started = Date.now();
  const load0 = loadAverage();
  const build = buildInfo();

  // Redis: this run's own prefix; its keys are deleted at the end (nothing else is touched).
  const prefix = `detour-soak-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis unreachable at ${REDIS_URL}: ${(err as Error).message}`);
  }
  onCleanup("delete this run's Redis keys", async () => {
    try {
      let cursor = "0";
      let deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
        cursor = next;
        if (keys.length) deleted += await redis.del(...keys);
      } while (cursor !== "0");
      if (deleted) log(`deleted ${deleted} Redis keys under ${prefix}:`);
    } finally {
      redis.disconnect();
    }
  });

  // 1. mock upstream with the primary key's faults
  const mock = await startMock({ seed: SEED });
  const ruleIds: string[] = [];
  let left = 1;
  for (const m of FAULT_MIX) {
    const p = (FAULT_RATE * m.share) / left;
    left -= FAULT_RATE * m.share;
    if (p > 0) ruleIds.push(await mock.script({ match: { key: KEY_PRIMARY }, fault: m.fault as never, probability: Math.min(1, p) }));
  }
  log(
    `mock upstream on ${mock.url} (pid ${mock.pid}, seed ${SEED}); primary key fails ${FAULT_RATE * 100}% of calls: ${FAULT_MIX.map((m) => `${m.label} ${fmt(FAULT_RATE * m.share * 100, 1)}%`).join(", ")}`,
  );

  // 2. one fresh PostgreSQL database, seeded once (as a first deploy would), two instances on it
  const databaseUrl = await createPgDatabase("detour_soak");
  const keyHex = randomBytes(32).toString("hex");
  const dataDirs = ["a", "b", "boot"].map((x) => tempDir(`detour-soak-${x}-`));
  process.env.LOG_LEVEL ??= "warn";
  const seed = await seedDetour(databaseUrl, dataDirs[2]!, keyHex, mock.url);
  const vkPrimary = await seed.openaiKey("soak primary (OpenAI)", KEY_PRIMARY);
  const vkAzure = await seed.azureKey("soak fallback (Azure)", KEY_AZURE, "gpt4o-soak", "gpt-4o");
  const configBody = {
    strategy: { mode: "fallback" },
    request_timeout: REQUEST_TIMEOUT_MS,
    targets: [{ virtual_key: vkPrimary, retry: { attempts: 1, use_retry_after_header: true } }, { virtual_key: vkAzure }],
  };
  const configSlug = await seed.config("soak fallback", configBody);
  const apiKey = seed.apiKey;
  await seed.close();

  const env = {
    ...commonEnv(keyHex),
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    DETOUR_REDIS_PREFIX: prefix,
    DETOUR_METRICS_TOKEN: METRICS_TOKEN,
  };
  // Each instance with an inspector on loopback, to force a full GC before reading the heap at the start and the end.
  const inspectPorts = [await freePort(), await freePort()];
  const start = (x: "A" | "B", k: number) =>
    startInstance(`Detour ${x}`, { ...env, DETOUR_DATA_DIR: dataDirs[k]!, NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPorts[k]}` });
  const [a, b] = await Promise.all([start("A", 0), start("B", 1)]);
  const instances = [
    { name: "A", ...a },
    { name: "B", ...b },
  ];
  for (const i of instances) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const h = (await (await fetch(`${i.url}/api/health`)).json()) as { redis?: string; database?: string };
      if (h.redis === "ok" && h.database === "postgresql") break;
      if (Date.now() > deadline)
        throw new Error(`instance ${i.name}: /api/health never showed redis ok on postgresql: ${JSON.stringify(h)}`);
      await sleep(200);
    }
  }
  log(`Detour A ${a.url} (pid ${a.server.child.pid}), B ${b.url} (pid ${b.server.child.pid}); PostgreSQL + Redis prefix ${prefix}`);

  const detourEndpoints: Endpoint[] = instances.map((i) => ({
    name: i.name,
    origin: i.url,
    path: "/v1/chat/completions",
    headers: { ...JSON_HEADERS, "x-portkey-api-key": apiKey, "x-portkey-config": configSlug },
    body: BODY,
  }));
  const directEndpoint: Endpoint = {
    name: "direct",
    origin: mock.url,
    path: "/v1/chat/completions",
    headers: { ...JSON_HEADERS, authorization: `Bearer ${KEY_DIRECT}` },
    body: BODY,
  };
  /** Every answer Detour gave (probes, warm-up and soak), per instance: the log check. */
  const answered = [0, 0];
  let clientErrors = 0;

  // 3. probes: every instance answers through the config
  for (const [k, e] of detourEndpoints.entries()) {
    for (let j = 0; j < 5; j++) {
      const res = await fetch(`${e.origin}${e.path}`, { method: "POST", headers: e.headers, body: e.body });
      await res.text();
      answered[k]! += 1;
      if (res.status !== 200) throw new Error(`instance ${e.name}: probe answered ${res.status}`);
    }
  }

  // 4. warm-up (JIT, pools, caches), then the direct baseline at the same concurrency, no faults
  log(`warm-up: ${WARMUP_S} s at c=${C} through both instances`);
  const warm = await startLoad(detourEndpoints, C, WARMUP_S).done;
  warm.perEndpoint.forEach((t, k) => {
    answered[k]! += t.answered;
  });
  clientErrors += warm.errors;
  log(
    `warm-up: ${warm.answered} answered (${fmt(warm.answered / warm.seconds, 0)} req/s), statuses ${JSON.stringify(Object.fromEntries(mergeStatuses(warm)))}`,
  );
  log(`direct-to-mock baseline: ${BASELINE_S} s at c=${C} (no faults)`);
  const mockCpu0 = treeCpuMs(mock.pid);
  const direct = await startLoad([directEndpoint], C, BASELINE_S).done;
  const directMockCpu = treeCpuMs(mock.pid) - mockCpu0;
  const directLat = summary(direct.latencies);
  log(
    `direct: ${fmt(direct.answered / direct.seconds, 0)} req/s, p50 ${fmt(directLat.p50)} ms, p99 ${fmt(directLat.p99)} ms, statuses ${JSON.stringify(Object.fromEntries(mergeStatuses(direct)))}`,
  );
  // The soak's own log rows are the ones created after every earlier row (warm-up and probes).
  await waitForLogDrain(
    instances.map((i) => i.url),
    30_000,
  );
  const [before] = await queryDb<{ last: unknown; rows: unknown }>(databaseUrl, {
    sqlite: "",
    postgresql: `SELECT to_char(max("createdAt"), 'YYYY-MM-DD HH24:MI:SS.MS') AS last, count(*) AS rows FROM "RequestLog"`,
  });
  const soakSince = String(before?.last);
  const rulesBefore = await mock.rules();
  await sleep(1_000);

  // 5. the soak, sampling RSS and progress along the way
  type Sample = {
    t: number;
    rps: number;
    rss: number[];
    heap: number[];
    handles: number[];
    queued: number[];
    written: number[];
    load1: number;
  };
  const samples: Sample[] = [];
  const pids = instances.map((i) => i.server.child.pid);
  const readSample = async (t: number, rps: number): Promise<Sample> => {
    const qs = await Promise.all(instances.map((i) => logQueue(i.url).catch(() => undefined)));
    const ms = await Promise.all(instances.map((i) => processMetrics(i.url)));
    return {
      t,
      rps,
      rss: pids.map((p) => treeRssMiB(p)),
      heap: ms.map((m) => m.heapUsedMiB),
      handles: ms.map((m) => m.handles),
      queued: qs.map((q) => q?.queued ?? NaN),
      written: qs.map((q) => q?.written ?? NaN),
      load1: os.loadavg()[0]!,
    };
  };
  const gcStart = await Promise.all(inspectPorts.map((p) => heapAfterGcMiB(p)));
  samples.push(await readSample(0, NaN));
  const cpu0 = {
    inst: pids.map((p) => treeCpuMs(p)),
    mock: treeCpuMs(mock.pid),
    pg: await pgBackendTicks(databaseUrl),
    gen: process.cpuUsage(),
  };
  log(
    `soak: ${fmt(SOAK_S, 0)} s at c=${C}, round robin over A and B; RSS at start A ${fmt(samples[0]!.rss[0]!, 0)} MiB, B ${fmt(samples[0]!.rss[1]!, 0)} MiB`,
  );
  const run = startLoad(detourEndpoints, C, SOAK_S);
  const every = (SOAK_S * 1000) / SAMPLES;
  const soakStart = performance.now();
  let lastCount = 0;
  let lastT = 0;
  let finished = false;
  const soakDone = run.done.finally(() => (finished = true));
  for (let k = 1; k < SAMPLES; k++) {
    const wait = soakStart + k * every - performance.now();
    await Promise.race([sleep(Math.max(0, wait)), soakDone]);
    if (finished) break;
    const t = (performance.now() - soakStart) / 1000;
    const s = await readSample(t, (run.live.answered - lastCount) / (t - lastT));
    lastCount = run.live.answered;
    lastT = t;
    samples.push(s);
    log(
      `t=${fmt(t, 0)} s  ${fmt(s.rps, 0)} req/s  answered ${run.live.answered}  client errors ${run.live.errors}  RSS A ${fmt(s.rss[0]!, 0)} B ${fmt(s.rss[1]!, 0)} MiB  heap A ${fmt(s.heap[0]!, 0)} B ${fmt(s.heap[1]!, 0)} MiB  ` +
        `log queue A ${s.queued[0]} B ${s.queued[1]}  load ${fmt(s.load1, 1)}`,
    );
  }
  const res = await soakDone;
  const tEnd = (performance.now() - soakStart) / 1000;
  const cpu = {
    inst: pids.map((p, k) => treeCpuMs(p) - cpu0.inst[k]!),
    mock: treeCpuMs(mock.pid) - cpu0.mock,
    pg: pgBackendCpuMs(cpu0.pg, await pgBackendTicks(databaseUrl)),
    gen: (() => {
      const g = process.cpuUsage(cpu0.gen);
      return (g.user + g.system) / 1000;
    })(),
  };
  samples.push(await readSample(tEnd, (res.answered - lastCount) / (tEnd - lastT)));
  res.perEndpoint.forEach((t, k) => {
    answered[k]! += t.answered;
  });
  clientErrors += res.errors;
  const lat = summary(res.latencies);
  log(
    `soak done: ${res.answered} answered in ${fmt(res.seconds, 1)} s (${fmt(res.answered / res.seconds, 0)} req/s), p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms, client errors ${res.errors}`,
  );

  // 6. the writers drain; rows == answers
  const drained = await waitForLogDrain(
    instances.map((i) => i.url),
    60_000,
  );
  await sleep(2_000); // idle: RSS once the queues are empty
  const gcEnd = await Promise.all(inspectPorts.map((p) => heapAfterGcMiB(p)));
  const idle = await readSample((performance.now() - soakStart) / 1000, NaN);
  const totalAnswered = answered[0]! + answered[1]!;
  const logs = await countLogs(databaseUrl);
  const q = drained as (LogQueue | undefined)[];
  const written = q.reduce((s, x) => s + (x?.written ?? NaN), 0);
  const lost = q.reduce((s, x) => s + (x ? x.dropped + x.rejected : NaN), 0);

  // 7. what the log rows say
  type Row = Record<string, unknown>;
  const pgq = (sql: string) => queryDb<Row>(databaseUrl, { sqlite: sql, postgresql: sql });
  const soakOnly = `WHERE "createdAt" > '${soakSince}'`;
  const [agg] = await pgq(
    `SELECT count(*) AS rows, count(*) FILTER (WHERE "fallbackUsed") AS fallbacks, count(*) FILTER (WHERE "retryCount" > 0) AS retried, ` +
      `coalesce(sum("retryCount"), 0) AS retries, count(*) FILTER (WHERE status >= 500) AS s5xx, ` +
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY "overheadMs") FILTER (WHERE status = 200) AS own_p50, ` +
      `percentile_cont(0.99) WITHIN GROUP (ORDER BY "overheadMs") FILTER (WHERE status = 200) AS own_p99, ` +
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY "latencyMs") AS lat_p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY "latencyMs") AS lat_p99 FROM "RequestLog" ${soakOnly}`,
  );
  const attemptsBy = await pgq(
    `SELECT "targetPath" AS target, coalesce(a.status::text, '-') AS status, coalesce("errorClass", '-') AS error_class, count(*) AS n FROM "RequestAttempt" a ` +
      `JOIN "RequestLog" l ON l.id = a."logId" ${soakOnly.replace('"createdAt"', 'l."createdAt"')} GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC`,
  );
  const errorTypes = await pgq(
    `SELECT status, coalesce("errorType", '-') AS error_type, count(*) AS n FROM "RequestLog" WHERE status <> 200 GROUP BY 1, 2 ORDER BY 3 DESC`,
  ); // all rows
  // Every non-200 row (all phases), with its attempts: did an upstream answer that status (the last
  // attempt's status, no Detour error type), or did Detour produce it?
  const nonOkRows = await pgq(
    `SELECT l.id, l.status, l."errorType" AS error_type, l."createdAt" > '${soakSince}' AS in_soak, l."latencyMs" AS latency, ` +
      `(SELECT x.status FROM "RequestAttempt" x WHERE x."logId" = l.id ORDER BY x.index DESC LIMIT 1) AS last_status, ` +
      `(SELECT string_agg(x."targetPath" || ' ' || coalesce(x.status::text, '-') || ' ' || coalesce(x."errorClass", '') || ' ' || x."latencyMs" || 'ms', '; ' ORDER BY x.index) ` +
      `FROM "RequestAttempt" x WHERE x."logId" = l.id) AS attempts, left(l."responseBody", 160) AS body FROM "RequestLog" l WHERE l.status <> 200 ORDER BY l."createdAt"`,
  );
  const fiveXx = nonOkRows.filter((r) => n(r.status) >= 500);
  const logOk =
    logs.rows === totalAnswered &&
    n(agg?.rows) === res.answered &&
    written === totalAnswered &&
    lost === 0 &&
    q.every((x) => x?.queued === 0) &&
    clientErrors === 0;
  const upstream5xx = fiveXx.filter((r) => r.error_type === null && n(r.last_status) === n(r.status));
  const detour5xx = fiveXx.filter((r) => !(r.error_type === null && n(r.last_status) === n(r.status)));
  const rules = await mock.rules();
  const appliedOf = (list: typeof rules, id: string | undefined) => list.find((r) => r.id === id)?.applied ?? 0;
  const applied = FAULT_MIX.map((m, k) => ({ label: m.label, applied: appliedOf(rules, ruleIds[k]) - appliedOf(rulesBefore, ruleIds[k]) }));
  const primaryCalls = attemptsBy.filter((r) => r.target === "config.targets[0]").reduce((s, r) => s + n(r.n), 0);

  // 8. report
  const client5xx = [...res.perEndpoint, ...warm.perEndpoint].reduce(
    (s, t) => s + [...t.statuses].filter(([st]) => st >= 500).reduce((x, [, c]) => x + c, 0),
    0,
  );
  const soakStatuses = mergeStatuses(res);
  const nonOk = [...soakStatuses].filter(([st]) => st < 200 || st > 299).reduce((s, [, c]) => s + c, 0);
  const rps = res.answered / res.seconds;
  const directRps = direct.answered / direct.seconds;
  const out: string[] = [];
  out.push(`## Detour soak, ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC`);
  out.push("");
  out.push(machineLine(build, load0));
  out.push("");
  out.push(
    `Two instances (\`scripts/server.ts\`, own ports and data dirs, each with an inspector on loopback to force a full GC before the heap is read at the start and the end) on one fresh PostgreSQL database and Redis (prefix \`${prefix}\`), mock upstream seeded ${SEED}. ` +
      `Closed loop of ${C} clients, round robin over the two instances, ${fmt(SOAK_S, 0)} s after a ${WARMUP_S} s warm-up; direct-to-mock baseline ${BASELINE_S} s at the same concurrency, no faults. ` +
      `Config (saved, \`${configSlug}\`): \`${JSON.stringify({ ...configBody, targets: [{ virtual_key: "<openai primary>", retry: configBody.targets[0]!.retry }, { virtual_key: "<azure fallback>" }] })}\`. ` +
      `The primary's upstream fails ${fmt(FAULT_RATE * 100, 0)}% of calls (${FAULT_MIX.map((m) => `${m.label} ${fmt(FAULT_RATE * m.share * 100, 1)}%`).join(", ")}); the Azure fallback never fails, so every request should be answered 200.`,
  );
  out.push("");
  out.push("### Summary");
  out.push("");
  out.push(
    table(
      ["figure", "value", "target"],
      [
        ["req/s through Detour (A + B) / direct to mock, same c", `${fmt(rps, 0)} / ${fmt(directRps, 0)}`, "–"],
        ["client p50 / p99, ms: Detour / direct", `${fmt(lat.p50)} / ${fmt(lat.p99)}; ${fmt(directLat.p50)} / ${fmt(directLat.p99)}`, "–"],
        [
          "overhead vs direct, p50 / p99, ms (includes retries, back-off and timeouts of the faults)",
          `${signed(lat.p50 - directLat.p50)} / ${signed(lat.p99 - directLat.p99)}`,
          "–",
        ],
        ["Detour's own time (log `overheadMs`, 200s) p50 / p99, ms", `${fmt(n(agg?.own_p50), 2)} / ${fmt(n(agg?.own_p99), 2)}`, "–"],
        [
          "5xx answered to the client (warm-up + soak)",
          `${client5xx} (Detour produced ${detour5xx.length}, upstream status passed on ${upstream5xx.length}, from the log rows)`,
          "0",
        ],
        [
          "other non-2xx (soak) / client errors (no answer)",
          `${nonOk - [...soakStatuses].filter(([st]) => st >= 500).reduce((s, [, c]) => s + c, 0)} / ${clientErrors}`,
          "0",
        ],
        [
          "log rows == requests answered",
          `all: ${logs.rows} rows, ${totalAnswered} answered, log_queue written ${written}, dropped+rejected ${lost}; soak: ${n(agg?.rows)} rows, ${res.answered} answered => ${logOk ? "exact" : "MISMATCH"}`,
          "exact",
        ],
        ...[0, 1].map((k) => [
          `RSS ${instances[k]!.name}, MiB: start (after warm-up) → end of load (after the drain and a full GC); growth over the second half of the soak`,
          `${fmt(samples[0]!.rss[k]!, 0)} → ${fmt(samples.at(-1)!.rss[k]!, 0)} (${fmt(idle.rss[k]!, 0)}); ${signed(secondHalfSlope(samples, k), 1)} MiB/min (JS heap used ${fmt(samples[0]!.heap[k]!, 0)} → ${fmt(samples.at(-1)!.heap[k]!, 0)} MiB)`,
          "flat",
        ]),
        [
          "JS heap after a full GC, A / B, MiB: start → end (drained)",
          `${fmt(gcStart[0]!, 1)} → ${fmt(gcEnd[0]!, 1)} / ${fmt(gcStart[1]!, 1)} → ${fmt(gcEnd[1]!, 1)}`,
          "flat",
        ],
        [
          "soak: fallbacks / requests retried (retries), from the log rows",
          `${n(agg?.fallbacks)} / ${n(agg?.retried)} (${n(agg?.retries)}) of ${n(agg?.rows)} rows`,
          "–",
        ],
        [
          "Detour CPU per request, A / B, ms",
          `${fmt(cpu.inst[0]! / (res.perEndpoint[0]!.answered || 1), 3)} / ${fmt(cpu.inst[1]! / (res.perEndpoint[1]!.answered || 1), 3)}`,
          "–",
        ],
      ],
    ),
  );
  out.push("");
  out.push("### Over time");
  out.push("");
  out.push(
    table(
      [
        "t, s",
        "req/s (since previous)",
        "RSS A, MiB",
        "RSS B, MiB",
        "JS heap used A / B, MiB",
        "active handles A / B",
        "log queue A / B",
        "written A / B",
        "load avg 1 min",
      ],
      [...samples, { ...idle, t: idle.t }].map((s, k) => [
        k === samples.length ? `${fmt(s.t, 0)} (drained, after a full GC)` : fmt(s.t, 0),
        fmt(s.rps, 0),
        fmt(s.rss[0]!, 1),
        fmt(s.rss[1]!, 1),
        `${fmt(s.heap[0]!, 1)} / ${fmt(s.heap[1]!, 1)}`,
        `${s.handles[0]} / ${s.handles[1]}`,
        `${s.queued[0]} / ${s.queued[1]}`,
        `${s.written[0]} / ${s.written[1]}`,
        fmt(s.load1, 2),
      ]),
    ),
  );
  out.push("");
  out.push("### Answers");
  out.push("");
  out.push(
    table(
      ["run", "instance", "answered", "statuses", "client errors"],
      [
        [
          "direct baseline",
          "mock",
          String(direct.answered),
          statusText(Object.fromEntries(mergeStatuses(direct)), 0),
          String(direct.errors),
        ],
        ...(["warm-up", "soak"] as const).flatMap((label) =>
          (label === "soak" ? res : warm).perEndpoint.map((t, k) => [
            label,
            instances[k]!.name,
            String(t.answered),
            statusText(Object.fromEntries(t.statuses), 0),
            `${t.errors}${t.errorKinds.size ? ` (${[...t.errorKinds].map(([e, c]) => `${e}×${c}`).join(", ")})` : ""}`,
          ]),
        ),
      ],
    ),
  );
  out.push("");
  out.push(
    `Answered by: ${[...res.lastUsedIndex].map(([k, v]) => `${k} ×${v}`).join(", ")}; answers with a retry (\`x-portkey-retry-attempt-count\` ≠ 0): ${res.retriedAnswers}.`,
  );
  out.push("");
  out.push("### Upstream attempts during the soak (log) and faults injected (mock)");
  out.push("");
  out.push(
    table(
      ["target", "status", "error class", "attempts"],
      attemptsBy.map((r) => [String(r.target), String(r.status), String(r.error_class), String(r.n)]),
    ),
  );
  out.push("");
  out.push(
    `Faults the mock injected on the primary during the soak: ${applied.map((x) => `${x.label} ×${x.applied}`).join(", ")}; ` +
      `${applied.reduce((s, x) => s + x.applied, 0)} of the ${primaryCalls} primary attempts logged (${fmt((100 * applied.reduce((s, x) => s + x.applied, 0)) / (primaryCalls || 1), 1)}%).`,
  );
  out.push("");
  if (errorTypes.length) {
    out.push(`Non-200 log rows: ${errorTypes.map((r) => `${r.status} ${r.error_type} ×${r.n}`).join(", ")}.`);
    out.push("");
  }
  if (nonOkRows.length) {
    out.push(`Non-200 log rows, all phases (first 10 of ${nonOkRows.length}):`);
    out.push("");
    const cell = (v: unknown) =>
      `\`${String(v ?? "")
        .replace(/\|/g, "\\|")
        .replace(/\n/g, " ")}\``;
    out.push(
      table(
        ["log id", "phase", "status", "error type", "latency ms", "attempts (target status class latency)", "produced by", "body"],
        nonOkRows
          .slice(0, 10)
          .map((r) => [
            String(r.id),
            r.in_soak ? "soak" : "probe/warm-up",
            String(r.status),
            String(r.error_type ?? "-"),
            String(r.latency),
            cell(r.attempts),
            r.error_type === null && n(r.last_status) === n(r.status) ? "upstream (status passed on)" : "Detour",
            cell(r.body),
          ]),
      ),
    );
    out.push("");
  }
  if (res.nonOkSamples.length) {
    out.push(
      `First non-2xx answers the client saw: ${res.nonOkSamples
        .slice(0, 5)
        .map((s) => `${s.endpoint} ${s.status} (${s.requestId ?? "no request id"}): \`${s.body.slice(0, 160).replace(/\n/g, " ")}\``)
        .join("; ")}.`,
    );
    out.push("");
  }
  out.push(
    `CPU during the soak, ms per request answered: Detour A ${fmt(cpu.inst[0]! / (res.perEndpoint[0]!.answered || 1), 3)}, B ${fmt(cpu.inst[1]! / (res.perEndpoint[1]!.answered || 1), 3)}, ` +
      `mock ${fmt(cpu.mock / (res.answered || 1), 3)} (direct baseline: ${fmt(directMockCpu / (direct.answered || 1), 3)}), PostgreSQL backends of this database ${fmt(cpu.pg / (res.answered || 1), 3)}, load generator ${fmt(cpu.gen / (res.answered || 1), 3)}.`,
  );
  out.push("");
  out.push(
    `Request log: ${totalAnswered} answered (probes ${10}, warm-up ${warm.answered}, soak ${res.answered}); rows in PostgreSQL ${logs.rows} (${logs.byStatus.map((s) => `${s.status}×${s.n}`).join(", ")}), attempt rows ${logs.attempts}; ` +
      `/api/health log_queue A: ${JSON.stringify(q[0])}, B: ${JSON.stringify(q[1])} => ${logOk ? "OK, exactly one row per answered request" : "MISMATCH"}.`,
  );
  out.push("");
  out.push(`Run took ${fmt((Date.now() - started) / 1000, 0)} s.`);
  process.stdout.write(`${out.join("\n")}\n`);
  if (!logOk || client5xx > 0) process.exitCode = 1;
}

/** RSS growth of instance k over the second half of the samples, MiB per minute (least squares). */
function secondHalfSlope(samples: { t: number; rss: number[] }[], k: number): number {
  const pts = samples.filter((s) => s.t >= samples.at(-1)!.t / 2).map((s) => [s.t / 60, s.rss[k]!] as const);
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const num = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den ? num / den : NaN;
}

function mergeStatuses(r: LoadResult): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of r.perEndpoint) for (const [s, c] of t.statuses) m.set(s, (m.get(s) ?? 0) + c);
  return m;
}

// ---------- SQLite vs PostgreSQL, one instance each ----------

async function dbCompare(): Promise<void> {
  const started = Date.now();
  const load0 = loadAverage();
  const build = buildInfo();
  const autocannon: Autocannon = loadAutocannon();
  const KEY_OK = "sk-bench-ok-0001";
  const KEY_FAIL = "sk-bench-fail-0002";
  const mock: Mock = await startMock();
  await mock.script({ match: { key: KEY_FAIL }, fault: { kind: "status", status: 503 } });
  log(`mock upstream on ${mock.url} (pid ${mock.pid})`);

  process.env.LOG_LEVEL ??= "warn";
  const keyHex = randomBytes(32).toString("hex");
  const sqliteDir = tempDir("detour-dbcmp-sqlite-");
  const pgDir = tempDir("detour-dbcmp-pg-");
  const dbs = [
    { name: "SQLite" as const, dbUrl: `file:${path.join(sqliteDir, "detour.db")}`, dir: sqliteDir },
    { name: "PostgreSQL" as const, dbUrl: await createPgDatabase("detour_dbcmp"), dir: pgDir },
  ];
  const setups: { apiKey: string; vkOk: string; fallback: string }[] = [];
  for (const d of dbs) {
    const seed = await seedDetour(d.dbUrl, d.dir, keyHex, mock.url);
    const vkOk = await seed.openaiKey("bench ok", KEY_OK);
    const vkFail = await seed.openaiKey("bench fail", KEY_FAIL);
    const fallback = await seed.config("bench fallback", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: vkFail }, { virtual_key: vkOk }],
    });
    setups.push({ apiKey: seed.apiKey, vkOk, fallback });
    await seed.close();
  }
  const env = commonEnv(keyHex);
  const started2 = await Promise.all(
    dbs.map((d) => startInstance(`Detour (${d.name})`, { ...env, DATABASE_URL: d.dbUrl, DETOUR_DATA_DIR: d.dir })),
  );
  const inst = dbs.map((d, k) => ({ ...d, ...started2[k]!, ...setups[k]!, answered: 0, cutOff: false }));
  for (const i of inst) log(`Detour on ${i.name}: ${i.url} (pid ${i.server.child.pid})`);

  const direct: Target = {
    url: `${mock.url}/v1/chat/completions`,
    headers: { ...JSON_HEADERS, authorization: `Bearer ${KEY_OK}` },
    body: BODY,
    pid: mock.pid,
  };
  const targets = inst.map((i) => ({
    single: {
      url: `${i.url}/v1/chat/completions`,
      headers: { ...JSON_HEADERS, "x-portkey-api-key": i.apiKey, "x-portkey-virtual-key": i.vkOk },
      body: BODY,
      pid: i.server.child.pid,
    } satisfies Target,
    fallback: {
      url: `${i.url}/v1/chat/completions`,
      headers: { ...JSON_HEADERS, "x-portkey-api-key": i.apiKey, "x-portkey-config": i.fallback },
      body: BODY,
      pid: i.server.child.pid,
    } satisfies Target,
  }));
  // probes, then a JIT pre-warm of every path
  for (const [k, t] of targets.entries()) {
    for (const [kind, target] of Object.entries(t)) {
      const res = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
      await res.text();
      inst[k]!.answered += 1;
      if (res.status !== 200) throw new Error(`${inst[k]!.name} ${kind}: answered ${res.status}`);
      if (kind === "fallback" && res.headers.get("x-portkey-last-used-option-index") !== "config.targets[1]")
        throw new Error(`${inst[k]!.name}: the fallback did not fall back`);
      const end = performance.now() + 1_500;
      while (performance.now() < end) {
        const { result } = await runOnce(autocannon, target, 8, 200, {}, 20_000);
        inst[k]!.answered += result["2xx"] + result.non2xx;
      }
    }
  }
  log("every path answers and is warm; measuring (cases alternate between the databases)");
  type Row = CaseResult & { db: "direct" | "SQLite" | "PostgreSQL"; kind: "direct" | "single" | "fallback"; pgCpuMsPerReq: number };
  const rows: Row[] = [];
  const common = { autocannon, warmupS: CASE_WARMUP_S, durationS: CASE_S, pauseMs: 500, mockPid: mock.pid };
  let caseNo = 0;
  for (const c of [1, 32]) {
    rows.push({
      ...(await measure({ ...common, name: "direct to mock", group: "single", system: "direct", target: direct, c })),
      db: "direct",
      kind: "direct",
      pgCpuMsPerReq: NaN,
    });
    for (const kind of ["single", "fallback"] as const) {
      // which database goes first alternates from case to case, so neither always follows the direct case
      const order = caseNo++ % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        const i = inst[k]!;
        const pg0 = i.name === "PostgreSQL" ? await pgBackendTicks(i.dbUrl) : null;
        const r = await measure({
          ...common,
          label: `${i.name}: `,
          name: kind === "single" ? "Detour (virtual key)" : "Detour fallback (saved config)",
          group: kind,
          system: "detour",
          target: targets[k]![kind],
          c,
          serverTiming: true,
          onAnswered: (count, cutOff) => {
            i.answered += count;
            if (cutOff) i.cutOff = true;
          },
        });
        rows.push({
          ...r,
          db: i.name,
          kind,
          pgCpuMsPerReq: pg0 ? pgBackendCpuMs(pg0, await pgBackendTicks(i.dbUrl)) / (r.requests || 1) : NaN,
        });
      }
    }
  }

  // log rows == answered, per database
  const logLines: string[][] = [];
  let allOk = true;
  for (const i of inst) {
    const [qq] = await waitForLogDrain([i.url], 30_000);
    const logs = await countLogs(i.dbUrl);
    const ok =
      !!qq &&
      qq.queued === 0 &&
      qq.dropped === 0 &&
      qq.rejected === 0 &&
      qq.written === i.answered &&
      logs.rows === i.answered &&
      !i.cutOff;
    allOk &&= ok;
    logLines.push([
      i.name,
      String(i.answered),
      String(logs.rows),
      String(qq?.written),
      String(qq?.dropped),
      String(qq?.rejected),
      String(logs.attempts),
      ok ? "OK" : i.cutOff ? "MISMATCH: a watchdog cut requests off (counts differ by the requests in flight)" : "MISMATCH",
    ]);
  }

  const get = (db: Row["db"], kind: Row["kind"], c: number) => rows.find((r) => r.db === db && r.kind === kind && r.c === c)!;
  const out: string[] = [];
  out.push(`## Detour on SQLite vs PostgreSQL, one instance each, ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC`);
  out.push("");
  out.push(machineLine(build, load0));
  out.push("");
  out.push(
    `One Detour instance per database (same build, same seed, no Redis), the mock upstream, autocannon (bench/lib/autocannon.ts, as bench/run.ts). ` +
      `Each case: ${CASE_WARMUP_S} s warm-up, then a fixed number of requests sized to ~${CASE_S} s; each case runs on one database then the other, and which goes first alternates. Fallback: the first target always gets a 503, the second answers.`,
  );
  out.push("");
  const tableRows: string[][] = [];
  for (const c of [1, 32]) {
    const d = get("direct", "direct", c);
    tableRows.push([
      "direct to mock",
      "–",
      String(c),
      fmt(d.rps, 0),
      fmt(d.p50),
      fmt(d.p99),
      "–",
      "–",
      fmt(d.serverCpuMsPerReq, 3),
      "–",
      "–",
      statusText(d.statuses, d.errors),
    ]);
    for (const kind of ["single", "fallback"] as const) {
      for (const db of ["SQLite", "PostgreSQL"] as const) {
        const r = get(db, kind, c);
        const other = get(db === "SQLite" ? "PostgreSQL" : "SQLite", kind, c);
        tableRows.push([
          kind === "single" ? "single target (virtual key)" : "fallback (saved config)",
          db,
          String(c),
          fmt(r.rps, 0),
          fmt(r.p50),
          fmt(r.p99),
          signed(r.p50 - d.p50),
          db === "PostgreSQL" ? fmt(r.rps / other.rps) : "–",
          fmt(r.serverCpuMsPerReq, 3),
          db === "PostgreSQL" ? fmt(r.pgCpuMsPerReq, 3) : "–",
          r.serverTiming ? `${fmt(r.serverTiming.p50)} / ${fmt(r.serverTiming.p99)}` : "–",
          statusText(r.statuses, r.errors),
        ]);
      }
    }
  }
  out.push(
    table(
      [
        "case",
        "database",
        "c",
        "req/s",
        "p50 ms",
        "p99 ms",
        "overhead p50 vs direct, ms",
        "req/s PostgreSQL ÷ SQLite",
        "Detour CPU ms/req",
        "PostgreSQL backends CPU ms/req",
        "own time p50 / p99, ms",
        "answers",
      ],
      tableRows,
    ),
  );
  out.push("");
  out.push(
    "Detour CPU = user+system of the Detour process (for direct: the mock) divided by requests answered; with SQLite the log writes are inside it, with PostgreSQL part of that work moves to the database server, " +
      "whose CPU is shown separately (the backends connected to Detour's database, from pg_stat_activity; WAL writer and checkpointer not included). Own time = `server-timing: gateway;dur=`.",
  );
  out.push("");
  out.push("### Request log, per database");
  out.push("");
  out.push(
    table(["database", "answered", "log rows", "log_queue written", "dropped", "rejected", "attempt rows", "rows == answered"], logLines),
  );
  out.push("");
  out.push(`Run took ${fmt((Date.now() - started) / 1000, 0)} s.`);
  process.stdout.write(`${out.join("\n")}\n`);
  if (!allOk) process.exitCode = 1;
}

// ---------- main ----------

process.chdir(root); // Detour and the mock's CLI are started from the repo root
runMain(DB_COMPARE ? dbCompare : soak, HARD_TIMEOUT_MS, () => exitedOutputs());
