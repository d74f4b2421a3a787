/**
 * Where Detour's CPU goes: summarises a V8 CPU profile written by `npx tsx bench/run.ts --cpu-prof DIR`
 * (Detour runs with --cpu-prof and writes DIR/*.cpuprofile when it stops).
 *
 *   npx tsx bench/profile-summary.ts DIR/CPU.*.cpuprofile [--top 30] [--from S] [--to S]
 *
 * --from/--to keep only the samples taken between S seconds after the profile started (e.g. past
 * the start-up's module loading). A frame in a minified bundle is named with its column too, and
 * the top lists show the first characters of its source there.
 *
 * Prints self time grouped by area (Next.js, React, Prisma, better-sqlite3, undici, Detour's lib/,
 * Node internals, GC, idle) and the top functions by self time and by total (inclusive) time.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, from: { type: "string" }, to: { type: "string" } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write("usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]\n");
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

// Self time per node: each sample's delta goes to the node sampled (within --from/--to).
const fromUs = values.from === undefined ? -Infinity : Number(values.from) * 1e6;
const toUs = values.to === undefined ? Infinity : Number(values.to) * 1e6;
const selfUs = new Map<number, number>();
let atUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  atUs += profile.timeDeltas[i] ?? 0;
  if (atUs < fromUs || atUs > toUs) continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function area(cf: CallFrame): string {
  const u = cf.url;
  if (cf.functionName === "(garbage collector)") return "GC";
  if (cf.functionName === "(idle)") return "idle";
  if (cf.functionName === "(program)") return "(program: native, not attributed)";
  if (cf.functionName === "(root)") return "(root)";
  if (u.includes("/lib/generated/") || u.includes("@prisma/client") || u.includes("/@prisma/"))
    return "Prisma (client, query compiler, adapter)";
  if (u.includes("better-sqlite3")) return "better-sqlite3";
  if (u.includes("/undici/")) return "undici (npm)";
  if (u.startsWith("node:internal/deps/undici")) return "Node's fetch/Request/Response (undici inside Node)";
  if (u.includes("/next/dist/compiled/react") || u.includes("/react-dom/") || u.includes("/react/")) return "React";
  if (u.includes("/next/")) return "Next.js";
  if (u.includes("pino") || u.includes("sonic-boom") || u.includes("thread-stream")) return "pino";
  if (u.includes("/zod/")) return "zod";
  if (u.includes("/.next/") || u.includes("/.next-"))
    return "app bundle (Detour's lib/ and the npm undici bundled into it, Next runtime chunks)";
  if (u.startsWith("node:")) return "Node internals (http, streams, net)";
  if (u === "") return "(native / builtins)";
  return (
    "other: " +
    u
      .replace(/^.*node_modules\//, "")
      .split("/")
      .slice(0, 2)
      .join("/")
  );
}

const areas = new Map<string, number>();
const fnSelf = new Map<string, number>();
const bundled = (cf: CallFrame) => /\/\.next[^/]*\//.test(cf.url);
const fnName = (cf: CallFrame) =>
  `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*?(node_modules\/|\.next[^/]*\/)/, "$1")}:${cf.lineNumber + 1}` +
  (bundled(cf) ? `:${cf.columnNumber + 1}` : "");
// The source at a bundled frame (minified: the name alone rarely says what it is).
const sources = new Map<string, string[] | null>();
const sourceAt = (cf: CallFrame): string => {
  if (!bundled(cf)) return "";
  const file = cf.url.replace(/^file:\/\//, "");
  if (!sources.has(file)) {
    try {
      sources.set(file, readFileSync(file, "utf8").split("\n"));
    } catch {
      sources.set(file, null);
    }
  }
  const line = sources.get(file)?.[cf.lineNumber];
  return line ? `  « ${line.slice(cf.columnNumber, cf.columnNumber + 70).replace(/\s+/g, " ")} »` : "";
};
const frameOf = new Map<string, CallFrame>();
for (const [id, us] of selfUs) {
  const cf = byId.get(id)!.callFrame;
  const a = area(cf);
  areas.set(a, (areas.get(a) ?? 0) + us);
  const k = fnName(cf);
  frameOf.set(k, cf);
  fnSelf.set(k, (fnSelf.get(k) ?? 0) + us);
}

// Inclusive time per area: a sample counts for every area that has a frame on its stack
// (e.g. "Prisma" then covers all time spent below Prisma's client, wasm query compiler included).
const areaIncl = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(area(byId.get(cur)!.callFrame));
  for (const a of seen) areaIncl.set(a, (areaIncl.get(a) ?? 0) + us);
}

// Inclusive time per function (a function counted once per sample even if recursive).
const fnTotal = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = fnName(byId.get(cur)!.callFrame);
    frameOf.set(k, byId.get(cur)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    fnTotal.set(k, (fnTotal.get(k) ?? 0) + us);
  }
}

const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const busy = totalUs - (areas.get("idle") ?? 0);
process.stdout.write(`profile ${file}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy\n\nself time by area:\n`);
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) process.stdout.write(`${ms(us)} ms ${pct(us)}  ${a}\n`);
process.stdout.write(`\ntime with a frame of the area on the stack (areas overlap), share of busy time:\n`);
for (const [a, us] of [...areaIncl].filter(([a]) => a !== "idle" && !a.startsWith("(")).sort((x, y) => y[1] - x[1]))
  process.stdout.write(`${ms(us)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${a}\n`);
process.stdout.write(`\ntop ${top} functions by self time:\n`);
for (const [k, us] of [...fnSelf].sort((x, y) => y[1] - x[1]).slice(0, top))
  process.stdout.write(`${ms(us)} ms ${pct(us)}  ${k}${sourceAt(frameOf.get(k)!)}\n`);
process.stdout.write(`\ntop ${top} functions by total time (self + callees):\n`);
for (const [k, us] of [...fnTotal].sort((x, y) => y[1] - x[1]).slice(0, top))
  process.stdout.write(`${ms(us)} ms ${pct(us)}  ${k}${sourceAt(frameOf.get(k)!)}\n`);
