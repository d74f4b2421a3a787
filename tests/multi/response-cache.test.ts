/**
 * Several instances, one Redis: the response cache (docs/GATEWAY.md §5.5) is shared. An answer A
 * cached is served by B without the mock upstream seeing a call; a force-refresh through B is what
 * A serves next; an answer expires with its max_age in Redis; and with Redis gone (B's proxy cut or
 * blackholed) B answers every request from upstream (MISS), correctly, and stores nothing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Redis from "ioredis";
import {
  ADMIN_KEY,
  admin,
  probeServices,
  REDIS_URL,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  waitForOutput,
  type Cluster,
  type Instance,
} from "../../testing/multi-instance-harness";

const services = await probeServices();
if (!services.ok && !SERVICES_REQUIRED) {
  console.warn(
    `\n[tests/multi] SKIPPED: ${services.reason}. These tests need PostgreSQL and Redis; with CI=true they fail instead of skipping.\n`,
  );
}

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: the response cache shared through Redis", () => {
  let c: Cluster;
  let redis: Redis;
  let config: (maxAge: number) => string;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const r = await admin(c.a, "POST", "/virtual-keys", {
      name: `cache ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: "sk-cache-0000",
      custom_host: `${c.mock.url}/v1`,
    });
    expect(r.status, r.text).toBe(201);
    const vk = r.json.slug as string;
    config = (maxAge) => JSON.stringify({ cache: { mode: "simple", max_age: maxAge }, virtual_key: vk });
  });
  afterAll(async () => {
    redis?.disconnect();
    await c?.close();
  });

  const ask = async (i: Instance, content: string, headers: Record<string, string> = {}, maxAge = 60) => {
    const seen = c.mock.requests().length;
    const res = await fetch(`${i.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": c.gatewayKey, "x-portkey-config": config(maxAge), ...headers },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] }),
    });
    const text = await res.text();
    return {
      status: res.status,
      cache: res.headers.get("x-portkey-cache-status"),
      requestId: res.headers.get("x-portkey-request-id")!,
      id: (JSON.parse(text) as { id: string }).id,
      upstreamCalls: c.mock.requests().length - seen,
    };
  };

  /** The cache entries of this run (its own DETOUR_REDIS_PREFIX). */
  const entries = () => redis.keys(`${c.prefix}:cache:*`);

  it("A caches, B serves the HIT without calling upstream; logged on B with cost 0 and the cost saved", async () => {
    const first = await ask(c.a, "shared one");
    expect(first).toMatchObject({ status: 200, cache: "MISS", upstreamCalls: 1 });
    // The write is off A's request path: wait for it to land.
    await waitFor(async () => (await entries()).length === 1, 5_000, "the entry in Redis");
    const key = (await entries())[0]!;
    expect(key).toMatch(new RegExp(`^${c.prefix}:cache:[0-9a-f]{64}$`));
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const hit = await ask(c.b, "shared one");
    expect(hit).toMatchObject({ status: 200, cache: "HIT", upstreamCalls: 0, id: first.id });

    const logs = async () => {
      const [miss, served] = await Promise.all([first.requestId, hit.requestId].map((id) => admin(c.a, "GET", `/logs/${id}`)));
      return miss!.status === 200 && served!.status === 200 ? [miss!.json, served!.json] : null;
    };
    await waitFor(async () => (await logs()) !== null, 10_000, "both log rows");
    const [missLog, hitLog] = (await logs())!;
    expect(missLog).toMatchObject({ cache_status: "MISS", cost_saved: null });
    expect(missLog.cost).toBeGreaterThan(0);
    expect(hitLog).toMatchObject({ cache_status: "HIT", cost: 0, attempts: [] });
    expect(hitLog.cost_saved).toBeCloseTo(missLog.cost, 12);
  });

  it("force-refresh through B stores the fresh answer, which A then serves", async () => {
    const first = await ask(c.a, "refresh me");
    await waitFor(async () => (await ask(c.b, "refresh me")).cache === "HIT", 5_000, "B to see A's entry");
    const refreshed = await ask(c.b, "refresh me", { "x-portkey-cache-force-refresh": "true" });
    expect(refreshed).toMatchObject({ cache: "REFRESH", upstreamCalls: 1 });
    expect(refreshed.id).not.toBe(first.id);
    await waitFor(async () => (await ask(c.a, "refresh me")).id === refreshed.id, 5_000, "A to serve B's refreshed answer");
    const fromA = await ask(c.a, "refresh me");
    expect(fromA).toMatchObject({ cache: "HIT", upstreamCalls: 0, id: refreshed.id });
  });

  it("an answer expires in Redis with its max_age: then a MISS on both instances", async () => {
    const before = new Set(await entries());
    const first = await ask(c.a, "short lived", {}, 1);
    expect(first.cache).toBe("MISS");
    await waitFor(async () => (await entries()).some((k) => !before.has(k)), 5_000, "the entry in Redis");
    const key = (await entries()).find((k) => !before.has(k))!;
    expect(await redis.pttl(key)).toBeLessThanOrEqual(1_000);
    // Redis drops the key itself: nothing is left for any instance to read.
    await waitFor(async () => (await redis.exists(key)) === 0, 5_000, "Redis to expire the entry");
    const after = await ask(c.b, "short lived", {}, 1);
    expect(after).toMatchObject({ cache: "MISS", upstreamCalls: 1 });
    expect(after.id).not.toBe(first.id);
  });

  it("Redis gone under B: B answers from upstream (MISS), correctly, stores nothing; A keeps its hits", async () => {
    const cached = await ask(c.a, "while redis is down");
    await waitFor(async () => (await ask(c.a, "while redis is down")).cache === "HIT", 5_000, "A's hit");

    await c.redisProxy.cut();
    try {
      await waitFor(async () => (await c.b.health()).body.redis === "error", 5_000, "B to report redis error");
      const viaB = await ask(c.b, "while redis is down");
      expect(viaB).toMatchObject({ status: 200, cache: "MISS", upstreamCalls: 1 });
      expect(viaB.id).not.toBe(cached.id);
      const fresh = await ask(c.b, "only through b");
      expect(fresh).toMatchObject({ status: 200, cache: "MISS", upstreamCalls: 1 });
      expect(await ask(c.a, "while redis is down")).toMatchObject({ cache: "HIT", id: cached.id });
      await waitForOutput(c.b, /response cache read failed in Redis/);
    } finally {
      await c.redisProxy.restore();
    }
    await waitFor(async () => (await c.b.health()).body.redis === "ok", 8_000, "B to report redis ok again");
    // What B answered while Redis was gone was not stored.
    expect(await ask(c.a, "only through b")).toMatchObject({ cache: "MISS", upstreamCalls: 1 });
  });

  it("Redis that stops answering under B: B's read gives up after its bound, a MISS, and the request is answered", async () => {
    await ask(c.a, "blackholed");
    await waitFor(async () => (await ask(c.a, "blackholed")).cache === "HIT", 5_000, "A's hit");
    c.redisProxy.blackhole();
    try {
      const viaB = await ask(c.b, "blackholed");
      expect(viaB).toMatchObject({ status: 200, cache: "MISS", upstreamCalls: 1 });
    } finally {
      await c.redisProxy.restore();
    }
    await waitFor(async () => (await c.b.health()).body.redis === "ok", 10_000, "B to report redis ok again");
    const metrics = await (await fetch(`${c.b.url}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).text();
    const errors = /^detour_response_cache_operations_total\{store="redis",op="get",outcome="error"\} (\d+)$/m.exec(metrics);
    expect(Number(errors?.[1])).toBeGreaterThanOrEqual(2); // the cut and the blackhole
    expect(metrics).toMatch(/^detour_response_cache_operations_total\{store="redis",op="get",outcome="hit"\} [1-9]/m);
  });
});
