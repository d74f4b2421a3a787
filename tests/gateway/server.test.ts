/**
 * Detour's HTTP server (scripts/server.ts): the inference routes answered by the gateway's handlers
 * directly, everything else by Next.js, a graceful stop that lets in-flight requests finish, and a
 * start that refuses a bad address.
 */
import { once } from "node:events";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, waitForHealthOrExit } from "@/testing/server-process";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

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

  it("leaves other methods on the inference paths, and every other route, to Next.js", async () => {
    const get = await fetch(`${h.baseURL}/chat/completions`, { headers: h.headers() });
    expect(get.status).toBe(405);
    const health = await fetch(`${h.url}/api/health`);
    expect(health.status).toBe(200);
    const page = await fetch(`${h.url}/login`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    // The management API still needs its admin key or session.
    const configs = await fetch(`${h.baseURL}/configs`, { headers: h.headers() });
    expect(configs.status).toBe(403);
  });

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
});
