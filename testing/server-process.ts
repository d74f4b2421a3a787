/** Starts the built app as its own process (one PID: node running scripts/server.ts), for tests and benchmarks. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { serverNodeArgs } from "../scripts/server-build-files";

export type ServerProcess = { child: ChildProcess; port: number; output: () => string; stop: () => Promise<void> };

/**
 * `node` arguments that serve the production build: Detour's HTTP server as `npm run build` bundles
 * it (scripts/server.ts -> <build>/detour-server/server.cjs), from the build `distDir` (default:
 * DETOUR_NEXT_DIST_DIR, else .next); PORT sets the port.
 */
export function serverArgs(distDir?: string): string[] {
  return serverNodeArgs(process.cwd(), distDir);
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, "close");
  return port;
}

export async function startServer(env: Record<string, string>, fixedPort?: number): Promise<ServerProcess> {
  const port = fixedPort ?? (await freePort());
  let output = "";
  // The server of the build the process is told to serve.
  const child = spawn(process.execPath, serverArgs(env.DETOUR_NEXT_DIST_DIR), {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      ...(process.env.DETOUR_NEXT_DIST_DIR ? { DETOUR_NEXT_DIST_DIR: process.env.DETOUR_NEXT_DIST_DIR } : {}),
      // A suite run against the gateway-only role (scripts/test-all.sh): every server it starts takes it.
      ...(process.env.DETOUR_TEST_ROLE ? { DETOUR_ROLE: process.env.DETOUR_TEST_ROLE } : {}),
      PORT: String(port),
      ...env,
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  return {
    child,
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Resolves with the health status once the server answers 200 (its last answer at the deadline), or with the exit code if it exits first. */
export async function waitForHealthOrExit(
  server: ServerProcess,
  timeoutMs = 60_000,
): Promise<{ health?: number; body?: unknown; exitCode?: number | null }> {
  const exited = once(server.child, "exit").then(([code]) => ({ exitCode: code as number | null }));
  const deadline = Date.now() + timeoutMs;
  const healthy = (async () => {
    let last: { health: number; body: unknown } | null = null;
    while (Date.now() < deadline) {
      if (server.child.exitCode !== null) return null;
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/api/health`);
        last = { health: res.status, body: await res.json() };
        // A 503 while starting (its database check is bounded by 2 s, which a loaded machine can
        // pass, e.g. while PostgreSQL creates the day partitions) is asked again until the deadline.
        if (last.health === 200) return last;
      } catch {
        // polling a port that is not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (last) return last;
    throw new Error(`server did not answer within ${timeoutMs} ms:\n${server.output()}`);
  })();
  const first = await Promise.race([exited, healthy]);
  return first ?? (await exited);
}
