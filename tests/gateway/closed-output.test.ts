/**
 * A server whose stdout and stderr readers went away (a closed pipe: every write fails with EPIPE)
 * keeps serving: the first-admin banner, the "ready" line and its log lines are lost, not the
 * process. Before the fix, the banner's write ended it during start.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServer, waitForHealthOrExit, type ServerProcess } from "../../testing/server-process";

describe("stdout and stderr closed under the server", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-closed-output-"));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    // The defect left a process spinning that SIGTERM does not end.
    if (server) await Promise.race([server.stop(), new Promise((r) => setTimeout(r, 5000))]);
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts (the first admin's banner written to nobody), answers, and logs to nobody without ending", async () => {
    // A fresh data dir and no DETOUR_ADMIN_PASSWORD: the start writes the generated password's banner.
    server = await startServer({ DETOUR_DATA_DIR: dataDir, LOG_LEVEL: "debug" });
    server.child.stdout!.destroy();
    server.child.stderr!.destroy();
    const ready = await waitForHealthOrExit(server, 30_000);
    expect(ready).toMatchObject({ health: 200 });
    const base = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < 20; i++) {
      // Refused requests, each a debug log line at least.
      const r = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(r.status).toBe(401);
    }
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});
