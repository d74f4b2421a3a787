/**
 * What a process costs to keep and to start (issue 16, item 9): the floor relay, Portkey's gateway,
 * and Detour in its default role and its gateway-only role (DETOUR_ROLE=gateway), each on SQLite
 * and on PostgreSQL. For each system, in one run:
 *   - start to healthy: from spawning the process to its first answer that says ready (Detour: a 200
 *     from `/api/health`, which checks the database; Portkey and the floor: any answer on `/`), median of `--starts`
 *     cold starts on an already migrated database;
 *   - idle RSS: the process (and any children) `--idle` seconds after it became healthy, no traffic;
 *   - a burst of load (single target, c=32, `--load` seconds): req/s and server CPU per request;
 *   - RSS `--idle` seconds after that load.
 * 20 s by default: an idle Detour gives memory back ~8 s after its start and 10-15 s after load ends
 * (lib/settle-heap.ts), and "idle" here means the state it settles in, not those first seconds.
 * The floor is bundled by esbuild and run by plain `node` (no tsx loader in its memory); Detour runs
 * as the README says to run the server itself (`node .next/detour-server/server.cjs`, the build of scripts/server.ts).
 *
 *   npx tsx bench/footprint.ts [--starts 3] [--idle 20] [--load 5] [--db sqlite,postgresql]
 *
 * Needs `npm run build` and `npm --prefix bench ci`; PostgreSQL at DETOUR_BENCH_PG_URL for the
 * PostgreSQL rows.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadAutocannon, measure } from "./lib/autocannon";
import { createPgDatabase, seedDetour, sqliteDetourEnv, startMock } from "./lib/detour";
import { log, onCleanup, root, runMain, sleep, stopChild, treeRssMiB } from "./lib/procs";
import { fmt, table } from "./lib/stats";
import { detourSystem, floorSystem, portkeySystem, type Running, type System, startSystem } from "./lib/systems";

const { values: opts } = parseArgs({
  options: {
    starts: { type: "string", default: "3" },
    idle: { type: "string", default: "20" },
    load: { type: "string", default: "5" },
    db: { type: "string", default: "sqlite,postgresql" },
  },
});
const STARTS = Number(opts.starts);
const IDLE_S = Number(opts.idle);
const LOAD_S = Number(opts.load);
const DBS = opts.db.split(",").filter(Boolean) as ("sqlite" | "postgresql")[];
if (!(STARTS >= 1 && IDLE_S >= 0 && LOAD_S >= 1)) throw new Error("--starts, --idle and --load must be positive numbers");
for (const d of DBS) if (d !== "sqlite" && d !== "postgresql") throw new Error(`--db: unknown database ${d}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  process.chdir(root);
  const autocannon = loadAutocannon();
  const mock = await startMock();
  const KEY = "sk-bench-footprint-0001";
  const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
  const systems: System[] = [];

  const tmp = mkdtempSync(path.join(os.tmpdir(), "detour-footprint-"));
  onCleanup("remove the temp dir", () => rmSync(tmp, { recursive: true, force: true }));
  systems.push(await floorSystem(tmp, mock.url), portkeySystem(mock.url));
  // Detour, both roles, on each database (migrated and seeded once here; the roles take turns on it).
  const keyHex = randomBytes(32).toString("hex");
  for (const db of DBS) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-footprint-data-"));
    onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
    const dbFile = path.join(dataDir, "detour.db");
    const databaseUrl = db === "sqlite" ? `file:${dbFile}` : await createPgDatabase("detour_footprint");
    const seed = await seedDetour(databaseUrl, dataDir, keyHex, mock.url);
    const vk = await seed.openaiKey("footprint", KEY);
    await seed.close();
    const env = { ...sqliteDetourEnv(dataDir, dbFile, keyHex), DATABASE_URL: databaseUrl };
    for (const role of ["all", "gateway"] as const) {
      const name = `Detour, DETOUR_ROLE=${role}, ${db === "sqlite" ? "SQLite" : "PostgreSQL"}`;
      systems.push(detourSystem({ name, role, env, apiKey: seed.apiKey, virtualKeyOf: () => vk }));
    }
  }

  const rows: string[][] = [];
  for (const s of systems) {
    const times: number[] = [];
    let running: Running | null = null;
    for (let i = 0; i < STARTS; i += 1) {
      const r = await startSystem(s);
      times.push(r.ms);
      if (i < STARTS - 1) await stopChild(r.child);
      else running = r;
    }
    const r = running!;
    const pid = r.child.pid;
    await sleep(IDLE_S * 1000);
    const idleRss = treeRssMiB(pid);
    const target = { url: `http://127.0.0.1:${r.port}/v1/chat/completions`, headers: s.headers(KEY), body, pid };
    const check = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
    if (check.status !== 200) throw new Error(`${s.name}: ${check.status} ${(await check.text()).slice(0, 300)}`);
    const loaded = await measure({
      autocannon,
      name: s.name,
      group: "single",
      system: s.name.startsWith("Detour") ? "detour" : s.name.startsWith("Portkey") ? "portkey" : "floor",
      target,
      c: 32,
      warmupS: 1,
      durationS: LOAD_S,
      pauseMs: 300,
      mockPid: mock.pid,
    });
    const loadedRss = treeRssMiB(pid);
    await sleep(IDLE_S * 1000);
    const afterRss = treeRssMiB(pid);
    log(
      `${s.name}: healthy after ${times.map((t) => Math.round(t)).join(", ")} ms; RSS idle ${fmt(idleRss, 0)} MiB, after load ${fmt(afterRss, 0)} MiB`,
    );
    rows.push([
      s.name,
      fmt(median(times), 0),
      fmt(idleRss, 0),
      fmt(loaded.rps, 0),
      fmt(loaded.serverCpuMsPerReq, 3),
      fmt(loadedRss, 0),
      fmt(afterRss, 0),
    ]);
    await stopChild(r.child);
  }
  console.log(
    `\nstart to healthy: median of ${STARTS} cold starts; RSS of the process (and children) ${IDLE_S} s after healthy, at the end of ` +
      `${LOAD_S} s of c=32 single-target load, and ${IDLE_S} s after it\n` +
      table(
        ["system", "start -> healthy ms", "idle RSS MiB", "req/s c=32", "CPU ms/req", "RSS under load MiB", "RSS idle after MiB"],
        rows,
      ),
  );
}

runMain(main, 30 * 60_000);
