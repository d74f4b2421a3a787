import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NAMED_PROVIDER_IDS, NAMED_PROVIDERS, type NamedProvider } from "./named-providers";
import { startMockUpstream, type MockUpstream } from "./server";
import { readBody } from "./testing";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const KEY = "key-named-1234";
const base = (id: NamedProvider) => `${mock.url}/${id}${NAMED_PROVIDERS[id].basePath}`;

function post(id: NamedProvider, path: string, body: unknown, key: string | null = KEY): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(`${base(id)}/${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: "mock-model",
  messages: [{ role: "user", content: "Hello there" }],
  ...extra,
});

describe.each(NAMED_PROVIDER_IDS)("%s under its prefix", (id) => {
  it("answers a chat completion in OpenAI's format and records the provider and key", async () => {
    const res = await post(id, "chat/completions", chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(res.headers.get("openai-organization")).toBeNull();
    const json = await res.json();
    expect(json).toMatchObject({
      object: "chat.completion",
      model: "mock-model",
      choices: [{ index: 0, message: { role: "assistant", content: `Mock answer from ${id} (key ...1234) to: Hello there` } }],
      usage: { prompt_tokens: 3 },
    });
    expect(mock.requests({ provider: id })).toMatchObject([
      { provider: id, path: "chat/completions", key: KEY, model: "mock-model", status: 200 },
    ]);
  });

  it("streams OpenAI's chunks", async () => {
    const res = await post(id, "chat/completions", chat({ stream: true }));
    const { text } = await readBody(res);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(text).toContain('"object":"chat.completion.chunk"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("refuses a missing or invalid key in its own shape", async () => {
    for (const key of [null, "sk-invalid-xyz"]) {
      const res = await post(id, "chat/completions", chat(), key);
      expect([400, 401, 403]).toContain(res.status);
      expect((await res.text()).length).toBeGreaterThan(0);
    }
  });

  it("answers the status fault with its own error body", async () => {
    mock.script({ match: { provider: id }, fault: { kind: "status", status: 429 } });
    const res = await post(id, "chat/completions", chat());
    expect(res.status).toBe(429);
    const body = await res.json();
    const shapes: Record<string, unknown> = {
      openai: { error: { message: expect.any(String), type: "rate_limit_error", param: null, code: "rate_limit_exceeded" } },
      ollama: { error: { message: expect.any(String), type: "api_error", param: null, code: null } },
      mistral: { object: "error", message: expect.any(String), type: "rate_limit_error", param: null, code: null },
      google: [{ error: { code: 429, message: expect.any(String), status: "RESOURCE_EXHAUSTED" } }],
      openrouter: { error: { code: 429, message: expect.any(String) } },
      xai: { code: "Some resource has been exhausted", error: expect.any(String) },
      perplexity: { error: { message: expect.any(String), type: "rate_limit_exceeded", code: 429 } },
    };
    expect(body).toEqual(shapes[NAMED_PROVIDERS[id].errors]);
  });

  it("serves only its own paths (404 in its shape for the others)", async () => {
    const spec = NAMED_PROVIDERS[id];
    for (const path of ["completions", "embeddings"] as const) {
      const res = await post(id, path, { model: "m", prompt: "p", input: "i" });
      expect(res.status, path).toBe((spec.paths as readonly string[]).includes(path) ? 200 : 404);
    }
    const models = await fetch(`${base(id)}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(models.status).toBe((spec.paths as readonly string[]).includes("models") ? 200 : 404);
  });
});

describe("provider-specific shapes", () => {
  it("Google answers a bad key 400 INVALID_ARGUMENT in an array, a missing one 403", async () => {
    const bad = await post("google", "chat/completions", chat(), "sk-invalid-1");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([
      { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } },
    ]);
    expect((await post("google", "chat/completions", chat(), null)).status).toBe(403);
  });

  it("Mistral answers a bad key with its gateway's {message, request_id}", async () => {
    const res = await post("mistral-ai", "chat/completions", chat(), "sk-invalid-1");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "Unauthorized", request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("OpenRouter names the failing provider in metadata on a 502", async () => {
    mock.script({ match: { provider: "openrouter" }, fault: { kind: "status", status: 502 } });
    const res = await post("openrouter", "chat/completions", chat());
    expect(await res.json()).toEqual({
      error: { code: 502, message: "Provider returned error", metadata: { provider_name: "Mock", raw: expect.any(String) } },
    });
  });

  it("Perplexity's front server answers a bad key with HTML", async () => {
    const res = await post("perplexity-ai", "chat/completions", chat(), "sk-invalid-1");
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("<title>401 Authorization Required</title>");
  });

  it("Together lists its models as a bare array", async () => {
    const res = await fetch(`${base("together-ai")}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    const json = await res.json();
    expect(Array.isArray(json)).toBe(true);
    expect(json[0]).toMatchObject({ id: expect.any(String), object: "model", type: "chat" });
  });

  it("keeps the bare OpenAI and Azure routes as they were", async () => {
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify(chat()),
    });
    expect((await res.json()).choices[0].message.content).toMatch(/^Mock answer from openai/);
    expect((await fetch(`${mock.url}/groq/v1/chat/completions`, { method: "POST" })).status).toBe(404);
  });
});
