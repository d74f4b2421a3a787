/**
 * The systems the footprint benches start one at a time: the floor relay (bundled, plain `node`),
 * Portkey's gateway, and Detour's server in either role. Each is spawned from the repository root
 * with a minimal environment; `startSystem` polls its health route every 10 ms and reports the time
 * from spawn to the first answer that says ready.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { benchDir, onCleanup, root, sleep, stopChild } from "./procs";
import { freePort, serverArgs } from "../../testing/server-process";

export type System = {
  name: string;
  args: (port: number) => string[];
  env: Record<string, string>;
  healthPath: string;
  /** Whether its health route's status means ready (the floor and Portkey: any answer). */
  ready: (status: number) => boolean;
  /** Request headers that reach the upstream with this provider key (the mock scripts by key). */
  headers: (key: string) => Record<string, string>;
};

export type Running = { child: ChildProcess; port: number; ms: number; output: () => string };

/** Spawns the system (with `extraEnv` on top of its own) and waits until its health route says ready. */
export async function startSystem(s: System, extraEnv: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  let output = "";
  const t0 = performance.now();
  const child = spawn(process.execPath, s.args(port), {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
      ...s.env,
      ...extraEnv,
      PORT: String(port),
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  onCleanup(`stop ${s.name}`, () => stopChild(child));
  const deadline = t0 + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${s.name} exited before it was healthy:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${s.healthPath}`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (s.ready(res.status)) return { child, port, ms: performance.now() - t0, output: () => output };
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${s.name} was not healthy within 60 s:\n${output}`);
    await sleep(10);
  }
}

const JSON_TYPE = { "content-type": "application/json" };

/** The floor relay bundled with undici into `dir`, so plain `node` runs it (no tsx loader in its memory). */
export async function floorSystem(dir: string, mockUrl: string): Promise<System> {
  const file = path.join(dir, "floor-relay.cjs");
  await build({
    entryPoints: [path.join(benchDir, "floor-relay.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: file,
    logLevel: "warning",
  });
  return {
    name: "floor (bare Node.js relay)",
    args: (port) => [file, "--port", String(port)],
    env: { NODE_ENV: "production" },
    healthPath: "/",
    ready: () => true,
    headers: (key) => ({
      ...JSON_TYPE,
      "x-portkey-config": JSON.stringify({ provider: "openai", api_key: key, custom_host: `${mockUrl}/v1` }),
    }),
  };
}

/** Portkey's gateway as `npm --prefix bench ci` installed it. */
export function portkeySystem(mockUrl: string): System {
  const bin = path.join(benchDir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (!existsSync(bin)) throw new Error("@portkey-ai/gateway is not installed: run `npm --prefix bench ci` first");
  return {
    name: "Portkey gateway",
    args: (port) => [bin, `--port=${port}`, "--headless"],
    env: { NODE_ENV: "production" },
    healthPath: "/",
    ready: () => true,
    headers: (key) => ({
      ...JSON_TYPE,
      "x-portkey-provider": "openai",
      authorization: `Bearer ${key}`,
      "x-portkey-custom-host": `${mockUrl}/v1`,
    }),
  };
}

/**
 * Detour's server (the build's `detour-server/server.cjs`, as the README runs it) in `role`, with
 * `env` (database, data dir, encryption key); `virtualKeyOf` maps a provider key to the slug of the
 * virtual key seeded for it.
 */
export function detourSystem(options: {
  name: string;
  role: "all" | "gateway";
  env: Record<string, string>;
  apiKey: string;
  virtualKeyOf: (key: string) => string;
}): System {
  return {
    name: options.name,
    args: () => serverArgs(),
    env: {
      ...options.env,
      DETOUR_ROLE: options.role,
      ...(process.env.DETOUR_NEXT_DIST_DIR ? { DETOUR_NEXT_DIST_DIR: process.env.DETOUR_NEXT_DIST_DIR } : {}),
    },
    healthPath: "/api/health",
    ready: (status) => status === 200,
    headers: (key) => ({ ...JSON_TYPE, "x-portkey-api-key": options.apiKey, "x-portkey-virtual-key": options.virtualKeyOf(key) }),
  };
}
