/**
 * Where Detour's server build is, inside a build directory (`.next` or DETOUR_NEXT_DIST_DIR):
 * written by scripts/build-server.ts after `next build`. Node's own modules only: the server reads
 * these before anything else is loaded.
 *   server.cjs           Detour's HTTP server (scripts/server.ts), run by plain `node`
 *   engine.mjs           the gateway-only role's engine (lib/gateway-role.ts), loaded by the server
 *   log-sink-worker.mjs  the gateway-only role's log sink thread
 *   chunks/              what those load lazily (OpenTelemetry's SDK)
 */
import path from "node:path";

export const SERVER_BUILD_DIR = "detour-server";
export const SERVER_FILE = "server.cjs";
export const GATEWAY_ENGINE_FILE = "engine.mjs";
export const GATEWAY_SINK_WORKER_FILE = "log-sink-worker.mjs";

/** The build directory in use: DETOUR_NEXT_DIST_DIR (read by next.config.ts too), else `.next`. */
export function distDirOf(env: NodeJS.ProcessEnv = process.env): string {
  return env.DETOUR_NEXT_DIST_DIR || ".next";
}

/** `node`'s arguments that run Detour's server from the build in `distDir` under `root`. */
export function serverNodeArgs(root: string, distDir = distDirOf()): string[] {
  return [path.resolve(root, distDir, SERVER_BUILD_DIR, SERVER_FILE)];
}
