/**
 * The OpenAI-compatible adapters against a real HTTP server: each request built by its adapter
 * (custom_host = the mock's prefix for that provider + its default base path), sent with fetch to
 * testing/mock-upstream, checked through the mock's record; the provider's own error bodies come
 * back through `normalizeError` in OpenAI's shape.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { built } from "@/testing/build-result";
import { NAMED_PROVIDERS, type NamedProvider } from "@/testing/mock-upstream/named-providers";
import { startMockUpstream, type MockUpstream } from "@/testing/mock-upstream/server";
import { sseData } from "@/testing/mock-upstream/testing";
import { getProviderAdapter } from "../registry";
import { isBuildError, type ProviderAdapter, type UpstreamRequest } from "../types";

const KEY = "key-roundtrip-5678";
const CHAT = { model: "mock-model", messages: [{ role: "user", content: "Hello there" }] };
const PROVIDERS = Object.keys(NAMED_PROVIDERS) as NamedProvider[];

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

function adapterOf(id: string): ProviderAdapter {
  const adapter = getProviderAdapter(id);
  if (!adapter) throw new Error(`no adapter for ${id}`);
  return adapter;
}

const send = (req: UpstreamRequest) => fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
const creds = (id: NamedProvider, apiKey = KEY) => ({
  ...adapterOf(id).credentials(apiKey, null, {}),
  customHost: `${mock.url}/${id}${NAMED_PROVIDERS[id].basePath}`,
});

describe.each(PROVIDERS)("%s over HTTP", (id) => {
  const adapter = adapterOf(id);

  it("reaches its prefix with the Bearer key, JSON and stream", async () => {
    const res = await send(built(adapter.buildRequest("chat/completions", CHAT, creds(id))));
    expect(res.status).toBe(200);
    expect((await res.json()).choices[0].message.content).toBe(`Mock answer from ${id} (key ...5678) to: Hello there`);
    const streamed = await send(built(adapter.buildRequest("chat/completions", { ...CHAT, stream: true }, creds(id))));
    expect(sseData(await streamed.text()).at(-1)).toBe("[DONE]");
    expect(mock.requests()).toMatchObject([
      { provider: id, path: "chat/completions", key: KEY, stream: false },
      { provider: id, path: "chat/completions", key: KEY, stream: true },
    ]);
  });

  it("serves every endpoint its adapter builds (the mock knows the same paths)", async () => {
    for (const endpoint of ["completions", "embeddings"] as const) {
      const result = adapter.buildRequest(endpoint, { model: "m", prompt: "p", input: "i" }, creds(id));
      if (isBuildError(result)) continue;
      expect((await send(result)).status, endpoint).toBe(200);
    }
    const models = adapter.modelsRequest?.(creds(id));
    if (models) expect((await send(models)).status).toBe(200);
  });

  it("normalises its own error bodies to OpenAI's shape (a bad key, a scripted 429 and 503)", async () => {
    const bad = await send(built(adapter.buildRequest("chat/completions", CHAT, creds(id, "sk-invalid-0000"))));
    const badError = adapter.normalizeError(bad.status, await bad.text());
    expect(badError.status).toBe(bad.status);
    expect(badError.body.error.message.length).toBeGreaterThan(0);
    for (const status of [429, 503]) {
      mock.script({ match: { provider: id }, fault: { kind: "status", status }, times: 1 });
      const res = await send(built(adapter.buildRequest("chat/completions", CHAT, creds(id))));
      const normalized = adapter.normalizeError(res.status, await res.text());
      expect(normalized.status).toBe(status);
      expect(Object.keys(normalized.body.error).sort()).toEqual(["code", "message", "param", "type"]);
      // A readable message, never the quoted raw body of a shape the adapter did not know.
      expect(normalized.body.error.message).not.toMatch(/returned HTTP/);
    }
  });
});
