/**
 * Anthropic's own API through Detour with the real `@anthropic-ai/sdk` (docs/GATEWAY.md §1): the SDK
 * pointed at Detour's origin with a Detour API key as its `apiKey` or `authToken` (SDK 1.x sends both
 * as `Authorization: Bearer`; older SDKs and clients send the key as `x-api-key`, tested raw);
 * `messages.create`, `messages.stream` with tool use, `countTokens`, a fallback between Anthropic
 * targets (529, and an error event before the first content block), errors in Anthropic's shape,
 * and every request logged with its tokens, cost and attempts.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";

describe("/v1/messages with the Anthropic SDK", () => {
  let h: Harness;
  let primary: string;
  let backup: string;
  const PRIMARY = "sk-ant-primary-0000aaaa";
  const BACKUP = "sk-ant-backup-0000bbbb";

  beforeAll(async () => {
    h = await startHarness();
    primary = await h.vk({ name: "Claude primary", provider: "anthropic", secret: PRIMARY, customHost: h.mock.url });
    backup = await h.vk({ name: "Claude backup", provider: "anthropic", secret: BACKUP, customHost: h.mock.url });
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  /** The request headers the SDK sent last (to compare with what reached the mock). */
  let sent = new Headers();
  const recordingFetch: typeof fetch = (input, init) => {
    sent = new Headers(init?.headers);
    return fetch(input, init);
  };

  /** The SDK as Claude Code configures it: Detour's origin as base URL, Detour's key as the API key. */
  const client = (headers: Record<string, string>, auth: "apiKey" | "authToken" = "apiKey") =>
    new Anthropic({
      baseURL: h.url,
      ...(auth === "apiKey" ? { apiKey: h.apiKey } : { authToken: h.apiKey, apiKey: null }),
      defaultHeaders: headers,
      maxRetries: 0,
      fetch: recordingFetch,
    });

  it("messages.create: Anthropic's answer untouched, the provider key sent as x-api-key, logged with tokens and cost", async () => {
    const { data: message, response } = await client({ "x-portkey-virtual-key": primary })
      .messages.create({ model: "claude-sonnet-4-5", max_tokens: 256, messages: [{ role: "user", content: "Hello Claude" }] })
      .withResponse();
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      stop_reason: "end_turn",
      content: [{ type: "text", text: "Mock answer from anthropic (key ...aaaa) to: Hello Claude" }],
    });
    expect(message.id).toMatch(/^msg_/);
    // The SDK's own anthropic-version (its body is written for it) reaches Anthropic as sent.
    const version = sent.get("anthropic-version");
    expect(version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const rec = h.mock.requests();
    expect(rec).toMatchObject([{ provider: "anthropic", path: "messages", key: PRIMARY, anthropicVersion: version, status: 200 }]);
    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({
      path: "/v1/messages",
      provider: "anthropic",
      status: 200,
      model: "claude-sonnet-4-5",
      promptTokens: message.usage.input_tokens,
      completionTokens: message.usage.output_tokens,
      virtualKeySlug: primary,
    });
    expect(log.cost).toBeGreaterThan(0);
    expect(log.attempts).toMatchObject([{ provider: "anthropic", status: 200 }]);
  });

  it("accepts the Detour key in x-api-key (older SDKs, ANTHROPIC_API_KEY clients)", async () => {
    const res = await fetch(`${h.url}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": h.apiKey,
        "anthropic-version": "2023-06-01",
        "x-portkey-virtual-key": primary,
      },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 32, messages: [{ role: "user", content: "x-api-key" }] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(h.mock.requests()).toMatchObject([{ key: PRIMARY, anthropicVersion: "2023-06-01" }]);
  });

  it("accepts the Detour key as a bearer token (ANTHROPIC_AUTH_TOKEN), and passes anthropic-beta through", async () => {
    const message = await client(
      { "x-portkey-virtual-key": primary, "anthropic-beta": "some-beta-2025-01-01" },
      "authToken",
    ).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "Bearer please" }],
    });
    expect(message.content[0]).toMatchObject({ type: "text" });
    expect(h.mock.requests()).toMatchObject([{ key: PRIMARY, anthropicBeta: "some-beta-2025-01-01" }]);
  });

  it("messages.stream with a forced tool: the SDK assembles the tool input; the stream is logged with its usage", async () => {
    const tools = [
      {
        name: "get_weather",
        description: "Weather in a city",
        input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
      },
    ];
    const stream = client({ "x-portkey-virtual-key": primary }).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 512,
      tools,
      tool_choice: { type: "tool", name: "get_weather" },
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    const block = final.content.find((b) => b.type === "tool_use");
    expect(block).toMatchObject({ type: "tool_use", name: "get_weather", id: expect.stringMatching(/^toolu_/) });
    expect(typeof (block as { input: { city: unknown } }).input.city).toBe("string");
    expect(events[0]).toBe("message_start");
    expect(events).toContain("content_block_delta");
    expect(events.at(-1)).toBe("message_stop");
    const id = (await stream.withResponse()).response.headers.get("x-portkey-request-id")!;
    const log = await h.waitForLog(id);
    expect(log).toMatchObject({ path: "/v1/messages", stream: true, status: 200, completionTokens: final.usage.output_tokens });
    expect(log.promptTokens).toBe(
      final.usage.input_tokens + (final.usage.cache_read_input_tokens ?? 0) + (final.usage.cache_creation_input_tokens ?? 0),
    );
    expect(log.responseBody).toContain("event: message_stop");
  });

  it("countTokens: Anthropic's count, logged on /v1/messages/count_tokens", async () => {
    const { data, response } = await client({ "x-portkey-virtual-key": primary })
      .messages.countTokens({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "How many tokens is this?" }] })
      .withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(h.mock.requests()).toMatchObject([{ provider: "anthropic", path: "messages/count_tokens", key: PRIMARY }]);
    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    // Counting is free: a known 0, not an unknown (null) cost.
    expect(log).toMatchObject({ path: "/v1/messages/count_tokens", status: 200, provider: "anthropic", cost: 0 });
  });

  it("falls back from an overloaded Anthropic target (529) to a healthy one, and logs both attempts", async () => {
    const config = await h.config("claude fallback", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: primary }, { virtual_key: backup }],
    });
    h.mock.script({ match: { key: PRIMARY }, fault: { kind: "status", status: 529 } });
    const { data, response } = await client({ "x-portkey-config": config })
      .messages.create({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Still there?" }] })
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: "text", text: expect.stringContaining("(key ...bbbb)") });
    expect(response.headers.get("x-portkey-fallback")).toBe("true");
    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ fallbackUsed: true, status: 200, virtualKeySlug: backup, configSlug: config });
    expect(log.attempts).toMatchObject([
      { provider: "anthropic", status: 529, virtualKeySlug: primary },
      { provider: "anthropic", status: 200, virtualKeySlug: backup },
    ]);
  });

  it("a stream whose error event comes before the first content block falls back; the caller sees one clean stream", async () => {
    const config = await h.config("claude stream fallback", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: primary }, { virtual_key: backup }],
    });
    h.mock.script({ match: { key: PRIMARY }, fault: { kind: "sse_error_event", afterChunks: 0, errorType: "overloaded_error" } });
    const stream = client({ "x-portkey-config": config }).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "Stream it" }],
    });
    const text = await stream.finalText();
    expect(text).toContain("(key ...bbbb)");
    const id = (await stream.withResponse()).response.headers.get("x-portkey-request-id")!;
    const log = await h.waitForLog(id);
    expect(log.attempts).toMatchObject([
      { status: 502, errorClass: "stream_broken", errorMessage: "fallback: stream broken before its first chunk", virtualKeySlug: primary },
      { status: 200, virtualKeySlug: backup },
    ]);
    // The caller's stream holds the backup's events only: one message_start, no error event.
    expect(log.responseBody?.match(/event: message_start/g)).toHaveLength(1);
    expect(log.responseBody).not.toContain("event: error");
  });

  it("an error after content ends the SDK's stream with Anthropic's error, and the log says so", async () => {
    h.mock.script({ match: { key: PRIMARY }, fault: { kind: "sse_error_event", afterChunks: 2, errorType: "overloaded_error" } });
    const stream = client({ "x-portkey-virtual-key": primary }).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "Break later" }],
    });
    const error = await stream.finalMessage().then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String((error as Error).message)).toContain("overloaded_error");
  });

  it("Detour's own errors come in Anthropic's shape: the SDK raises its typed errors", async () => {
    const bad = new Anthropic({ baseURL: h.url, apiKey: "dtr_not-a-real-key", maxRetries: 0 });
    const auth = await bad.messages
      .create({ model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(auth).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((auth as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type: "authentication_error", message: "Invalid or revoked Detour API key." },
    });

    // An OpenAI target cannot serve /v1/messages: 400 naming the provider and endpoint.
    const openai = await h.openaiKey();
    const refused = await client({ "x-portkey-virtual-key": openai })
      .messages.create({ model: "gpt-4o", max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: "OpenAI does not serve /v1/messages." },
    });
    expect(h.mock.requests()).toEqual([]);

    // An upstream Anthropic error is relayed as Anthropic sent it.
    h.mock.script({ match: { key: PRIMARY }, fault: { kind: "status", status: 429 } });
    const limited = await client({ "x-portkey-virtual-key": primary })
      .messages.create({ model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error" },
    });
  });
});
