import { describe, expect, it } from "vitest";
import { MemoryResponseCache, responseCacheKey, type CachedAnswer, type CacheScope } from "./response-cache";

const answer = (text: string): CachedAnswer => ({
  status: 200,
  text,
  contentType: "application/json",
  provider: "openai",
  path: "config",
  model: "gpt-4o",
  usage: null,
});

const scope: CacheScope = {
  workspaceId: "w",
  endpoint: "chat/completions",
  config: "saved:cfg_1@1",
  virtualKey: null,
  direct: null,
  customHost: null,
  targets: ["openai:vk_1@1"],
  clientHeaders: [],
  body: { model: "m" },
};

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
    const k = responseCacheKey(scope);
    expect(responseCacheKey({ ...scope })).toBe(k);
    expect(responseCacheKey({ ...scope, workspaceId: "w2" })).not.toBe(k);
    expect(responseCacheKey({ ...scope, endpoint: "embeddings" })).not.toBe(k);
    expect(responseCacheKey({ ...scope, config: "saved:cfg_1@2" })).not.toBe(k);
    expect(responseCacheKey({ ...scope, body: { model: "n" } })).not.toBe(k);
  });
  it("keys differ by everything else that changes the answer", () => {
    const k = responseCacheKey(scope);
    // A config deleted and made again under the same slug is another config (its id).
    expect(responseCacheKey({ ...scope, config: "saved:cfg_2@1" })).not.toBe(k);
    expect(responseCacheKey({ ...scope, virtualKey: "openai-b" })).not.toBe(k);
    expect(responseCacheKey({ ...scope, customHost: "https://other.example/v1" })).not.toBe(k);
    // A rotated virtual key may reach another account or destination.
    expect(responseCacheKey({ ...scope, targets: ["openai:vk_1@2"] })).not.toBe(k);
    expect(responseCacheKey({ ...scope, clientHeaders: [["anthropic-version", "2024-01-01"]] })).not.toBe(k);
    expect(responseCacheKey({ ...scope, clientHeaders: [["anthropic-beta", "a"]] })).not.toBe(
      responseCacheKey({ ...scope, clientHeaders: [["anthropic-beta", "b"]] }),
    );
    const direct = { provider: "anthropic", apiKey: "sk-a", fields: { anthropic_version: "2023-06-01" } };
    const d = responseCacheKey({ ...scope, direct });
    expect(d).not.toBe(k);
    expect(responseCacheKey({ ...scope, direct: { ...direct, apiKey: "sk-b" } })).not.toBe(d);
    expect(responseCacheKey({ ...scope, direct: { ...direct, provider: "openai" } })).not.toBe(d);
    expect(responseCacheKey({ ...scope, direct: { ...direct, fields: { anthropic_version: "2024-01-01" } } })).not.toBe(d);
    expect(
      responseCacheKey({ ...scope, direct: { ...direct, fields: { anthropic_version: "2023-06-01", anthropic_beta: "x" } } }),
    ).not.toBe(d);
  });
  it("the key is a hash: no secret of the scope is readable in it", () => {
    const key = responseCacheKey({ ...scope, direct: { provider: "openai", apiKey: "sk-secret-123", fields: null } });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });
});
