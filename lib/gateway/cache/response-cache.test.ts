import { describe, expect, it } from "vitest";
import { MemoryResponseCache, responseCacheKey, type CachedAnswer } from "./response-cache";

const answer = (text: string): CachedAnswer => ({
  status: 200,
  text,
  contentType: "application/json",
  provider: "openai",
  path: "config",
  model: "gpt-4o",
  usage: null,
});

describe("MemoryResponseCache", () => {
  it("answers until max age passes", async () => {
    let now = 1_000;
    const cache = new MemoryResponseCache(10, 1_000_000, () => now);
    await cache.set("k", answer("a"), 500);
    expect((await cache.get("k"))?.text).toBe("a");
    now += 499;
    expect(await cache.get("k")).not.toBeNull();
    now += 1;
    expect(await cache.get("k")).toBeNull();
  });
  it("evicts the least recently used past its bounds", async () => {
    const cache = new MemoryResponseCache(2, 1_000_000);
    await cache.set("a", answer("1"), 60_000);
    await cache.set("b", answer("2"), 60_000);
    await cache.get("a");
    await cache.set("c", answer("3"), 60_000);
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).not.toBeNull();
    const small = new MemoryResponseCache(10, 5);
    await small.set("x", answer("1234"), 60_000);
    await small.set("y", answer("5678"), 60_000);
    expect(await small.get("x")).toBeNull();
    expect(await small.get("y")).not.toBeNull();
  });
  it("keys differ by workspace, endpoint, config and body", () => {
    const base = { workspaceId: "w", endpoint: "chat/completions", config: "pc-a@1", body: { model: "m" } };
    const k = responseCacheKey(base);
    expect(responseCacheKey({ ...base })).toBe(k);
    expect(responseCacheKey({ ...base, workspaceId: "w2" })).not.toBe(k);
    expect(responseCacheKey({ ...base, endpoint: "embeddings" })).not.toBe(k);
    expect(responseCacheKey({ ...base, config: "pc-a@2" })).not.toBe(k);
    expect(responseCacheKey({ ...base, body: { model: "n" } })).not.toBe(k);
  });
});
