import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "./server";
import { ANTHROPIC_KEY, anthropic, messagesBody, openai, OPENAI_KEY, chatBody, readBody, sseEvents, sseJson } from "./testing";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const tokens = (s: string) => Math.ceil(s.length / 4);
const answer = (prompt: string) => `Mock answer from anthropic (key ...wxyz) to: ${prompt.slice(0, 40)}`;
const weatherTool = {
  name: "get_weather",
  description: "Current weather",
  input_schema: {
    type: "object",
    properties: {
      city: { type: "string" },
      days: { type: "integer" },
      unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      note: { type: "string" },
    },
    required: ["city", "days", "unit"],
  },
};

describe("POST /v1/messages (JSON)", () => {
  it("answers a Message with deterministic text, usage and Anthropic's headers", async () => {
    const res = await anthropic(mock.url, "messages", messagesBody("What is the capital of France?", { system: "Be terse." }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const requestId = res.headers.get("request-id");
    expect(requestId).toMatch(/^req_011[0-9A-Za-z]{24}$/);
    for (const kind of ["requests", "input-tokens", "output-tokens", "tokens"]) {
      expect(res.headers.get(`anthropic-ratelimit-${kind}-limit`)).toMatch(/^\d+$/);
      expect(res.headers.get(`anthropic-ratelimit-${kind}-remaining`)).toMatch(/^\d+$/);
      expect(res.headers.get(`anthropic-ratelimit-${kind}-reset`)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const json = await res.json();
    const text = answer("What is the capital of France?");
    expect(Object.keys(json)).toEqual(["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"]);
    expect(json.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(json).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: tokens("Be terse.What is the capital of France?"),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: tokens(text),
        service_tier: "standard",
      },
    });
    expect(mock.requests()).toMatchObject([
      {
        provider: "anthropic",
        path: "messages",
        key: ANTHROPIC_KEY,
        model: "claude-sonnet-4-5",
        anthropicVersion: "2023-06-01",
        stream: false,
        status: 200,
      },
    ]);
  });

  it("records anthropic-beta and quotes only the first 40 characters of the last user text", async () => {
    const long = "0123456789".repeat(6);
    const body = messagesBody("first", {
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: [{ type: "text", text: long }] },
      ],
    });
    const json = await (await anthropic(mock.url, "messages", body, ANTHROPIC_KEY, { "anthropic-beta": "a-1,b-2" })).json();
    expect(json.content[0].text).toBe(answer(long));
    expect(mock.requests()[0]?.anthropicBeta).toBe("a-1,b-2");
  });

  it("stops at max_tokens with stop_reason max_tokens", async () => {
    const json = await (await anthropic(mock.url, "messages", messagesBody("Hello", { max_tokens: 3 }))).json();
    expect(json.content[0].text).toBe(answer("Hello").slice(0, 12));
    expect(json).toMatchObject({ stop_reason: "max_tokens", usage: { output_tokens: 3 } });
  });

  it("calls the tool tool_choice forces, with the schema's required properties", async () => {
    for (const tool_choice of [{ type: "tool", name: "get_weather" }, { type: "any" }]) {
      const body = messagesBody("Weather?", { tools: [weatherTool, { name: "other", input_schema: { type: "object" } }], tool_choice });
      const json = await (await anthropic(mock.url, "messages", body)).json();
      expect(json.stop_reason).toBe("tool_use");
      expect(json.content).toEqual([
        {
          type: "tool_use",
          id: expect.stringMatching(/^toolu_01[0-9A-Za-z]{22}$/),
          name: "get_weather",
          input: { city: "mock-city", days: 1, unit: "celsius" },
        },
      ]);
    }
    const auto = await (
      await anthropic(mock.url, "messages", messagesBody("Weather?", { tools: [weatherTool], tool_choice: { type: "auto" } }))
    ).json();
    expect(auto.content[0].type).toBe("text");
  });

  it("a tool_use rule makes the answer call a tool", async () => {
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "tool_use", name: "second" }, times: 1 });
    const tools = [
      weatherTool,
      { name: "second", input_schema: { type: "object", properties: { q: { type: "boolean" } }, required: ["q"] } },
    ];
    const json = await (await anthropic(mock.url, "messages", messagesBody("x", { tools }))).json();
    expect(json.content).toMatchObject([{ type: "tool_use", name: "second", input: { q: true } }]);
    expect(mock.requests()[0]?.fault).toBe("tool_use");
  });

  it("thinks first when thinking is enabled", async () => {
    const json = await (
      await anthropic(
        mock.url,
        "messages",
        messagesBody("27 * 453?", { max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 2000 } }),
      )
    ).json();
    expect(json.content.map((b: { type: string }) => b.type)).toEqual(["thinking", "text"]);
    expect(json.content[0]).toEqual({ type: "thinking", thinking: "The user asks: 27 * 453?", signature: expect.any(String) });
  });

  it("writes a cache_control prefix to the prompt cache, then reads it; reset() forgets it", async () => {
    const system = [{ type: "text", text: "A long policy. ".repeat(40), cache_control: { type: "ephemeral" } }];
    const body = messagesBody("Summarise", { system });
    const prefix = tokens("A long policy. ".repeat(40));
    const first = (await (await anthropic(mock.url, "messages", body)).json()).usage;
    expect(first).toMatchObject({
      input_tokens: tokens(`${"A long policy. ".repeat(40)}Summarise`) - prefix,
      cache_creation_input_tokens: prefix,
      cache_read_input_tokens: 0,
    });
    const second = (await (await anthropic(mock.url, "messages", body)).json()).usage;
    expect(second).toMatchObject({ input_tokens: first.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: prefix });
    mock.reset();
    expect((await (await anthropic(mock.url, "messages", body)).json()).usage.cache_creation_input_tokens).toBe(prefix);
  });
});

describe("POST /v1/messages (stream)", () => {
  it("sends Anthropic's events in order with their index fields, a ping, and cumulative usage at the end", async () => {
    const res = await anthropic(mock.url, "messages", messagesBody("Stream me", { stream: true }));
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = sseEvents(await res.text());
    for (const [name, data] of events) expect(data.type).toBe(name);
    const names = events.map(([name]) => name);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(new Set(names.slice(3, -3))).toEqual(new Set(["content_block_delta"]));
    const [, start] = events[0]!;
    expect(start.message).toMatchObject({
      type: "message",
      role: "assistant",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { output_tokens: 1 },
    });
    expect(events[1]![1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    const text = events
      .filter(([n]) => n === "content_block_delta")
      .map(([, d]) => {
        expect(d.index).toBe(0);
        return d.delta.text;
      })
      .join("");
    expect(text).toBe(answer("Stream me"));
    expect(events.at(-2)![1]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: tokens("Stream me"), cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: tokens(text) },
    });
    expect(mock.requests()[0]).toMatchObject({ provider: "anthropic", stream: true });
  });

  it("streams thinking then a forced tool call: thinking_delta, signature_delta, input_json_delta fragments, index per block", async () => {
    const body = messagesBody("Weather?", {
      stream: true,
      max_tokens: 4000,
      thinking: { type: "enabled", budget_tokens: 2000 },
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_weather" },
    });
    const events = sseEvents(await (await anthropic(mock.url, "messages", body)).text());
    const starts = events.filter(([n]) => n === "content_block_start").map(([, d]) => [d.index, d.content_block.type]);
    expect(starts).toEqual([
      [0, "thinking"],
      [1, "tool_use"],
    ]);
    const deltas = events.filter(([n]) => n === "content_block_delta").map(([, d]) => d);
    expect(
      deltas
        .filter((d) => d.index === 0)
        .map((d) => d.delta.type)
        .at(-1),
    ).toBe("signature_delta");
    const json = deltas.filter((d) => d.index === 1).map((d) => d.delta);
    expect(json[0]).toEqual({ type: "input_json_delta", partial_json: "" });
    expect(json.length).toBeGreaterThan(2);
    expect(JSON.parse(json.map((d) => d.partial_json).join(""))).toEqual({ city: "mock-city", days: 1, unit: "celsius" });
    expect(events.at(-2)![1].delta.stop_reason).toBe("tool_use");
  });
});

describe("auth, version and validation", () => {
  it.each([
    [null, {}, 401, "authentication_error", "x-api-key header is required"],
    ["sk-invalid-1234", {}, 401, "authentication_error", "invalid x-api-key"],
    [ANTHROPIC_KEY, { "anthropic-version": null }, 400, "invalid_request_error", "anthropic-version: header is required"],
  ] as const)("key %s, headers %j -> %i %s", async (key, headers, status, type, message) => {
    const res = await anthropic(mock.url, "messages", messagesBody("x"), key, headers);
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json).toEqual({ type: "error", error: { type, message }, request_id: res.headers.get("request-id") });
  });

  it.each([
    [{ max_tokens: 10, messages: [{ role: "user", content: "x" }] }, "messages", "model: Field required"],
    [{ model: "m", messages: [{ role: "user", content: "x" }] }, "messages", "max_tokens: Field required"],
    [{ model: "m", max_tokens: 10 }, "messages", "messages: Field required"],
    [{ model: "m", max_tokens: 10, messages: [] }, "messages", "messages: at least one message is required"],
    [{ model: "m" }, "messages/count_tokens", "messages: Field required"],
  ])("%j on %s -> 400 %s", async (body, path, message) => {
    const res = await anthropic(mock.url, path, body);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ type: "invalid_request_error", message });
  });

  it("refuses a body that is not JSON", async () => {
    const res = await anthropic(mock.url, "messages", "{not json");
    expect(res.status).toBe(400);
    expect((await res.json()).error.type).toBe("invalid_request_error");
  });
});

describe("count_tokens and models", () => {
  it("counts input tokens without max_tokens", async () => {
    const res = await anthropic(mock.url, "messages/count_tokens", {
      model: "claude-sonnet-4-5",
      system: "Be terse.",
      messages: [{ role: "user", content: "Hello there" }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: tokens("Be terse.Hello there") });
    expect(mock.requests()[0]).toMatchObject({ provider: "anthropic", path: "messages/count_tokens" });
  });

  it("lists models in Anthropic's shape with x-api-key, in OpenAI's with a Bearer key", async () => {
    const res = await fetch(`${mock.url}/v1/models`, { headers: { "x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01" } });
    const json = await res.json();
    expect(json).toMatchObject({ has_more: false, first_id: json.data[0].id, last_id: json.data.at(-1).id });
    expect(json.data[0]).toEqual({
      type: "model",
      id: expect.stringMatching(/^claude-/),
      display_name: expect.any(String),
      created_at: expect.any(String),
    });
    const openAiList = await (await fetch(`${mock.url}/v1/models`, { headers: { authorization: `Bearer ${OPENAI_KEY}` } })).json();
    expect(openAiList.object).toBe("list");
    expect(mock.requests().map((r) => r.provider)).toEqual(["anthropic", "openai"]);
  });
});

describe("faults on Anthropic routes", () => {
  it.each([
    [429, "rate_limit_error", /^This request would exceed the rate limit/],
    [529, "overloaded_error", /^Overloaded$/],
    [500, "api_error", /^Internal server error$/],
    [400, "invalid_request_error", /format or content/],
    [404, "not_found_error", /^model: claude-sonnet-4-5$/],
    [418, "invalid_request_error", /^Mock upstream error \(HTTP 418\)\.$/],
  ])("status %i -> Anthropic's %s body, request_id = request-id", async (status, type, message) => {
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "status", status, retryAfterMs: 1500 }, times: 1 });
    const res = await anthropic(mock.url, "messages", messagesBody("x"));
    expect(res.status).toBe(status);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.headers.get("retry-after-ms")).toBeNull();
    const json = await res.json();
    expect(json).toMatchObject({
      type: "error",
      error: { type, message: expect.stringMatching(message) },
      request_id: res.headers.get("request-id"),
    });
  });

  it("sse_error_event: preamble, N deltas, then an overloaded_error event, and the stream ends", async () => {
    mock.script({ match: { path: "messages" }, fault: { kind: "sse_error_event", afterChunks: 2 }, times: 1 });
    const res = await anthropic(mock.url, "messages", messagesBody("Tell me a story", { stream: true }));
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events.map(([n]) => n)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "error",
    ]);
    expect(events.at(-1)![1]).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  });

  it("sse_error_event with another type; not streaming it is that error's status and body", async () => {
    mock.script({ fault: { kind: "sse_error_event", afterChunks: 0, errorType: "api_error" }, times: 2 });
    const events = sseEvents(await (await anthropic(mock.url, "messages", messagesBody("x", { stream: true }))).text());
    expect(events.at(-1)![1].error).toEqual({ type: "api_error", message: "Internal server error" });
    const res = await anthropic(mock.url, "messages", messagesBody("x"));
    expect(res.status).toBe(500);
    expect((await res.json()).error).toEqual({ type: "api_error", message: "Internal server error" });
  });

  it("sse_error_event on OpenAI: an error data line after N chunks", async () => {
    mock.script({ match: { provider: "openai" }, fault: { kind: "sse_error_event", afterChunks: 1 }, times: 1 });
    const text = await (await openai(mock.url, "chat/completions", chatBody("x", { stream: true }))).text();
    const chunks = sseJson(text);
    expect(chunks).toHaveLength(3);
    expect(chunks.at(-1)).toEqual({ error: expect.objectContaining({ type: "server_error", param: null, code: null }) });
  });

  it("stream_break_after_chunks keeps Anthropic's preamble, then drops the connection", async () => {
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "stream_break_after_chunks", chunks: 1 }, times: 1 });
    const res = await anthropic(mock.url, "messages", messagesBody("x", { stream: true }));
    const { text } = await readBody(res);
    expect(sseEvents(text).map(([n]) => n)).toEqual(["message_start", "content_block_start", "ping", "content_block_delta"]);
  });

  it("stream_break_after_role_chunk sends the opening events and no text; malformed_json cuts a message in half", async () => {
    mock.script({ match: { provider: "anthropic", stream: true }, fault: { kind: "stream_break_after_role_chunk" }, times: 1 });
    const { text } = await readBody(await anthropic(mock.url, "messages", messagesBody("x", { stream: true })));
    expect(sseEvents(text).map(([n]) => n)).toEqual(["message_start", "content_block_start", "ping"]);
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "malformed_json" }, times: 1 });
    const res = await anthropic(mock.url, "messages", messagesBody("x"));
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body.startsWith('{"id":"msg_01')).toBe(true);
    expect(() => JSON.parse(body)).toThrow();
  });

  it("echo_key puts the key into the answer: the text and echo (JSON), an error event (stream)", async () => {
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "echo_key" }, times: 2 });
    const json = await (await anthropic(mock.url, "messages", messagesBody("x"))).json();
    expect(json.echo).toEqual({ api_key: ANTHROPIC_KEY });
    expect(json.content[0].text).toContain(`Your key is ${ANTHROPIC_KEY}.`);
    const events = sseEvents(await (await anthropic(mock.url, "messages", messagesBody("x", { stream: true }))).text());
    expect(events.at(-1)![1]).toEqual({
      type: "error",
      error: { type: "authentication_error", message: `invalid x-api-key: ${ANTHROPIC_KEY}` },
    });
  });

  it("sse_garbage sends Anthropic event names with data that is not JSON", async () => {
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "sse_garbage" }, times: 1 });
    const text = await (await anthropic(mock.url, "messages", messagesBody("x", { stream: true }))).text();
    expect(text.startsWith("event: message_start\ndata: this is not json\n\n")).toBe(true);
  });

  it("validates the new rule kinds", () => {
    expect(() => mock.script({ fault: { kind: "sse_error_event" } as never })).toThrow(/afterChunks must be an integer >= 0/);
    expect(() => mock.script({ fault: { kind: "sse_error_event", afterChunks: 1, errorType: "Bad Type" } })).toThrow(/errorType/);
    expect(() => mock.script({ fault: { kind: "tool_use", name: "" } })).toThrow(/tool_use name/);
    expect(() => mock.script({ match: { provider: "anthropic", path: "messages/count_tokens" }, fault: { kind: "hang" } })).not.toThrow();
  });
});
