/**
 * Where the gateway-only role's bundles are, inside a build directory (`.next` or
 * DETOUR_NEXT_DIST_DIR): written by scripts/build-gateway.ts, loaded by scripts/server.ts. No imports:
 * the server reads these before anything else is loaded.
 */
export const GATEWAY_BUILD_DIR = "detour-gateway";
export const GATEWAY_ENGINE_FILE = "engine.mjs";
export const GATEWAY_SINK_WORKER_FILE = "log-sink-worker.mjs";
