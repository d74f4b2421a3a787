/**
 * Runs once when a Detour server process starts, before it serves requests: the start sequence
 * (lib/server-start.ts, which also writes down the shutdown order). Any failure prints why and
 * exits, so a misconfigured Detour never half-runs.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServerProcess } = await import("./lib/server-start");
  await startServerProcess();
}
