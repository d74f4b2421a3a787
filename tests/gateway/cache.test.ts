/**
 * `cache: {mode: "simple"}` (docs/GATEWAY.md §5.5): MISS then HIT for the same request, logged with
 * cost 0 and the cost it saved; force-refresh; streams bypass it; and the key's scope: a request
 * whose answer would differ (another provider key, destination, client header, key rotation) is
 * never answered with another request's answer. Each case runs on both stores: this process's
 * memory, and Redis (REDIS_URL: DETOUR_TEST_REDIS_URL, under a prefix of its own).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, withKey } from "../../testing/api-client";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { connectTestRedis, REDIS_REQUIRED, TEST_REDIS_URL } from "../../testing/test-redis";

const redis = await connectTestRedis("gateway cache.test");
redis.client.disconnect();
const STORES = [
  ["in memory", {}],
  ...(redis.up || REDIS_REQUIRED
    ? [
        [
          "in Redis",
          {
            REDIS_URL: TEST_REDIS_URL,
            DETOUR_REDIS_PREFIX: `detour-gw-cache-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`,
          },
        ],
      ]
    : []),
] as [string, Record<string, string>][];

describe.each(STORES)("simple cache, %s", (_store, env) => {
  let h: Harness;
  let vk: string;
  let config: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY, ...env });
    vk = await h.openaiKey("OpenAI");
    config = JSON.stringify({ cache: { mode: "simple", max_age: 60 }, virtual_key: vk });
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const send = async (headers: Record<string, string>, body = chatBody({ messages: [{ role: "user", content: "cache me" }] })) => {
    const res = await fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });
    return { res, text: await res.text() };
  };

  it("answers the same request from the cache, logged as a HIT that cost nothing", async () => {
    const first = await send({ "x-portkey-config": config });
    expect(first.res.headers.get("x-portkey-cache-status")).toBe("MISS");
    const second = await send({ "x-portkey-config": config });
    expect(second.res.headers.get("x-portkey-cache-status")).toBe("HIT");
    expect(second.text).toBe(first.text);
    expect(h.mock.requests()).toHaveLength(1);
    const log = await h.waitForLog(second.res.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ cacheStatus: "HIT", cost: 0, provider: "openai", status: 200 });
    expect(log.totalTokens).toBeGreaterThan(0);
    // What the hit saved: the original answer's cost (same usage, model and prices).
    const original = await h.waitForLog(first.res.headers.get("x-portkey-request-id")!);
    expect(original.cost).toBeGreaterThan(0);
    expect(original.costSaved).toBeNull();
    expect(log.costSaved).toBeCloseTo(original.cost!, 12);
  });

  it("another body is a MISS; force-refresh skips the read and refreshes", async () => {
    const other = await send({ "x-portkey-config": config }, chatBody({ messages: [{ role: "user", content: "something else" }] }));
    expect(other.res.headers.get("x-portkey-cache-status")).toBe("MISS");
    const refresh = await send({ "x-portkey-config": config, "x-portkey-cache-force-refresh": "true" });
    expect(refresh.res.headers.get("x-portkey-cache-status")).toBe("REFRESH");
    expect(h.mock.requests()).toHaveLength(2);
  });

  it("streams and configs without cache are not cached", async () => {
    const streamed = await send({ "x-portkey-config": config }, chatBody({ stream: true }));
    expect(streamed.res.headers.get("x-portkey-cache-status")).toBe("DISABLED");
    const plain = await send({ "x-portkey-virtual-key": vk });
    expect(plain.res.headers.get("x-portkey-cache-status")).toBe("DISABLED");
  });

  it("errors are never cached", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 500 }, times: 1 });
    const body = chatBody({ messages: [{ role: "user", content: "fails once" }] });
    const failed = await send({ "x-portkey-config": config }, body);
    expect(failed.res.status).toBe(500);
    const ok = await send({ "x-portkey-config": config }, body);
    expect(ok.res.status).toBe(200);
    expect(ok.res.headers.get("x-portkey-cache-status")).toBe("MISS");
  });

  describe("the key's scope", () => {
    const body = (content: string) => chatBody({ messages: [{ role: "user", content }] });

    it("direct mode: another provider key is another key (its answer is its own)", async () => {
      const inline = JSON.stringify({ cache: { mode: "simple", max_age: 60 }, provider: "openai", custom_host: `${h.mock.url}/v1` });
      const direct = (secret: string) => ({
        "x-portkey-config": inline,
        "x-portkey-provider": "openai",
        authorization: `Bearer ${secret}`,
      });
      const a = await send(direct("sk-direct-aaaa"), body("direct"));
      const b = await send(direct("sk-direct-bbbb"), body("direct"));
      expect(a.res.status).toBe(200);
      expect(b.res.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(b.text).toContain("...bbbb");
      expect(h.mock.requests()).toHaveLength(2);
      const again = await send(direct("sk-direct-bbbb"), body("direct"));
      expect(again.res.headers.get("x-portkey-cache-status")).toBe("HIT");
    });

    it("x-portkey-custom-host: another destination is another key", async () => {
      // A target with its own api_key (a virtual key refuses destinations it does not allow).
      const inline = JSON.stringify({ cache: { mode: "simple", max_age: 60 }, provider: "openai", api_key: "sk-host-dddd" });
      const port = new URL(h.mock.url).port;
      const first = await send({ "x-portkey-config": inline, "x-portkey-custom-host": `http://127.0.0.1:${port}/v1` }, body("host"));
      const other = await send({ "x-portkey-config": inline, "x-portkey-custom-host": `http://localhost:${port}/v1` }, body("host"));
      expect(first.text).toContain("...dddd");
      expect(first.res.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(other.res.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(h.mock.requests()).toHaveLength(2);
    });

    it("a rotated virtual key is another key", async () => {
      const own = await h.openaiKey("Rotated", "sk-before-1111");
      const rotating = JSON.stringify({ cache: { mode: "simple", max_age: 60 }, virtual_key: own });
      const before = await send({ "x-portkey-config": rotating }, body("rotation"));
      expect(before.text).toContain("...1111");
      // Through the management API: the gateway drops its cached key before the answer (§11).
      const rotated = await withKey(h, ADMIN_KEY).put(`/virtual-keys/${own}`, { key: "sk-after-2222" });
      expect(rotated.status, rotated.text).toBe(200);
      const after = await send({ "x-portkey-config": rotating }, body("rotation"));
      expect(after.res.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(after.text).toContain("...2222");
    });

    it("/v1/messages: anthropic-version and anthropic-beta, passed upstream as sent, are part of the key", async () => {
      const claude = await h.vk({ name: "Claude cached", provider: "anthropic", secret: "sk-ant-cache-cccc", customHost: h.mock.url });
      const cached = JSON.stringify({ cache: { mode: "simple", max_age: 60 }, virtual_key: claude });
      const message = { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "versions" }] };
      const post = async (extra: Record<string, string>) => {
        const res = await fetch(`${h.url}/v1/messages`, {
          method: "POST",
          headers: h.headers({ "x-portkey-config": cached, ...extra }),
          body: JSON.stringify(message),
        });
        await res.text();
        return res.headers.get("x-portkey-cache-status");
      };
      expect(await post({ "anthropic-version": "2023-06-01" })).toBe("MISS");
      expect(await post({ "anthropic-version": "2023-06-01" })).toBe("HIT");
      expect(await post({ "anthropic-version": "2023-06-01", "anthropic-beta": "some-beta-2025-01-01" })).toBe("MISS");
      expect(await post({ "anthropic-version": "2023-01-01" })).toBe("MISS");
      expect(h.mock.requests()).toHaveLength(3);
    });
  });
});
