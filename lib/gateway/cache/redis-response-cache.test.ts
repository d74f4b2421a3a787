/** The shared response cache against a real Redis (DETOUR_TEST_REDIS_URL), each run under its own key prefix. */
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TcpProxy } from "@/testing/multi-instance-harness";
import { connectTestRedis, REDIS_REQUIRED, TEST_REDIS_URL } from "@/testing/test-redis";
import { RedisResponseCache } from "./redis-response-cache";
import { MAX_ENTRY_BYTES, type CachedAnswer } from "./response-cache";

const answer = (text: string, extra: Partial<CachedAnswer> = {}): CachedAnswer => ({
  status: 200,
  text,
  contentType: "application/json",
  provider: "openai",
  path: "config",
  model: "gpt-4o",
  usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, cacheReadTokens: null, cacheWriteTokens: null },
  ...extra,
});

describe("RedisResponseCache (needs Redis at DETOUR_TEST_REDIS_URL or 127.0.0.1:6379)", async () => {
  const { client: probe, up, why } = await connectTestRedis("redis-response-cache.test");
  const run = it.skipIf(!up && !REDIS_REQUIRED);
  const prefix = `detour-cache-test-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}:cache`;
  const warnings: string[] = [];
  const cache = new RedisResponseCache({ client: () => probe, prefix, warn: (_o, msg) => warnings.push(msg) });

  beforeAll(() => {
    if (!up && REDIS_REQUIRED) throw new Error(`Redis is required with CI=true: no Redis at ${TEST_REDIS_URL} (${why})`);
  });
  afterAll(async () => {
    if (up) {
      const keys = await probe.keys(`${prefix}:*`);
      if (keys.length) await probe.del(...keys);
    }
    probe.disconnect();
  });

  run("stores an answer under <prefix>:cache:<key> with Redis's own expiry, and reads it back whole", async () => {
    const value = answer('{"id":"x","choices":[]}', { usage: null, model: null });
    await cache.set("k1", value, 60_000);
    expect(await probe.exists(`${prefix}:k1`)).toBe(1);
    const ttl = await probe.pttl(`${prefix}:k1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await cache.get("k1")).toEqual(value);
    const full = answer("{}");
    await cache.set("k2", full, 60_000);
    expect(await cache.get("k2")).toEqual(full);
  });

  run("an answer expires in Redis when its max age passes", async () => {
    await cache.set("short", answer("{}"), 50);
    expect(await cache.get("short")).not.toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    expect(await probe.exists(`${prefix}:short`)).toBe(0);
    expect(await cache.get("short")).toBeNull();
  });

  run("keys are isolated by prefix: another deployment's prefix sees nothing", async () => {
    await cache.set("shared", answer("{}"), 60_000);
    const other = new RedisResponseCache({ client: () => probe, prefix: `${prefix}-other`, warn: () => {} });
    expect(await other.get("shared")).toBeNull();
    expect(await cache.get("shared")).not.toBeNull();
  });

  run("an answer over 1 MiB is not stored; nor is one with no time to live", async () => {
    await cache.set("big", answer("x".repeat(MAX_ENTRY_BYTES + 1)), 60_000);
    expect(await probe.exists(`${prefix}:big`)).toBe(0);
    await cache.set("exact", answer("x".repeat(MAX_ENTRY_BYTES)), 60_000);
    expect(await probe.exists(`${prefix}:exact`)).toBe(1);
    await cache.set("zero", answer("{}"), 0);
    expect(await probe.exists(`${prefix}:zero`)).toBe(0);
  });

  run("a value that is not a cached answer reads as a miss", async () => {
    await probe.set(`${prefix}:junk`, "not json", "PX", 60_000);
    await probe.set(`${prefix}:shape`, JSON.stringify({ status: "200" }), "PX", 60_000);
    expect(await cache.get("junk")).toBeNull();
    expect(await cache.get("shape")).toBeNull();
  });

  it("without a connection: a miss, a skipped write, one warning per 10 s", async () => {
    const said: string[] = [];
    const down = new RedisResponseCache({ client: () => null, prefix, warn: (_o, msg) => said.push(msg) });
    expect(await down.get("k1")).toBeNull();
    await down.set("k9", answer("{}"), 60_000);
    expect(await down.get("k1")).toBeNull();
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/response cache read failed in Redis; answering from upstream \(MISS\)/);
  });

  run("a Redis that stops answering: the read gives up after its bound (a miss), the write too", async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    const client = new Redis({
      host: "127.0.0.1",
      port: proxy.port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once("ready", resolve);
        client.once("error", reject);
      });
      const said: string[] = [];
      const slow = new RedisResponseCache({
        client: () => client,
        prefix,
        warn: (o, msg) => said.push(`${msg}: ${(o as { err: string }).err}`),
        writeTimeoutMs: 200,
      });
      await slow.set("via-proxy", answer("{}"), 60_000);
      expect(await slow.get("via-proxy")).not.toBeNull();
      proxy.blackhole();
      // The connection is still "ready" (nothing reset it): only the bound ends the wait.
      expect(client.status).toBe("ready");
      expect(await slow.get("via-proxy")).toBeNull();
      expect(said[0]).toMatch(/^response cache read failed in Redis; answering from upstream \(MISS\): GET took longer than 100 ms$/);
      await slow.set("never", answer("{}"), 60_000);
      expect(await probe.exists(`${prefix}:never`)).toBe(0);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });
});
