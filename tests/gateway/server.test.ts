/**
 * Detour's HTTP server (scripts/server.ts): the inference routes answered by the gateway's handlers
 * directly, everything else by Next.js, a graceful stop that lets in-flight requests finish, and a
 * start that refuses a bad address. The same file runs against the gateway-only role
 * (DETOUR_TEST_ROLE=gateway), where the routes that role does not serve are 404/405.
 */
import { once } from "node:events";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, waitForHealthOrExit } from "@/testing/server-process";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

/** Run against the gateway-only role (DETOUR_TEST_ROLE=gateway, scripts/test-all.sh). */
const gatewayRole = process.env.DETOUR_TEST_ROLE === "gateway";

describe("Detour's HTTP server", () => {
  let h: Harness;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness();
    vk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());

  it("answers an inference route whose URL has a query string, and logs it", async () => {
    const res = await fetch(`${h.baseURL}/chat/completions?api-version=ignored&x=1`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk }),
      body: JSON.stringify(chatBody()),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe("chat.completion");
    const row = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(row.status).toBe(200);
  });

  it.skipIf(gatewayRole)("leaves other methods on the inference paths, and every other route, to Next.js", async () => {
    const get = await fetch(`${h.baseURL}/chat/completions`, { headers: h.headers() });
    expect(get.status).toBe(405);
    const health = await fetch(`${h.url}/api/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).role).toBe("all");
    const page = await fetch(`${h.url}/login`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    // The management API still needs its admin key or session.
    const configs = await fetch(`${h.baseURL}/configs`, { headers: h.headers() });
    expect(configs.status).toBe(403);
  });

  it.runIf(gatewayRole)(
    "DETOUR_ROLE=gateway: other methods on the inference paths are 405, every other route 404 naming the role",
    async () => {
      const get = await fetch(`${h.baseURL}/chat/completions`, { headers: h.headers() });
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      expect((await get.json()).error).toMatchObject({
        code: "method_not_allowed",
        message: "GET is not served on /v1/chat/completions; it takes POST.",
      });
      const health = await fetch(`${h.url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", db: "ok", role: "gateway" });
      expect((await fetch(`${h.url}/api/health`, { method: "HEAD" })).status).toBe(200);
      for (const path of ["/login", "/", "/v1/configs", "/api/auth/session", "/logs?trace_id=x"]) {
        const res = await fetch(`${h.url}${path}`, { headers: h.headers() });
        expect(res.status, path).toBe(404);
        expect(res.headers.get("content-type")).toContain("application/json");
        const body = await res.json();
        expect(body.error.code).toBe("not_found");
        expect(body.error.message).toContain("DETOUR_ROLE=gateway");
        expect(body.error.message).toContain(path.split("?")[0]);
      }
    },
  );

  it("SIGTERM: a request in flight is answered and logged, then the process exits", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 1_500 }, times: 1 });
    const inFlight = fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk, "x-portkey-trace-id": "server-sigterm" }),
      body: JSON.stringify(chatBody()),
    });
    // Stop Detour while the upstream holds the request.
    await h.mock.waitForRequest({ fault: "delay" }, { settled: false });
    const stopped = h.server.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await stopped;
    expect(h.server.child.exitCode).toBe(143);
    const rows = await h.db.requestLog.findMany({ where: { traceId: "server-sigterm" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe(200);
  });

  it("refuses to start with an invalid PORT, or on a port in use, saying so", async () => {
    const invalid = await startServer({ PORT: "not-a-port" });
    expect((await waitForHealthOrExit(invalid, 30_000)).exitCode).toBe(1);
    expect(invalid.output()).toMatch(/Detour cannot start:[\s\S]*PORT/);
    const holder = net.createServer().listen(0, "127.0.0.1");
    await once(holder, "listening");
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const taken = await startServer({ DETOUR_DATA_DIR: path.join(os.tmpdir(), "detour-port-taken") }, port);
      expect((await waitForHealthOrExit(taken, 30_000)).exitCode).toBe(1);
      expect(taken.output()).toContain(`Detour cannot start: port ${port} is already in use`);
    } finally {
      holder.close();
    }
  });

  it("refuses an unknown DETOUR_ROLE, and the gateway-only role without its build, saying so", async () => {
    const unknown = await startServer({ DETOUR_ROLE: "proxy" });
    expect((await waitForHealthOrExit(unknown, 30_000)).exitCode).toBe(1);
    expect(unknown.output()).toMatch(/Detour cannot start:[\s\S]*DETOUR_ROLE must be "all" \(the default: everything\) or "gateway"/);
    // A build with the server but not the role's engine (a partial copy of this build).
    const partial = `.next-partial-${process.pid}`;
    const built = path.resolve(process.env.DETOUR_NEXT_DIST_DIR || ".next", "detour-server");
    mkdirSync(path.join(partial, "detour-server"), { recursive: true });
    copyFileSync(path.join(built, "server.cjs"), path.join(partial, "detour-server", "server.cjs"));
    try {
      const unbuilt = await startServer({
        DETOUR_ROLE: "gateway",
        DETOUR_NEXT_DIST_DIR: partial,
        DETOUR_DATA_DIR: path.join(os.tmpdir(), "detour-role-unbuilt"),
      });
      expect((await waitForHealthOrExit(unbuilt, 30_000)).exitCode).toBe(1);
      expect(unbuilt.output()).toContain(
        `Detour cannot start: DETOUR_ROLE=gateway needs the gateway-only build (${partial}/detour-server/engine.mjs is missing): run \`npm run build\``,
      );
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  });
});
