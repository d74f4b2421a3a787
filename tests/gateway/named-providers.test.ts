/**
 * The OpenAI-compatible providers through Detour over real HTTP (docs/GATEWAY.md §1): one chat
 * request per named provider, its target's custom_host the mock upstream's prefix for it + the
 * provider's default base path, checked in the answer, the mock's record and the log row; plus a
 * virtual key of a provider without a default host, a refused endpoint, a provider error body
 * normalised, and cost by provider.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NAMED_PROVIDER_IDS, NAMED_PROVIDERS, type NamedProvider } from "../../testing/mock-upstream/named-providers";
import { startHarness, type Harness } from "../../testing/gateway-harness";

describe("named OpenAI-compatible providers", () => {
  let h: Harness;
  const secret = "key-named-gateway-9876";

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const hostOf = (id: NamedProvider) => `${h.mock.url}/${id}${NAMED_PROVIDERS[id].basePath}`;

  async function send(path: string, headers: Record<string, string>, body: Record<string, unknown>) {
    const res = await fetch(`${h.baseURL}/${path}`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, any>;
    return { res, status: res.status, json, requestId: res.headers.get("x-portkey-request-id")! };
  }

  const inline = (id: string, extra: Record<string, unknown> = {}) => ({
    "x-portkey-config": JSON.stringify({ provider: id, api_key: secret, custom_host: hostOf(id as NamedProvider), ...extra }),
  });
  const chat = (model = "mock-model") => ({ model, messages: [{ role: "user", content: "Hello from Detour" }] });

  it.each(NAMED_PROVIDER_IDS)("%s: a chat completion reaches its default path and is logged under its id", async (id) => {
    const r = await send("chat/completions", inline(id), chat());
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.choices[0].message.content).toBe(`Mock answer from ${id} (key ...9876) to: Hello from Detour`);
    expect(r.res.headers.get("x-portkey-provider")).toBe(id);
    expect(h.mock.requests()).toMatchObject([{ provider: id, path: "chat/completions", key: secret, model: "mock-model", status: 200 }]);
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ provider: id, status: 200, model: "mock-model", cost: null });
    expect(log.attempts).toMatchObject([{ provider: id, status: 200 }]);
  });

  it("serves an ollama virtual key at its stored custom host, streaming", async () => {
    const slug = await h.vk({ name: "Local Ollama", provider: "ollama", secret: "ollama", customHost: hostOf("ollama") });
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": slug }),
      body: JSON.stringify({ ...chat("llama3.2"), stream: true }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"object":"chat.completion.chunk"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ provider: "ollama", virtualKeySlug: slug, stream: true });
  });

  it("refuses a config target of a provider without a default host that names none", async () => {
    const r = await send("chat/completions", { "x-portkey-config": JSON.stringify({ provider: "ollama", api_key: "x" }) }, chat());
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: "invalid_config", message: expect.stringContaining("custom_host") });
    expect(h.mock.requests()).toEqual([]);
  });

  it("refuses an endpoint the provider does not serve, naming it, before any upstream call", async () => {
    const r = await send("embeddings", inline("groq"), { model: "m", input: "x" });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({
      code: "endpoint_not_supported",
      message: expect.stringContaining("Groq does not serve /v1/embeddings."),
    });
    expect(h.mock.requests()).toEqual([]);
  });

  it("relays a provider's own error body in OpenAI's shape (Google's array, OpenRouter's numeric code)", async () => {
    h.mock.script({ match: { provider: "google" }, fault: { kind: "status", status: 400 }, times: 1 });
    const g = await send("chat/completions", inline("google"), chat());
    expect(g.status).toBe(400);
    expect(g.json).toEqual({ error: { message: "Invalid request.", type: null, param: null, code: "INVALID_ARGUMENT" } });
    h.mock.script({ match: { provider: "openrouter" }, fault: { kind: "status", status: 402 }, times: 1 });
    const o = await send("chat/completions", inline("openrouter"), chat());
    expect(o.status).toBe(402);
    expect(o.json.error).toMatchObject({ code: "402", message: expect.any(String) });
  });

  it("prices an answer by the provider that served it", async () => {
    const groq = await send("chat/completions", inline("groq"), chat("llama-3.3-70b-versatile"));
    const together = await send("chat/completions", inline("together-ai"), chat("llama-3.3-70b-versatile"));
    const groqLog = await h.waitForLog(groq.requestId);
    const togetherLog = await h.waitForLog(together.requestId);
    const { prompt_tokens: p, completion_tokens: c } = groq.json.usage;
    expect(groqLog.cost).toBeCloseTo((p * 0.59 + c * 0.79) / 1_000_000, 10);
    expect(togetherLog.cost).toBeNull();
  });
});
