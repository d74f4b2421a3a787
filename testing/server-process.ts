/** Starts the built app as its own process (one PID: node running scripts/server.ts), for tests and benchmarks. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net from "node:net";

export type ServerProcess = { child: ChildProcess; port: number; output: () => string; stop: () => Promise<void> };

/** `node` arguments that serve the production build: Detour's HTTP server (scripts/server.ts); PORT sets the port. */
export const SERVER_NODE_ARGS = ["--require", "tsx/cjs", "scripts/server.ts"];

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
  const child = spawn(process.execPath, SERVER_NODE_ARGS, {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      ...(process.env.DETOUR_NEXT_DIST_DIR ? { DETOUR_NEXT_DIST_DIR: process.env.DETOUR_NEXT_DIST_DIR } : {}),
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

/** Resolves with the health status once the server answers, or with the exit code if it exits first. */
export async function waitForHealthOrExit(
  server: ServerProcess,
  timeoutMs = 60_000,
): Promise<{ health?: number; body?: unknown; exitCode?: number | null }> {
  const exited = once(server.child, "exit").then(([code]) => ({ exitCode: code as number | null }));
  const deadline = Date.now() + timeoutMs;
  const healthy = (async () => {
    while (Date.now() < deadline) {
      if (server.child.exitCode !== null) return null;
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/api/health`);
        return { health: res.status, body: await res.json() };
      } catch {
        await new Promise((r) => setTimeout(r, 200)); // polling a port that is not listening yet
      }
    }
    throw new Error(`server did not answer within ${timeoutMs} ms:\n${server.output()}`);
  })();
  const first = await Promise.race([exited, healthy]);
  return first ?? (await exited);
}
