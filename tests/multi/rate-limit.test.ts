/**
 * Several instances, one Redis: Detour's rate limits hold in total, not per instance. A key with
 * rpm = 4 gets 4 answers per minute across A and B together (sequential and concurrent), and the
 * 429s come from both instances without anything sent upstream.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  chatVia,
  probeServices,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  waitForOutput,
  type Cluster,
} from "../../testing/multi-instance-harness";

const WINDOW_MS = 60_000;

const services = await probeServices();
if (!services.ok && !SERVICES_REQUIRED) {
  console.warn(
    `\n[tests/multi] SKIPPED: ${services.reason}. These tests need PostgreSQL and Redis; with CI=true they fail instead of skipping.\n`,
  );
}

/** The windows are fixed and clock-aligned: start a burst well inside one. */
async function awayFromWindowEnd(marginMs = 10_000): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 200));
}

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: rate limits shared through Redis", () => {
  let c: Cluster;
  let vk: string;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
    const r = await admin(c.a, "POST", "/virtual-keys", {
      name: `rl ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: "sk-rl",
      custom_host: `${c.mock.url}/v1`,
    });
    expect(r.status, r.text).toBe(201);
    vk = r.json.slug;
  });
  afterAll(async () => c?.close());

  const newKey = async (rpm: number) => {
    const r = await admin(c.a, "POST", "/api-keys", { name: `rl ${randomBytes(3).toString("hex")}`, rate_limits: { rpm } });
    expect(r.status, r.text).toBe(201);
    expect(r.json.rate_limits).toEqual({ rpm, tpm: null });
    return r.json.key as string;
  };

  it("rpm = 4 holds in total across A and B (alternating requests)", async () => {
    const key = await newKey(4);
    await awayFromWindowEnd();
    const order = [c.a, c.b, c.a, c.b, c.a, c.b, c.a, c.b];
    const results = [];
    for (const i of order) results.push({ i: i.name, ...(await chatVia(i, c.mock, key, { "x-portkey-virtual-key": vk })) });
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    for (const r of results.slice(4)) {
      expect(r.key).toBeUndefined(); // nothing went upstream
      expect(r.json.error).toMatchObject({ code: "detour_rate_limit", type: "rate_limit_error" });
      expect(r.json.error.message).toMatch(/\(4 requests per minute\)\. This limit is set in Detour, not by the provider\.$/);
    }
  });

  it("rpm = 4 holds under a concurrent burst split over both instances", async () => {
    const key = await newKey(4);
    await awayFromWindowEnd();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, n) => chatVia(n % 2 ? c.b : c.a, c.mock, key, { "x-portkey-virtual-key": vk }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
  });

  it("Redis lost under B: B fails open (serves, warns), A still enforces; back to shared limits once Redis returns", async () => {
    const key = await newKey(1);
    await awayFromWindowEnd(25_000);
    expect((await chatVia(c.a, c.mock, key, { "x-portkey-virtual-key": vk })).status).toBe(200);
    expect((await chatVia(c.a, c.mock, key, { "x-portkey-virtual-key": vk })).status).toBe(429);
    await c.redisProxy.cut();
    try {
      await waitFor(async () => (await c.b.health()).body.redis === "error", 5_000, "B to report redis error");
      for (let n = 0; n < 3; n++) expect((await chatVia(c.b, c.mock, key, { "x-portkey-virtual-key": vk })).status).toBe(200);
      await waitForOutput(c.b, /rate limits not enforced/);
      expect((await chatVia(c.a, c.mock, key, { "x-portkey-virtual-key": vk })).status).toBe(429);
    } finally {
      await c.redisProxy.restore();
    }
    await waitFor(async () => (await c.b.health()).body.redis === "ok", 8_000, "B to report redis ok again");
    expect((await chatVia(c.b, c.mock, key, { "x-portkey-virtual-key": vk })).status).toBe(429);
  });
});
