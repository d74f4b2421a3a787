import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startMetricsServer, stopMetricsServer } from "./metrics-server";
import { observeRequest } from "./metrics";
import type { LogRecord } from "./logs/types";
import { getRuntime } from "./runtime";

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const env = (over: { port?: number; token?: string } = {}) => ({
  PORT: 3000,
  DETOUR_METRICS_PORT: over.port,
  DETOUR_METRICS_HOST: "127.0.0.1",
  DETOUR_METRICS_TOKEN: over.token,
});

describe("metrics listener (DETOUR_METRICS_PORT)", () => {
  afterEach(stopMetricsServer);

  it("does nothing when the port is not set", async () => {
    expect(await startMetricsServer(env())).toBeNull();
    expect(getRuntime().metricsServer).toBeUndefined();
  });

  it("refuses the main port, naming both variables", async () => {
    await expect(startMetricsServer({ ...env({ port: 3000 }) })).rejects.toThrow(
      "DETOUR_METRICS_PORT must differ from PORT (both are 3000)",
    );
  });

  it("names the variable when the port is taken", async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", () => resolve()));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startMetricsServer(env({ port }))).rejects.toThrow(
        `DETOUR_METRICS_PORT ${port} on 127.0.0.1: cannot listen (EADDRINUSE)`,
      );
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it("serves Prometheus text without a token (loopback by default), /metrics only, GET/HEAD only", async () => {
    const address = await startMetricsServer(env({ port: await freePort() }));
    expect(address?.address).toBe("127.0.0.1");
    observeRequest({
      provider: "openai",
      model: "gpt-4o-mini",
      status: 200,
      cacheStatus: "DISABLED",
      latencyMs: 12,
      overheadMs: 0.1,
      fallbackUsed: false,
      attempts: [],
      promptTokens: 3,
      completionTokens: 5,
      cost: null,
    } as unknown as LogRecord);
    const base = `http://127.0.0.1:${address!.port}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const text = await res.text();
    expect(text).toMatch(/^detour_requests_total\{provider="openai",model="gpt-4o-mini",status="200",cache="DISABLED"\} \d+/m);
    expect(text).toContain("detour_log_rows");
    expect((await fetch(`${base}/metrics`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
    const other = await fetch(`${base}/v1/chat/completions`);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain("serves GET /metrics only");
    // A second call in the same process reuses the running listener.
    expect((await startMetricsServer(env({ port: address!.port })))?.port).toBe(address!.port);
  });

  it("requires DETOUR_METRICS_TOKEN as a bearer when it is set", async () => {
    const token = "scraper-token-0123456789abcdef";
    const address = await startMetricsServer(env({ port: await freePort(), token }));
    const url = `http://127.0.0.1:${address!.port}/metrics`;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("Bearer");
    expect((await fetch(url, { headers: { authorization: "Bearer wrong-token-0123456789abcdef" } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
