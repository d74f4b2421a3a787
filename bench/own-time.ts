/**
 * Issue 16, item 4: does Detour's own timer tell the truth? For each case, a Detour process (one per
 * role) is sent --n requests one at a time (c=1: nothing else runs, so Detour's own time is time on
 * the CPU) and the mean of `server-timing`'s `gateway` (a stream's from its trailer, asked with
 * `TE: trailers`), and of the log rows' `overheadMs` (the same, plus the server's write of the
 * answer's last bytes, which no header can hold), are set beside the CPU the process spent per
 * request over the same requests: its main thread's alone and the whole process's (the log sink's
 * thread, V8's helpers), from /proc/<pid>/task/<tid>/schedstat (nanoseconds on the CPU). The main
 * thread's is split into user and kernel time (/proc/<pid>/task/<pid>/stat, clock ticks): the kernel's
 * share is mostly the loopback network's work on each send and receive, which no timer in Detour sees.
 *
 *   npx tsx bench/own-time.ts [--roles all,gateway] [--n 3000] [--warmup 500] [--cases single,fallback,stream,cache]
 *                             [--cpu-prof DIR]
 *
 * --cpu-prof profiles each Detour process (V8 profile written on exit; bench/profile-summary.ts).
 * Needs `npm run build`. Detour logs every request (SQLite), as in production.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { Client } from "undici";
import { seedHotPath, sqliteDetourEnv, startMock } from "./lib/detour";
import { log, root, runMain, startDetour } from "./lib/procs";
import { fmt, table } from "./lib/stats";
import { waitForHealthOrExit } from "../testing/server-process";

const { values: opts } = parseArgs({
  options: {
    roles: { type: "string", default: "all,gateway" },
    n: { type: "string", default: "3000" },
    warmup: { type: "string", default: "500" },
    cases: { type: "string", default: "single,fallback,stream,cache" },
    "cpu-prof": { type: "string" },
  },
});
const ROLES = opts.roles.split(",").filter(Boolean);
const N = Number(opts.n);
const WARMUP = Number(opts.warmup);
const KINDS = ["single", "fallback", "stream", "cache"] as const;
type Kind = (typeof KINDS)[number];
const CASES = opts.cases.split(",") as Kind[];
for (const k of CASES) if (!(KINDS as readonly string[]).includes(k)) throw new Error(`--cases: unknown case ${k}`);
for (const r of ROLES) if (r !== "all" && r !== "gateway") throw new Error(`--roles: unknown role ${r} (all, gateway)`);
if (!(N >= 100) || !(WARMUP >= 0)) throw new Error("--n must be >= 100, --warmup >= 0");

/** Nanoseconds on the CPU of a process's threads: [main thread, all threads]. */
function cpuNs(pid: number): [number, number] {
  let all = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      all += ns;
      if (tid === String(pid)) main = ns;
    } catch {
      // the thread ended meanwhile
    }
  }
  return [main, all];
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** The main thread's user and kernel (system) time in ms, from /proc/<pid>/task/<pid>/stat. */
function mainUserSystemMs(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces), from field 3 on: utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [(Number(fields[11]) * 1000) / USER_HZ, (Number(fields[12]) * 1000) / USER_HZ];
}

const TIMING = /gateway;dur=(\d+(?:\.\d+)?)/;

/** One request; Detour's own time from its server-timing (a stream's trailer). */
async function once(client: Client, pathName: string, headers: Record<string, string>, body: string): Promise<number> {
  const res = await client.request({ path: pathName, method: "POST", headers, body });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}`);
  const value = (res.trailers["server-timing"] as string | undefined) ?? (res.headers["server-timing"] as string | undefined);
  const m = TIMING.exec(value ?? "");
  if (!m) throw new Error(`no server-timing (${value})`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  process.chdir(root);
  const mock = await startMock();
  const KEY_OK = "sk-bench-ok-0001";
  const KEY_FAIL = "sk-bench-fail-0002";
  await mock.script({ match: { key: KEY_FAIL }, fault: { kind: "status", status: 503 } });
  const keyHex = randomBytes(32).toString("hex");
  const messages = [{ role: "user", content: "What are the 7 wonders of the world?" }];
  const rows: string[][] = [];
  for (const role of ROLES) {
    const { dataDir, dbFile, seed, vkOk, fallback, cache } = await seedHotPath("detour-own-", keyHex, mock.url, {
      ok: KEY_OK,
      fail: KEY_FAIL,
    });
    await seed.close();
    const prof = opts["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(opts["cpu-prof"])}`] : [];
    const detour = await startDetour(`Detour ${role}`, { ...sqliteDetourEnv(dataDir, dbFile, keyHex), DETOUR_ROLE: role }, prof);
    const ready = await waitForHealthOrExit(detour);
    if (ready.health !== 200) throw new Error(`Detour (${role}) did not start (${JSON.stringify(ready)}):\n${detour.output()}`);
    const pid = detour.child.pid!;
    const client = new Client(`http://127.0.0.1:${detour.port}`, { pipelining: 1 });
    const base = { "content-type": "application/json", "x-portkey-api-key": seed.apiKey };
    const cases: Record<Kind, { headers: Record<string, string>; body: string }> = {
      single: { headers: { ...base, "x-portkey-virtual-key": vkOk }, body: JSON.stringify({ model: "gpt-4o", messages }) },
      fallback: { headers: { ...base, "x-portkey-config": fallback }, body: JSON.stringify({ model: "gpt-4o", messages }) },
      stream: {
        headers: { ...base, "x-portkey-virtual-key": vkOk, te: "trailers" },
        body: JSON.stringify({ model: "gpt-4o", stream: true, messages }),
      },
      cache: { headers: { ...base, "x-portkey-config": cache }, body: JSON.stringify({ model: "gpt-4o", messages }) },
    };
    for (const kase of CASES) {
      const { headers: caseHeaders, body } = cases[kase];
      for (let i = 0; i < WARMUP; i++) await once(client, "/v1/chat/completions", caseHeaders, body);
      // This case's rows, by their trace ids.
      const trace = `own-${role}-${kase}-`;
      const headers = (i: number) => ({ ...caseHeaders, "x-portkey-trace-id": `${trace}${i}` });
      // The warm-up's log rows written first, so that this case's CPU is its own.
      await new Promise((r) => setTimeout(r, 1500));
      const [main0, all0] = cpuNs(pid);
      const [user0, sys0] = mainUserSystemMs(pid);
      let own = 0;
      const started = performance.now();
      for (let i = 0; i < N; i++) own += await once(client, "/v1/chat/completions", headers(i), body);
      const wall = performance.now() - started;
      await new Promise((r) => setTimeout(r, 1500)); // and this case's rows, counted in its CPU
      const [main1, all1] = cpuNs(pid);
      const [user1, sys1] = mainUserSystemMs(pid);
      const userMs = (user1 - user0) / N;
      const sysMs = (sys1 - sys0) / N;
      const ownMs = own / N;
      const mainMs = (main1 - main0) / 1e6 / N;
      const allMs = (all1 - all0) / 1e6 / N;
      const db = new Database(dbFile, { readonly: true });
      const logged = db
        .prepare(`SELECT count(*) AS n, avg("overheadMs") AS mean FROM "RequestLog" WHERE "traceId" LIKE ?`)
        .get(`${trace}%`) as { n: number; mean: number };
      db.close();
      if (logged.n !== N) throw new Error(`${role} ${kase}: ${logged.n} rows logged of ${N}`);
      log(
        `${role} ${kase}: own ${ownMs.toFixed(3)} ms (log ${logged.mean.toFixed(3)}), main thread ${mainMs.toFixed(3)} ms (user ${userMs.toFixed(3)}, kernel ${sysMs.toFixed(3)}), process ${allMs.toFixed(3)} ms`,
      );
      rows.push([
        role,
        kase,
        fmt(N / (wall / 1000), 0),
        fmt(ownMs, 3),
        fmt(logged.mean, 3),
        fmt(mainMs, 3),
        fmt(userMs, 3),
        fmt(sysMs, 3),
        fmt(allMs, 3),
        fmt(ownMs / mainMs, 2),
        fmt(logged.mean / mainMs, 2),
        fmt(logged.mean / userMs, 2),
        fmt(logged.mean / allMs, 2),
      ]);
    }
    await client.close();
    await detour.stop();
  }
  console.log(
    `\nc=1, ${N} requests per case after ${WARMUP} of warm-up; ms per request\n${table(
      [
        "role",
        "case",
        "req/s",
        "server-timing",
        "log overhead_ms",
        "CPU main thread",
        "of it user",
        "of it kernel",
        "CPU process",
        "timing ÷ main",
        "log ÷ main",
        "log ÷ main user",
        "log ÷ process",
      ],
      rows,
    )}`,
  );
}

runMain(main, 30 * 60_000);
