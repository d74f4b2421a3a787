/**
 * Process plumbing shared by the benchmarks (bench/run.ts, bench/soak.ts): child processes that are
 * always stopped (at the end, on failure, on Ctrl-C, on the hard timeout), clean-up steps run after
 * them (temp dirs, a temp database), /proc readings (CPU, RSS) and facts about the build measured.
 * Loopback only; nothing here talks to anything but 127.0.0.1.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { freePort, serverArgs, startServer, type ServerProcess } from "../../testing/server-process";
import { BUILD_INPUTS, hashFiles } from "../../scripts/source-hash";

export const root = path.resolve(__dirname, "../..");
export const benchDir = path.resolve(__dirname, "..");

let tag = "bench";
/** The prefix of progress lines on stderr (`[bench]`, `[soak]`). */
export function setLogTag(t: string): void {
  tag = t;
}
export function log(line: string): void {
  process.stderr.write(`[${tag}] ${line}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- child processes ----------

export type Proc = { name: string; child: ChildProcess; output: () => string };
const procs: Proc[] = [];
const cleanups: { what: string; fn: () => Promise<unknown> | unknown }[] = [];

/** A node process (`process.execPath args...`) started from the repo root, its output kept (last ~100 KB). */
export function spawnProc(name: string, args: string[], env: Record<string, string>): Proc {
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

/** Stops `server` with everything else at clean-up (testing/server-process.ts's startServer does not track it). */
export function track(name: string, server: ServerProcess): ServerProcess {
  procs.push({ name, child: server.child, output: server.output });
  return server;
}

/** Runs after every process has stopped, last registered first (e.g. drop the temp database, remove temp dirs). */
export function onCleanup(what: string, fn: () => Promise<unknown> | unknown): void {
  cleanups.push({ what, fn });
}

export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => alive(child) && child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

let cleaning: Promise<void> | null = null;
/** Stops every process started here (SIGTERM, SIGKILL after 10 s), then runs the clean-up steps. Idempotent. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(procs.map((p) => stopChild(p.child)));
    for (const { what, fn } of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`clean-up step "${what}" failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs `main` with every exit path covered: SIGINT/SIGTERM and the hard timeout stop everything
 * and exit (130 / 124); a failure is logged (with `onFailure`'s extra output) and sets exit code 1;
 * a process that dies without clean-up still SIGKILLs its children.
 */
export function runMain(main: () => Promise<void>, hardTimeoutMs: number, onFailure: () => string = () => ""): void {
  process.on("exit", () => {
    for (const p of procs) if (alive(p.child)) p.child.kill("SIGKILL");
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping everything`);
      void cleanup().then(() => process.exit(130));
    });
  }
  const hardTimeout = setTimeout(() => {
    log(`hard timeout (${Math.round(hardTimeoutMs / 1000)} s): stopping everything`);
    void cleanup().then(() => process.exit(124));
  }, hardTimeoutMs);
  hardTimeout.unref();
  main()
    .catch((err: unknown) => {
      log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      const extra = onFailure();
      if (extra) log(extra);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanup();
      log("all processes stopped");
    });
}

/** Output of every started process that has exited (for a failure report). */
export function exitedOutputs(): string {
  return procs
    .filter((p) => !alive(p.child))
    .map((p) => `${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.output().slice(-5_000)}`)
    .join("\n");
}

export async function waitForHttp(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
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
 * Detour as its own process, stopped at clean-up: testing/server-process.ts's startServer (`node
 * scripts/server.ts`, one PID), or, with node flags (--cpu-prof is refused in NODE_OPTIONS), the same command
 * spawned here. The build served is .next/ or DETOUR_NEXT_DIST_DIR.
 */
export async function startDetour(name: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  if (nodeArgs.length === 0) return track(name, await startServer(env));
  const port = await freePort();
  const p = spawnProc(name, [...nodeArgs, ...serverArgs(env.DETOUR_NEXT_DIST_DIR)], {
    NEXT_TELEMETRY_DISABLED: "1",
    ...(process.env.DETOUR_NEXT_DIST_DIR ? { DETOUR_NEXT_DIST_DIR: process.env.DETOUR_NEXT_DIST_DIR } : {}),
    ...env,
    PORT: String(port),
  });
  return { child: p.child, port, output: p.output, stop: () => stopChild(p.child) };
}

// ---------- /proc ----------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** pid -> its descendants, itself included (Linux /proc). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(raw.slice(raw.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    for (const [child, ppid] of parents) if (ppid === p) todo.push(child);
  }
  return out;
}

/** utime + stime in clock ticks from a `stat` file of /proc (a process's or a thread's); 0 when it is gone. */
function statTicks(file: string): number {
  try {
    const raw = readFileSync(file, "utf8");
    const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // ended meanwhile
  }
}

/** utime + stime of a process and all its descendants, in ms. */
export function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let ticks = 0;
  for (const p of processTree(pid)) ticks += statTicks(`/proc/${p}/stat`);
  return (ticks * 1000) / CLK_TCK;
}

/** CPU ms (user + system) of a process's main thread alone (its other threads not counted); 0 when it is gone. */
export function mainThreadCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  return (statTicks(`/proc/${pid}/task/${pid}/stat`) * 1000) / CLK_TCK;
}

/** VmRSS of a process and all its descendants, in MiB (from /proc/<pid>/status); NaN when it is gone. */
export function treeRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  let kb = 0;
  let seen = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) {
        kb += Number(m[1]);
        seen += 1;
      }
    } catch {
      // ended meanwhile
    }
  }
  return seen ? kb / 1024 : NaN;
}

// ---------- the build measured ----------

export type BuildInfo = { distDir: string; current: boolean; gitHead: string };

/** Which build `next start` will serve (.next/ or DETOUR_NEXT_DIST_DIR), whether it matches the sources, and HEAD. Throws without a build. */
export function buildInfo(): BuildInfo {
  const distDir = process.env.DETOUR_NEXT_DIST_DIR || ".next";
  if (!existsSync(path.join(root, distDir, "BUILD_ID"))) throw new Error(`no production build in ${distDir}/: run \`npm run build\` first`);
  const stampFile = path.join(root, distDir, "detour-source-hash");
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : null;
  const current = stamp === hashFiles(root, BUILD_INPUTS);
  if (!current) log(`WARNING: ${distDir}/ is older than the sources (npm run build would rebuild): measuring the build as it is`);
  let gitHead = "unknown";
  try {
    gitHead = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
    // bench/ itself is not part of the build
    if (execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"], { cwd: root }).toString().trim())
      gitHead += " + uncommitted changes";
  } catch {
    // not a git checkout
  }
  return { distDir, current, gitHead };
}
