import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRateLimiter, RedisRateLimiter, WINDOW_MS, rateLimitMessage, type RateLimitSubject } from "./limiter";
import { connectTestRedis, REDIS_REQUIRED, TEST_REDIS_URL } from "../../../testing/test-redis";

const key = (over: Partial<RateLimitSubject> = {}): RateLimitSubject => ({
  scope: "api_key",
  id: `k-${randomBytes(4).toString("hex")}`,
  label: 'API key "t"',
  rpm: null,
  tpm: null,
  ...over,
});

describe("MemoryRateLimiter", () => {
  it("allows rpm requests per window, rejects the next with the time to the window's end, and frees at the boundary", async () => {
    let now = 5 * WINDOW_MS + 15_000;
    const l = new MemoryRateLimiter(() => now);
    const k = key({ rpm: 3 });
    for (let i = 0; i < 3; i++) expect((await l.acquire([k])).ok).toBe(true);
    const d = await l.acquire([k]);
    expect(d).toMatchObject({ ok: false, kind: "rpm", limit: 3, used: 3, retryAfterMs: 45_000 });
    now += 44_999;
    expect((await l.acquire([k])).ok).toBe(false);
    now += 1;
    expect((await l.acquire([k])).ok).toBe(true);
  });

  it("a rejected request is not counted, and counts are all-or-nothing across subjects", async () => {
    const now = 0;
    const l = new MemoryRateLimiter(() => now);
    const a = key({ rpm: 5 });
    const v = key({ scope: "virtual_key", rpm: 1, label: 'virtual key "v"' });
    expect((await l.acquire([a, v])).ok).toBe(true);
    const d = await l.acquire([a, v]);
    expect(d).toMatchObject({ ok: false, subject: { scope: "virtual_key" } });
    // a was not charged for the rejected request: 4 more fit.
    for (let i = 0; i < 4; i++) expect((await l.acquire([a])).ok).toBe(true);
    expect((await l.acquire([a])).ok).toBe(false);
  });

  it("tpm: rejects once the tokens counted in the window reach the limit; keys without limits are free", async () => {
    let now = 0;
    const l = new MemoryRateLimiter(() => now);
    const k = key({ tpm: 100 });
    expect((await l.acquire([k])).ok).toBe(true);
    await l.addTokens([k], 60);
    expect((await l.acquire([k])).ok).toBe(true);
    await l.addTokens([k], 40);
    const d = await l.acquire([k]);
    expect(d).toMatchObject({ ok: false, kind: "tpm", used: 100, limit: 100 });
    if (!d.ok)
      expect(rateLimitMessage(d)).toBe(
        'Detour rate limit exceeded for API key "t" (100 tokens per minute). This limit is set in Detour, not by the provider.',
      );
    now = WINDOW_MS;
    expect((await l.acquire([k])).ok).toBe(true);
    expect((await l.acquire([key()])).ok).toBe(true);
  });
});

describe("RedisRateLimiter (needs Redis at DETOUR_TEST_REDIS_URL or 127.0.0.1:6379)", async () => {
  const { client: probe, up, why } = await connectTestRedis("rate-limit.test");
  const prefix = `detour-rl-test-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}:rl`;
  const warnings: string[] = [];
  let limiter: RedisRateLimiter;

  beforeAll(() => {
    if (!up && REDIS_REQUIRED) throw new Error(`Redis is required with CI=true: no Redis at ${TEST_REDIS_URL} (${why})`);
    limiter = new RedisRateLimiter({ client: () => probe, prefix, warn: (_o, msg) => warnings.push(msg) });
  });
  afterAll(async () => {
    if (up) {
      const keys = await probe.keys(`${prefix}:*`);
      if (keys.length) await probe.del(...keys);
    }
    probe.disconnect();
  });

  it.skipIf(!up && !REDIS_REQUIRED)("counts rpm atomically under concurrency: exactly the limit is allowed", async () => {
    const k = key({ rpm: 7 });
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.acquire([k])));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    const rejected = results.find((r) => !r.ok);
    expect(rejected).toMatchObject({ ok: false, kind: "rpm", limit: 7, used: 7 });
    if (rejected && !rejected.ok) {
      expect(rejected.retryAfterMs).toBeGreaterThan(0);
      expect(rejected.retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);
    }
    const keys = await probe.keys(`${prefix}:rpm:api_key:${k.id}:*`);
    expect(keys).toHaveLength(1);
    const ttl = await probe.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(WINDOW_MS);
    expect(ttl).toBeLessThanOrEqual(2 * WINDOW_MS);
  });

  it.skipIf(!up && !REDIS_REQUIRED)("all-or-nothing across subjects, and tpm from added tokens", async () => {
    const a = key({ rpm: 10, tpm: 50 });
    const v = key({ scope: "virtual_key", rpm: 1 });
    expect((await limiter.acquire([a, v])).ok).toBe(true);
    expect(await limiter.acquire([a, v])).toMatchObject({ ok: false, subject: { id: v.id }, kind: "rpm" });
    const keys = await probe.keys(`${prefix}:rpm:api_key:${a.id}:*`);
    expect(await probe.get(keys[0]!)).toBe("1"); // the rejected request did not count against a
    await limiter.addTokens([a], 50);
    expect(await limiter.acquire([a])).toMatchObject({ ok: false, kind: "tpm", used: 50, limit: 50 });
  });

  it("fails open with a warning when there is no connection", async () => {
    const down = new RedisRateLimiter({ client: () => null, prefix, warn: (_o, msg) => warnings.push(msg) });
    expect((await down.acquire([key({ rpm: 1 })])).ok).toBe(true);
    expect((await down.acquire([key({ rpm: 1 })])).ok).toBe(true);
    await down.addTokens([key()], 10);
    expect(warnings.filter((w) => w.includes("fail open"))).toHaveLength(1); // once per 10 s, not per request
  });
});
