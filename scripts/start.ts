/**
 * `npm start`: the one command that runs Detour on a fresh machine (after `npm ci`).
 * Checks the environment, generates the Prisma clients and builds the app when they are missing or
 * stale, then serves the build with Detour's HTTP server (scripts/server.ts as built: Next.js, with
 * the /v1 inference routes answered directly; DETOUR_ROLE=gateway: inference, health and metrics
 * only, without Next.js) on PORT (default 3000). The server process itself migrates
 * the database and creates the first admin before it serves (instrumentation.ts).
 *   --dev       serve with `next dev` instead (no build)
 *   --prepare   generate and build only, do not serve
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EnvError, type Env, parseEnv } from "../lib/env";
import { buildServer } from "./build-server";
import { distDirOf, GATEWAY_ENGINE_FILE, SERVER_BUILD_DIR, SERVER_FILE, serverNodeArgs } from "./server-build-files";
import { BUILD_INPUTS, SCHEMA_INPUTS, hashFiles } from "./source-hash";

const root = path.resolve(__dirname, "..");
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const args = new Set(process.argv.slice(2));
const distDir = distDirOf();

function readStamp(file: string): string | null {
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

function step(message: string): void {
  process.stdout.write(`[detour] ${message}\n`);
}

function runOrExit(what: string, run: () => unknown): void {
  try {
    run();
  } catch {
    process.stderr.write(`\nDetour cannot start: ${what} failed (its output is above).\n`);
    process.exit(1);
  }
}

function ensureClients(): void {
  const stampFile = path.join(root, "lib/generated/.schema-hash");
  const hash = hashFiles(root, SCHEMA_INPUTS);
  if (readStamp(stampFile) === hash && existsSync(path.join(root, "lib/generated/postgresql/client.ts"))) return;
  step("generating the Prisma clients (SQLite and PostgreSQL)");
  runOrExit("generating the Prisma clients", () =>
    execFileSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/prisma-generate.ts")], {
      cwd: root,
      stdio: "inherit",
    }),
  );
  mkdirSync(path.dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${hash}\n`);
}

async function ensureBuild(): Promise<void> {
  const stampFile = path.join(root, distDir, "detour-source-hash");
  const hash = hashFiles(root, BUILD_INPUTS);
  const serverBuilt = [SERVER_FILE, GATEWAY_ENGINE_FILE].every((f) => existsSync(path.join(root, distDir, SERVER_BUILD_DIR, f)));
  if (readStamp(stampFile) === hash && existsSync(path.join(root, distDir, "BUILD_ID")) && serverBuilt) {
    step("build is up to date");
    return;
  }
  step("building the app (next build)");
  runOrExit("next build", () =>
    execFileSync(process.execPath, [nextBin, "build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    }),
  );
  // Detour's server for plain node, and the gateway-only role's engine, from the same sources.
  step("building the server and the gateway-only role (esbuild)");
  try {
    await buildServer(root, distDir);
  } catch (err) {
    process.stderr.write(`\nDetour cannot start: building the server failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  writeFileSync(stampFile, `${hash}\n`);
}

function serve(dev: boolean, port: number): void {
  // Production: Detour's HTTP server (scripts/server.ts) over the build. Dev: `next dev`, where the
  // route files answer every route.
  const args = dev ? [nextBin, "dev", "-p", String(port)] : serverNodeArgs(root, distDir);
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main(): Promise<void> {
  let env: Env;
  try {
    env = parseEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`\nDetour cannot start: ${err.message}\n\n`);
      process.exit(1);
    }
    throw err;
  }
  ensureClients();
  const dev = args.has("--dev");
  if (!dev) await ensureBuild();
  if (args.has("--prepare")) return;
  step(`serving on http://localhost:${env.PORT} (${env.database.kind === "sqlite" ? `SQLite ${env.database.file}` : "PostgreSQL"})`);
  serve(dev, env.PORT);
}

void main();
