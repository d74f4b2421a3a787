/**
 * The Redis helpers that need no server: back-off, URL redaction, the env variables, health without
 * Redis; and, against a real Redis, the driver loaded lazily.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Db } from "./db";
import { parseEnv } from "./env";
import { checkHealth } from "./health";
import { closeRedis, getRedis, loadRedisDriver, redactRedisUrl, reconnectDelay, whenReady } from "./redis";
import { getRuntime } from "./runtime";
import { connectTestRedis, REDIS_REQUIRED, TEST_REDIS_URL } from "../testing/test-redis";

describe("Redis helpers", () => {
  it("reconnects with a capped exponential back-off (100 ms doubling to 2 s, up to 20% jitter)", () => {
    for (let i = 0; i < 50; i++) {
      const d1 = reconnectDelay(1);
      expect(d1).toBeGreaterThanOrEqual(100);
      expect(d1).toBeLessThanOrEqual(120);
      const d4 = reconnectDelay(4);
      expect(d4).toBeGreaterThanOrEqual(800);
      expect(d4).toBeLessThanOrEqual(960);
      const d99 = reconnectDelay(99);
      expect(d99).toBeGreaterThanOrEqual(2_000);
      expect(d99).toBeLessThanOrEqual(2_400);
    }
  });

  it("never shows a Redis password", () => {
    expect(redactRedisUrl("redis://:s3cret@cache:6379/0")).toBe("redis://:***@cache:6379/0");
    expect(redactRedisUrl("rediss://user:s3cret@cache:6380")).not.toContain("s3cret");
    expect(redactRedisUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });

  it("REDIS_URL is optional; DETOUR_REDIS_PREFIX defaults to detour and is checked", () => {
    const defaults = parseEnv({});
    expect(defaults.REDIS_URL).toBeUndefined();
    expect(defaults.DETOUR_REDIS_PREFIX).toBe("detour");
    expect(parseEnv({ REDIS_URL: "redis://127.0.0.1:6379", DETOUR_REDIS_PREFIX: "detour-eu:prod" })).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:6379",
      DETOUR_REDIS_PREFIX: "detour-eu:prod",
    });
    expect(() => parseEnv({ DETOUR_REDIS_PREFIX: "has space" })).toThrow(/DETOUR_REDIS_PREFIX/);
    expect(() => parseEnv({ REDIS_URL: "http://cache:6379" })).toThrow(/REDIS_URL must be a redis:\/\//);
  });

  it("health: Redis disabled by default; a Redis error is reported without failing the status", async () => {
    const db = { $queryRawUnsafe: async () => [{ "?column?": 1 }] } as unknown as Db;
    expect(await checkHealth(db, "sqlite", "t")).toMatchObject({ status: "ok", db: "ok", redis: "disabled" });
    const down = await checkHealth(
      db,
      "postgresql",
      "t",
      undefined,
      Promise.resolve({ redis: "error" as const, redis_reason: "Redis is not connected (reconnecting)" }),
    );
    expect(down).toMatchObject({ status: "ok", db: "ok", redis: "error", redis_reason: "Redis is not connected (reconnecting)" });
  });

  it("ioredis is loaded when first needed: by the start sequence, or on the first getRedis() without it", async () => {
    const probe = await connectTestRedis("redis.test");
    probe.client.disconnect();
    if (!probe.up) {
      if (REDIS_REQUIRED) throw new Error(`Redis is required with CI=true: no Redis at ${TEST_REDIS_URL} (${probe.why})`);
      return;
    }
    const rt = getRuntime();
    const saved = { env: rt.env, redis: rt.redis };
    const driverLoaded = () => getRuntime().redis?.driver !== undefined;
    try {
      for (const preload of [false, true]) {
        rt.env = parseEnv({ REDIS_URL: TEST_REDIS_URL, DETOUR_REDIS_PREFIX: `redis-test-${randomBytes(4).toString("hex")}` });
        rt.redis = undefined;
        if (preload) await loadRedisDriver();
        expect(driverLoaded(), "loaded before first use").toBe(preload);
        const redis = getRedis();
        expect(redis).not.toBeNull();
        await whenReady(redis!.command, 5_000);
        expect(await redis!.command.ping()).toBe("PONG");
        expect(driverLoaded()).toBe(true);
        await closeRedis();
      }
    } finally {
      rt.env = saved.env;
      rt.redis = saved.redis;
    }
  });
});
