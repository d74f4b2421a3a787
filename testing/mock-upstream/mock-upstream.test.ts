import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "./server";
import { AZURE_KEY, AZURE_VERSION, azure, chatBody, OPENAI_KEY, openai, sseData, sseJson } from "./testing";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const tokens = (s: string) => Math.ceil(s.length / 4);

describe("OpenAI routes", () => {
  it("answers chat/completions in OpenAI's shape with deterministic content and usage", async () => {
    const body = {
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: "What is the capital of France?" }] },
      ],
    };
    const res = await openai(mock.url, "chat/completions", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(Number(res.headers.get("openai-processing-ms"))).toBeGreaterThanOrEqual(0);
    expect(res.headers.get("x-ratelimit-remaining-requests")).toMatch(/^\d+$/);
    const json = await res.json();
    const content = "Mock answer from openai (key ...abcd) to: What is the capital of France?";
    expect(json.id).toMatch(/^chatcmpl-\w+$/);
    expect(json.created).toBeCloseTo(Date.now() / 1000, -1);
    expect(json).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o-mini",
      system_fingerprint: expect.stringMatching(/^fp_/),
      choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 11, completion_tokens: tokens(content), total_tokens: 11 + tokens(content) },
    });
    expect(json.choices).toHaveLength(1);
    expect(json.prompt_filter_results).toBeUndefined();
  });

  it("quotes only the first 40 characters of the last user message", async () => {
    const long = "0123456789".repeat(6);
    const res = await openai(mock.url, "chat/completions", {
      model: "m",
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "x" },
        { role: "user", content: long },
      ],
    });
    const json = await res.json();
    expect(json.choices[0].message.content).toBe(`Mock answer from openai (key ...abcd) to: ${long.slice(0, 40)}`);
  });

  it("streams chat chunks: role, ~5 content pieces, stop, [DONE]; no usage unless asked", async () => {
    const res = await openai(mock.url, "chat/completions", chatBody("Stream me", { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const chunks = sseJson(text);
    expect(chunks).toHaveLength(7);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    for (const c of chunks) {
      expect(c).toMatchObject({ object: "chat.completion.chunk", model: "gpt-4o-mini" });
      expect(c).not.toHaveProperty("usage");
    }
    // Field by field as OpenAI sends it (openai-openapi CreateChatCompletionStreamResponse): obfuscation last.
    expect(Object.keys(chunks[0]!)).toEqual([
      "id",
      "object",
      "created",
      "model",
      "service_tier",
      "system_fingerprint",
      "choices",
      "obfuscation",
    ]);
    expect(chunks[0]!.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
    ]);
    for (const c of chunks) expect(c.obfuscation).toMatch(/^[A-Za-z0-9]{0,15}$/);
    const pieces = chunks.slice(1, 6).map((c) => c.choices[0].delta.content as string);
    expect(pieces.join("")).toBe(`Mock answer from openai (key ...abcd) to: Stream me`);
    expect(chunks[6]!.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
  });

  it("adds the usage chunk (choices: []) when stream_options.include_usage is set", async () => {
    const body = chatBody("Count me", { stream: true, stream_options: { include_usage: true } });
    const chunks = sseJson(await (await openai(mock.url, "chat/completions", body)).text());
    const last = chunks.at(-1)!;
    const content = "Mock answer from openai (key ...abcd) to: Count me";
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: tokens(content), total_tokens: 2 + tokens(content) });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(mock.requests()[0]).toMatchObject({ stream: true, includeUsage: true });
  });

  it("cuts the answer at max_completion_tokens (else max_tokens) with finish_reason length, in JSON and streams", async () => {
    const json = await (await openai(mock.url, "chat/completions", chatBody("Cut me", { max_tokens: 3 }))).json();
    // 3 tokens of 4 characters: the first 12 characters of the answer.
    expect(json.choices[0]).toMatchObject({ message: { content: "Mock answer " }, finish_reason: "length" });
    expect(json.usage).toMatchObject({ completion_tokens: 3 });
    const both = await (await openai(mock.url, "chat/completions", chatBody("Cut me", { max_tokens: 3, max_completion_tokens: 2 }))).json();
    expect(both.choices[0].message.content).toBe("Mock ans");
    const roomy = await (await openai(mock.url, "chat/completions", chatBody("Cut me", { max_tokens: 500 }))).json();
    expect(roomy.choices[0].finish_reason).toBe("stop");
    const body = chatBody("Cut me", { stream: true, stream_options: { include_usage: true }, max_completion_tokens: 4 });
    const chunks = sseJson(await (await openai(mock.url, "chat/completions", body)).text());
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Mock answer from");
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe("length");
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 4 });
  });

  it("leaves out obfuscation when stream_options.include_obfuscation is false", async () => {
    const body = chatBody("Plain", { stream: true, stream_options: { include_obfuscation: false } });
    const chunks = sseJson(await (await openai(mock.url, "chat/completions", body)).text());
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c).not.toHaveProperty("obfuscation");
  });

  it("answers completions (JSON, one choice per prompt, and streaming)", async () => {
    const res = await openai(mock.url, "completions", { model: "gpt-3.5-turbo-instruct", prompt: ["Say A", "Say B"] });
    const json = await res.json();
    expect(json.id).toMatch(/^cmpl-/);
    expect(json).toMatchObject({ object: "text_completion", model: "gpt-3.5-turbo-instruct" });
    expect(json.choices).toEqual([
      { text: "Mock answer from openai (key ...abcd) to: Say A", index: 0, logprobs: null, finish_reason: "stop" },
      { text: "Mock answer from openai (key ...abcd) to: Say B", index: 1, logprobs: null, finish_reason: "stop" },
    ]);
    expect(json.usage).toEqual({ prompt_tokens: 4, completion_tokens: 24, total_tokens: 28 });

    const body = { model: "gpt-3.5-turbo-instruct", prompt: "Hi", stream: true, stream_options: { include_usage: true } };
    const text = await (await openai(mock.url, "completions", body)).text();
    const chunks = sseJson(text);
    expect(chunks.every((c) => c.object === "text_completion")).toBe(true);
    const texts = chunks.filter((c) => c.choices.length > 0 && c.choices[0].finish_reason === null);
    expect(texts.map((c) => c.choices[0].text).join("")).toBe("Mock answer from openai (key ...abcd) to: Hi");
    expect(chunks.at(-2)!.choices[0]).toEqual({ text: "", index: 0, logprobs: null, finish_reason: "stop" });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 11, total_tokens: 12 } });
    expect(sseData(text).at(-1)).toBe("[DONE]");
  });

  it("answers embeddings with deterministic unit vectors for a string or an array", async () => {
    const one = await (await openai(mock.url, "embeddings", { model: "text-embedding-3-small", input: "hello world" })).json();
    expect(one).toMatchObject({ object: "list", model: "text-embedding-3-small", usage: { prompt_tokens: 3, total_tokens: 3 } });
    expect(one.data).toHaveLength(1);
    const v: number[] = one.data[0].embedding;
    expect(one.data[0]).toMatchObject({ object: "embedding", index: 0 });
    expect(v).toHaveLength(8);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);

    const many = await (await openai(mock.url, "embeddings", { model: "e", input: ["hello world", "other"] })).json();
    expect(many.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(many.data[0].embedding).toEqual(v);
    expect(many.data[1].embedding).not.toEqual(v);
    expect(many.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });

    const b64 = await (await openai(mock.url, "embeddings", { model: "e", input: "hello world", encoding_format: "base64" })).json();
    const floats = new Float32Array(new Uint8Array(Buffer.from(b64.data[0].embedding, "base64")).buffer);
    expect(Array.from(floats).map((x) => Number(x.toFixed(5)))).toEqual(v.map((x) => Number(x.toFixed(5))));
  });

  it("lists models", async () => {
    const res = await fetch(`${mock.url}/v1/models`, { headers: { authorization: `Bearer ${OPENAI_KEY}` } });
    const json = await res.json();
    expect(json.object).toBe("list");
    expect(json.data.length).toBeGreaterThan(3);
    expect(json.data[0]).toEqual({ id: "gpt-4o", object: "model", created: expect.any(Number), owned_by: "system" });
  });

  it("rejects a missing key and sk-invalid keys with OpenAI's 401 bodies", async () => {
    const missing = await openai(mock.url, "chat/completions", chatBody("x"), null);
    expect(missing.status).toBe(401);
    const m = await missing.json();
    expect(m.error).toMatchObject({ type: "invalid_request_error", param: null, code: null });
    expect(m.error.message).toMatch(/^You didn't provide an API key/);

    const bad = await openai(mock.url, "chat/completions", chatBody("x"), "sk-invalid-0123456789");
    expect(bad.status).toBe(401);
    expect((await bad.json()).error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key", param: null });
    expect(mock.requests().map((r) => [r.key, r.status])).toEqual([
      [undefined, 401],
      ["sk-invalid-0123456789", 401],
    ]);
  });

  it("answers invalid JSON, a missing model and unknown URLs like OpenAI", async () => {
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPENAI_KEY}`, "content-type": "application/json" },
      body: '{"model": "gpt-4o", ',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ type: "invalid_request_error", param: null, code: null });
    const noModel = await openai(mock.url, "chat/completions", { messages: [{ role: "user", content: "x" }] });
    expect(noModel.status).toBe(400);
    expect((await noModel.json()).error.message).toBe("you must provide a model parameter");
    const unknown = await openai(mock.url, "nope", {});
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toBe("Invalid URL (POST /v1/nope)");
  });
});

describe("Azure routes", () => {
  it("answers chat with the deployment's model, filter results and Azure headers", async () => {
    const res = await azure(mock.url, "prod-4o", "chat/completions", { messages: [{ role: "user", content: "Hello" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("apim-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const json = await res.json();
    expect(json).toMatchObject({
      object: "chat.completion",
      model: "prod-4o",
      choices: [
        {
          message: { role: "assistant", content: "Mock answer from azure (key ...wxyz) to: Hello" },
          finish_reason: "stop",
          content_filter_results: { hate: { filtered: false, severity: "safe" } },
        },
      ],
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: { jailbreak: { filtered: false, detected: false } } }],
    });
    const withModel = await azure(mock.url, "prod-4o", "chat/completions", chatBody("Hi"));
    expect((await withModel.json()).model).toBe("gpt-4o-mini");
    expect(mock.requests({ deployment: "prod-4o" })[0]).toMatchObject({
      provider: "azure",
      path: "chat/completions",
      apiVersion: AZURE_VERSION,
      key: AZURE_KEY,
      status: 200,
    });
  });

  it("streams with a leading prompt_filter_results chunk with empty choices", async () => {
    const body = { messages: [{ role: "user", content: "Hello" }], stream: true, stream_options: { include_usage: true } };
    const text = await (await azure(mock.url, "dep", "chat/completions", body)).text();
    const chunks = sseJson(text);
    expect(chunks[0]).toMatchObject({ choices: [], id: "", object: "", prompt_filter_results: [{ prompt_index: 0 }] });
    expect(chunks[1]!.choices[0]).toMatchObject({ delta: { role: "assistant", content: "" }, content_filter_results: {} });
    expect(chunks[2]!.choices[0].content_filter_results.violence).toEqual({ filtered: false, severity: "safe" });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2 } });
    expect(sseData(text).at(-1)).toBe("[DONE]");
  });

  it("answers completions and embeddings", async () => {
    const c = await (await azure(mock.url, "instruct", "completions", { prompt: "Hey" })).json();
    expect(c).toMatchObject({ object: "text_completion", model: "instruct", prompt_filter_results: [{ prompt_index: 0 }] });
    expect(c.choices[0]).toMatchObject({ text: "Mock answer from azure (key ...wxyz) to: Hey", content_filter_results: {} });
    const e = await (await azure(mock.url, "embed", "embeddings", { input: ["a", "b"] })).json();
    expect(e).toMatchObject({ object: "list", model: "embed", usage: { prompt_tokens: 2, total_tokens: 2 } });
    expect(e.data).toHaveLength(2);
  });

  it("answers a missing key with 401 and a missing api-version with 404, Azure-style", async () => {
    const noKey = await azure(mock.url, "dep", "chat/completions", chatBody("x"), null);
    expect(noKey.status).toBe(401);
    const body = await noKey.json();
    expect(body.error.code).toBe("401");
    expect(body.error.message).toMatch(/^Access denied due to invalid subscription key or wrong API endpoint/);
    const noVersion = await fetch(`${mock.url}/openai/deployments/dep/chat/completions`, {
      method: "POST",
      headers: { "api-key": AZURE_KEY, "content-type": "application/json" },
      body: JSON.stringify(chatBody("x")),
    });
    expect(noVersion.status).toBe(404);
    expect(await noVersion.json()).toEqual({ error: { code: "404", message: "Resource not found" } });
  });
});

describe("options", () => {
  let custom: MockUpstream;
  beforeAll(async () => {
    custom = await startMockUpstream({
      azurePromptFilterChunk: false,
      azureDeployments: { "my-4o": "gpt-4o-2024-08-06" },
      latencyMs: 30,
      maxRecords: 3,
    });
  });
  afterAll(() => custom.close());

  it("maps deployments, rejects unknown ones, can drop the prompt-filter chunk, adds latency", async () => {
    const started = performance.now();
    const body = { messages: [{ role: "user", content: "x" }], stream: true };
    const chunks = sseJson(await (await azure(custom.url, "my-4o", "chat/completions", body)).text());
    expect(performance.now() - started).toBeGreaterThanOrEqual(28);
    expect(chunks[0]!.choices[0].delta.role).toBe("assistant");
    expect(chunks.every((c) => c.model === "gpt-4o-2024-08-06")).toBe(true);
    const unknown = await azure(custom.url, "other", "chat/completions", chatBody("x"));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("DeploymentNotFound");
  });

  it("keeps only the last maxRecords requests", async () => {
    custom.reset();
    for (let i = 0; i < 5; i++) await (await openai(custom.url, "embeddings", { model: `m${i}`, input: "x" })).text();
    expect(custom.requests().map((r) => r.model)).toEqual(["m2", "m3", "m4"]);
  });
});

describe("record and control API", () => {
  it("filters the record in-process and over HTTP", async () => {
    await (await openai(mock.url, "chat/completions", chatBody("a"), "sk-one")).text();
    await (await openai(mock.url, "chat/completions", chatBody("b"), "sk-two")).text();
    await (await azure(mock.url, "d1", "embeddings", { input: "c" })).text();
    expect(mock.requests({ key: "sk-two" }).map((r) => r.seq)).toHaveLength(1);
    const all = mock.requests();
    expect(all.map((r) => r.seq)).toEqual([...all.map((r) => r.seq)].sort((a, b) => a - b));
    expect(all[0]).toMatchObject({ provider: "openai", key: "sk-one", model: "gpt-4o-mini", stream: false, aborted: false, settled: true });
    const http = await (await fetch(`${mock.url}/__mock/requests?provider=azure&deployment=d1`)).json();
    expect(http).toHaveLength(1);
    expect(http[0]).toMatchObject({ provider: "azure", deployment: "d1", path: "embeddings", key: AZURE_KEY, status: 200 });
  });

  it("scripts, lists, clears and resets over HTTP", async () => {
    const bad = await fetch(`${mock.url}/__mock/script`, { method: "POST", body: JSON.stringify({ fault: { kind: "nope" } }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/unknown fault kind/);
    const rule = { match: { key: "sk-limited" }, fault: { kind: "status", status: 429 }, times: 2 };
    const { id } = await (await fetch(`${mock.url}/__mock/script`, { method: "POST", body: JSON.stringify(rule) })).json();
    expect(id).toMatch(/^rule_\d+$/);
    expect((await openai(mock.url, "chat/completions", chatBody("x"), "sk-limited")).status).toBe(429);
    const listed = await (await fetch(`${mock.url}/__mock/script`)).json();
    expect(listed).toEqual([{ ...rule, id, remaining: 1, applied: 1 }]);
    expect((await fetch(`${mock.url}/__mock/script`, { method: "DELETE" })).status).toBe(200);
    expect(mock.rules()).toEqual([]);
    expect((await openai(mock.url, "chat/completions", chatBody("x"), "sk-limited")).status).toBe(200);
    expect((await fetch(`${mock.url}/__mock/reset`, { method: "POST" })).status).toBe(200);
    expect(mock.requests()).toEqual([]);
  });

  it("rejects invalid rules in-process", () => {
    expect(() => mock.script({ fault: { kind: "delay" } } as never)).toThrow(/ms must be/);
    expect(() => mock.script({ fault: { kind: "hang" }, probability: 2 })).toThrow(/probability/);
    expect(() => mock.script({ fault: { kind: "hang" }, match: { provider: "gcp" } } as never)).toThrow(/provider/);
  });
});
