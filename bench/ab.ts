/**
 * A/B of Detour builds on the hot path, in one run: each build (a Next.js dist dir, e.g. `.next` and
 * a copy built from another commit) serves its own fresh SQLite database from its own process; the
 * floor relay (bench/floor-relay.ts) runs beside them. Rounds interleave the systems so that the
 * machine's drift hits all of them alike; the summary gives each system's median req/s and server
 * CPU per request, and each build's ratio to the floor and to the first build.
 *
 *   npx tsx bench/ab.ts [--builds .next,.next-b] [--roles all,gateway] [--node-flags ';--max-semi-space-size=2']
 *                       [--rounds 3] [--duration 3] [--warmup 1]
 *                       [--c 1,32] [--cases single,fallback,stream,cache] [--cpu-prof DIR]
 *
 * `--roles`: each build is served in each DETOUR_ROLE listed (default: `all`), one process each.
 * `--node-flags`: `;`-separated sets of node flags (an empty set: none); each build and role is served
 * once with each set, e.g. to weigh a V8 setting's memory against its throughput in one run.
 *
 * `cache`: a saved config with the response cache on, every request the same (all hits after the
 * first), beside the floor's single target (issue: a hit's req/s >= the floor's single-target req/s).
 *
 * --cpu-prof profiles the first build's process (V8 profile written on exit; read it with
 * bench/profile-summary.ts). Needs `npm run build` (and the other builds) and `npm --prefix bench ci`.
 * The schema is this checkout's: builds from commits with other migrations are not comparable.
 */
import path from "node:path";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { type CaseResult, loadAutocannon, measure as measureCase, type Target } from "./lib/autocannon";
import { seedHotPath, sqliteDetourEnv, startMock } from "./lib/detour";
import { log, root, runMain, spawnProc, startDetour, waitForHttp } from "./lib/procs";
import { fmt, table } from "./lib/stats";
import { freePort, waitForHealthOrExit } from "../testing/server-process";

const { values: opts } = parseArgs({
  options: {
    builds: { type: "string", default: ".next" },
    roles: { type: "string", default: "all" },
    "node-flags": { type: "string", default: "" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    c: { type: "string", default: "1,32" },
    cases: { type: "string", default: "single,fallback,stream" },
    "cpu-prof": { type: "string" },
  },
});
const builds = opts.builds.split(",").filter(Boolean);
const roles = opts.roles.split(",").filter(Boolean);
for (const r of roles) if (r !== "all" && r !== "gateway") throw new Error(`--roles: unknown role ${r} (all, gateway)`);
/** Each build in each role. */
const flagSets = opts["node-flags"].split(";").map((set) => set.split(" ").filter(Boolean));
const servers = builds.flatMap((distDir) =>
  roles.flatMap((role) =>
    flagSets.map((flags) => ({
      distDir,
      role,
      flags,
      name: ["Detour", distDir, roles.length > 1 ? role : "", flagSets.length > 1 ? flags.join(" ") || "(no flags)" : ""]
        .filter(Boolean)
        .join(" "),
    })),
  ),
);
const ROUNDS = Number(opts.rounds);
const CONCURRENCY = opts.c.split(",").map(Number);
const KINDS = ["single", "fallback", "stream", "cache"] as const;
const CASES = opts.cases.split(",") as (typeof KINDS)[number][];
for (const k of CASES) if (!(KINDS as readonly string[]).includes(k)) throw new Error(`--cases: unknown case ${k}`);
if (!(ROUNDS >= 1) || CONCURRENCY.some((c) => !(c >= 1))) throw new Error("--rounds and --c must be positive numbers");

async function main(): Promise<void> {
  process.chdir(root);
  const autocannon = loadAutocannon();
  const mock = await startMock();
  const KEY_OK = "sk-bench-ok-0001";
  const KEY_FAIL = "sk-bench-fail-0002";
  await mock.script({ match: { key: KEY_FAIL }, fault: { kind: "status", status: 503 } });
  const keyHex = randomBytes(32).toString("hex");
  const json = { "content-type": "application/json" };
  const messages = [{ role: "user", content: "What are the 7 wonders of the world?" }];
  const bodies = {
    single: JSON.stringify({ model: "gpt-4o", messages }),
    fallback: JSON.stringify({ model: "gpt-4o", messages }),
    stream: JSON.stringify({ model: "gpt-4o", stream: true, messages }),
    cache: JSON.stringify({ model: "gpt-4o", messages }),
  };

  // one Detour per build
  type System = { name: string; pid: number | undefined; targets: Record<(typeof CASES)[number], Target> };
  const systems: System[] = [];
  for (const [i, { distDir, role, flags, name }] of servers.entries()) {
    const hot = await seedHotPath("detour-ab-", keyHex, mock.url, { ok: KEY_OK, fail: KEY_FAIL });
    const { dataDir, dbFile, seed, vkOk, fallback: fallbackSlug, cache: cacheSlug } = hot;
    await seed.close();
    const profDir = i === 0 && opts["cpu-prof"] ? path.resolve(opts["cpu-prof"]) : null;
    const env = { ...sqliteDetourEnv(dataDir, dbFile, keyHex), DETOUR_NEXT_DIST_DIR: distDir, DETOUR_ROLE: role };
    // startDetour spawns with node flags only; an empty flag list goes through startServer.
    const detour = await startDetour(name, env, [...flags, ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [])]);
    const ready = await waitForHealthOrExit(detour);
    if (ready.health !== 200) throw new Error(`${name} did not start (${JSON.stringify(ready)}):\n${detour.output()}`);
    const url = `http://127.0.0.1:${detour.port}/v1/chat/completions`;
    const auth = { ...json, "x-portkey-api-key": seed.apiKey };
    systems.push({
      name,
      pid: detour.child.pid,
      targets: {
        single: { url, headers: { ...auth, "x-portkey-virtual-key": vkOk }, body: bodies.single, pid: detour.child.pid },
        fallback: { url, headers: { ...auth, "x-portkey-config": fallbackSlug }, body: bodies.fallback, pid: detour.child.pid },
        stream: { url, headers: { ...auth, "x-portkey-virtual-key": vkOk }, body: bodies.stream, pid: detour.child.pid },
        cache: { url, headers: { ...auth, "x-portkey-config": cacheSlug }, body: bodies.cache, pid: detour.child.pid },
      },
    });
    log(`${name} on port ${detour.port} (pid ${detour.child.pid})${profDir ? `, CPU profile to ${profDir}` : ""}`);
  }

  // the floor
  const floorPort = await freePort();
  const floor = spawnProc("floor relay", ["--import", "tsx", "bench/floor-relay.ts", "--port", String(floorPort)], {
    NODE_ENV: "production",
  });
  await waitForHttp(`http://127.0.0.1:${floorPort}/`, floor);
  const floorUrl = `http://127.0.0.1:${floorPort}/v1/chat/completions`;
  const floorConfig = (targets: string[]) =>
    JSON.stringify(
      targets.length === 1
        ? { provider: "openai", api_key: targets[0], custom_host: `${mock.url}/v1` }
        : {
            strategy: { mode: "fallback" },
            targets: targets.map((k) => ({ provider: "openai", api_key: k, custom_host: `${mock.url}/v1` })),
          },
    );
  systems.unshift({
    name: "floor",
    pid: floor.child.pid,
    targets: {
      single: { url: floorUrl, headers: { ...json, "x-portkey-config": floorConfig([KEY_OK]) }, body: bodies.single, pid: floor.child.pid },
      fallback: {
        url: floorUrl,
        headers: { ...json, "x-portkey-config": floorConfig([KEY_FAIL, KEY_OK]) },
        body: bodies.fallback,
        pid: floor.child.pid,
      },
      stream: { url: floorUrl, headers: { ...json, "x-portkey-config": floorConfig([KEY_OK]) }, body: bodies.stream, pid: floor.child.pid },
      // The floor has no cache: its single target is what a hit is held against.
      cache: { url: floorUrl, headers: { ...json, "x-portkey-config": floorConfig([KEY_OK]) }, body: bodies.single, pid: floor.child.pid },
    },
  });

  // sanity: every target answers 200
  for (const s of systems)
    for (const k of CASES) {
      const t = s.targets[k];
      const res = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${s.name} ${k}: ${res.status} ${text.slice(0, 300)}`);
    }

  const results: (CaseResult & { system_: string; kase: string })[] = [];
  for (let round = 1; round <= ROUNDS; round += 1)
    // alternate the order each round: the first system of a case is not always the same
    for (const c of CONCURRENCY)
      for (const kase of CASES)
        for (const s of round % 2 ? systems : [...systems].reverse()) {
          const r = await measureCase({
            autocannon,
            name: `${s.name} ${kase}`,
            group: kase === "cache" ? "single" : kase,
            system: s.name === "floor" ? "floor" : "detour",
            target: s.targets[kase],
            c,
            warmupS: Number(opts.warmup),
            durationS: Number(opts.duration),
            pauseMs: 300,
            mockPid: mock.pid,
            label: `r${round} `,
          });
          results.push({ ...r, system_: s.name, kase });
        }

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const rows: string[][] = [];
  for (const c of CONCURRENCY)
    for (const kase of CASES) {
      const of = (name: string) => results.filter((r) => r.system_ === name && r.kase === kase && r.c === c);
      const floorRps = median(of("floor").map((r) => r.rps));
      const floorP50 = median(of("floor").map((r) => r.p50));
      const firstRps = median(of(systems[1]!.name).map((r) => r.rps));
      for (const s of systems) {
        const rs = of(s.name);
        const rps = median(rs.map((r) => r.rps));
        rows.push([
          `c=${c}`,
          kase,
          s.name,
          fmt(rps, 0),
          fmt(median(rs.map((r) => r.serverCpuMsPerReq)), 3),
          fmt(median(rs.map((r) => r.p50)), 2),
          fmt(median(rs.map((r) => r.p99)), 2),
          s.name === "floor" ? "" : fmt(rps / floorRps, 3),
          s.name === "floor" ? "" : `${fmt(median(rs.map((r) => r.p50)) - floorP50, 2)}`,
          s.name === "floor" || s === systems[1] ? "" : fmt(rps / firstRps, 3),
        ]);
      }
    }
  console.log(
    `\nmedians of ${ROUNDS} round(s), ${opts.duration} s each\n${table(["c", "case", "system", "req/s", "CPU ms/req", "p50 ms", "p99 ms", "÷ floor", "p50 − floor's", `÷ ${systems[1]!.name}`], rows)}`,
  );
}

runMain(main, 60 * 60_000);
