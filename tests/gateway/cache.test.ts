/** `cache: {mode: "simple"}`: MISS then HIT for the same request; force-refresh; streams bypass it. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

describe("simple cache", () => {
  let h: Harness;
  let vk: string;
  let config: string;

  beforeAll(async () => {
    h = await startHarness();
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
});
