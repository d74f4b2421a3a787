/**
 * A deployment with a gateway-only instance (DETOUR_ROLE=gateway, docs/GATEWAY.md §11.1): instance A
 * runs the default role (dashboard, management API, inference), instance B the gateway-only role,
 * both on one PostgreSQL and one Redis. B routes with the keys and configs made on A, hears A's
 * changes through Redis, writes its logs for A's log explorer, serves health and metrics, and answers
 * nothing else.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  admin,
  call,
  probeServices,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  type Cluster,
  newVirtualKey,
} from "../../testing/multi-instance-harness";

const METRICS_TOKEN = "multi-tests-metrics-token-0001";

const services = await probeServices();
if (!services.ok && !SERVICES_REQUIRED) {
  console.warn(
    `\n[tests/multi] SKIPPED: ${services.reason}. These tests need PostgreSQL and Redis; with CI=true they fail instead of skipping.\n`,
  );
}

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("a gateway-only instance beside a default one", () => {
  let c: Cluster;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster({ extraEnv: { DETOUR_METRICS_TOKEN: METRICS_TOKEN }, envB: { DETOUR_ROLE: "gateway" } });
  });
  afterAll(async () => c?.close());

  const vkOnA = (name: string, key: string) => newVirtualKey(c, name, key);
  const chatOnB = (headers: Record<string, string>) =>
    fetch(`${c.b.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": c.gatewayKey, ...headers },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hello" }] }),
    });

  it("says which role each instance runs in /api/health", async () => {
    expect((await c.a.health()).body).toMatchObject({ status: "ok", role: "all", redis: "ok" });
    expect((await c.b.health()).body).toMatchObject({ status: "ok", role: "gateway", db: "ok", database: "postgresql", redis: "ok" });
  });

  it("routes with a config made on A (a fallback), and A's log explorer shows B's log with the fallback flag", async () => {
    const failingKey = `sk-failing-${randomBytes(6).toString("hex")}`;
    const [first, second] = [await vkOnA("first", failingKey), await vkOnA("second", `sk-ok-${randomBytes(6).toString("hex")}`)];
    c.mock.script({ match: { key: failingKey }, fault: { kind: "status", status: 503 } });
    const made = await admin(c.a, "POST", "/configs", {
      name: `fallback ${randomBytes(3).toString("hex")}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: first }, { virtual_key: second }] },
    });
    expect(made.status, made.text).toBe(201);
    const traceId = `gateway-role-${randomBytes(4).toString("hex")}`;
    const res = await chatOnB({ "x-portkey-config": made.json.slug, "x-portkey-trace-id": traceId });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-portkey-fallback")).toBe("true");
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    expect((await res.json()).object).toBe("chat.completion");
    const id = res.headers.get("x-portkey-request-id")!;
    let log: { status: number; json: any } = { status: 0, json: null };
    await waitFor(
      async () => {
        log = await admin(c.a, "GET", `/logs/${id}`);
        return log.status === 200;
      },
      10_000,
      "B's log row, read through A",
    );
    expect(log.json).toMatchObject({ id, trace_id: traceId, status: 200, fallback_used: true, config: made.json.slug });
  });

  it("acts on a change made on A at once (Redis invalidation): a revoked virtual key stops working on B", async () => {
    const slug = await vkOnA("revoked", `sk-revoked-${randomBytes(6).toString("hex")}`);
    expect((await chatOnB({ "x-portkey-virtual-key": slug })).status).toBe(200); // cached on B now
    const revoked = await admin(c.a, "DELETE", `/virtual-keys/${slug}`);
    expect(revoked.status, revoked.text).toBe(200);
    await waitFor(async () => (await chatOnB({ "x-portkey-virtual-key": slug })).status !== 200, 3_000, "B refuses the revoked key");
  });

  it("serves /metrics for the scrape token or an admin key, and says what it takes otherwise", async () => {
    const bare = await fetch(`${c.b.url}/metrics`);
    expect(bare.status).toBe(401);
    const refusal = (await bare.json()).error;
    expect(refusal.code).toBe("missing_api_key");
    expect(refusal.message).toContain("DETOUR_ROLE=gateway");
    const allowed: Record<string, string>[] = [{ authorization: `Bearer ${METRICS_TOKEN}` }, { "x-portkey-api-key": ADMIN_KEY }];
    for (const headers of allowed) {
      const res = await fetch(`${c.b.url}/metrics`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).toMatch(/^detour_requests_total\{.*status="200".*\} [1-9]/m);
    }
    const gatewayScope = await fetch(`${c.b.url}/metrics`, { headers: { "x-portkey-api-key": c.gatewayKey } });
    expect(gatewayScope.status).toBe(403);
    expect((await gatewayScope.json()).error.code).toBe("insufficient_scope");
  });

  it("answers nothing else: the dashboard and the management API are A's", async () => {
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/logs"],
      ["GET", "/v1/configs"],
      ["POST", "/v1/virtual-keys"],
      ["GET", "/api/auth/session"],
    ] as const) {
      const res = await fetch(`${c.b.url}${path}`, { method, headers: { "x-portkey-api-key": ADMIN_KEY } });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await res.json()).error).toMatchObject({
        code: "not_found",
        message: expect.stringContaining(`${method} ${path} is not served`),
      });
    }
    // The same paths on A.
    expect((await call(c.a, "GET", "/configs", undefined, { "x-portkey-api-key": ADMIN_KEY })).status).toBe(200);
  });
});
