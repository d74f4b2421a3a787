import { describe, expect, it } from "vitest";
import { built, refused } from "@/testing/build-result";
import type { TargetNode } from "../types";
import { anthropicAdapter, buildAnthropicRequest, type AnthropicCredentials } from ".";
import { anthropicInfo } from "./info";

const KEY = "sk-ant-test-1234";
const creds = (extra: Partial<AnthropicCredentials> = {}): AnthropicCredentials => ({ provider: "anthropic", apiKey: KEY, ...extra });
const chat = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] };
const messages = { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }], top_k: 5, container: "x" };

describe("Anthropic request", () => {
  it("posts a translated chat completion to /v1/messages with x-api-key and the default anthropic-version", () => {
    const req = built(buildAnthropicRequest("chat/completions", chat, creds()));
    expect(req).toMatchObject({
      url: "https://api.anthropic.com/v1/messages",
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
    });
    expect(Object.keys(req.headers).sort()).toEqual(["accept", "anthropic-version", "content-type", "x-api-key"]);
    expect(JSON.parse(req.body!)).toEqual({ model: "claude-sonnet-4-5", max_tokens: 4096, messages: chat.messages });
    expect(req.translate).toBeDefined();
  });

  it("accepts an event stream when the chat body streams", () => {
    const req = built(buildAnthropicRequest("chat/completions", { ...chat, stream: true }, creds()));
    expect(req.headers.accept).toBe("text/event-stream");
    expect(JSON.parse(req.body!).stream).toBe(true);
  });

  it("sends /v1/messages and /v1/messages/count_tokens bodies untouched, without a translator", () => {
    const req = built(buildAnthropicRequest("messages", { ...messages, stream: true }, creds()));
    expect(req.url).toBe("https://api.anthropic.com/v1/messages");
    expect(req.headers.accept).toBe("text/event-stream");
    expect(JSON.parse(req.body!)).toEqual({ ...messages, stream: true });
    expect(req.translate).toBeUndefined();
    const count = built(buildAnthropicRequest("messages/count_tokens", messages, creds()));
    expect(count).toEqual({
      url: "https://api.anthropic.com/v1/messages/count_tokens",
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(messages),
    });
  });

  it.each(["completions", "embeddings"] as const)("refuses /v1/%s with endpoint_not_supported", (endpoint) => {
    expect(refused(buildAnthropicRequest(endpoint, { model: "m", input: "x" }, creds()))).toMatchObject({
      status: 400,
      code: "endpoint_not_supported",
      message: `Anthropic does not serve /v1/${endpoint}. It serves /v1/chat/completions (translated to its Messages API) and /v1/messages.`,
    });
  });

  it("sends the target's anthropic-version and its betas, trimmed and comma-joined", () => {
    const req = built(
      buildAnthropicRequest("messages", messages, creds({ anthropicVersion: "2024-01-01", anthropicBeta: " a-2025, ,b-2026 " })),
    );
    expect(req.headers).toMatchObject({ "anthropic-version": "2024-01-01", "anthropic-beta": "a-2025,b-2026" });
  });

  it.each([
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010/v1/messages"],
    ["http://127.0.0.1:4010/", "http://127.0.0.1:4010/v1/messages"],
    ["https://proxy.example.com/anthropic", "https://proxy.example.com/anthropic/v1/messages"],
  ])("custom_host %s replaces https://api.anthropic.com (no /v1): %s", (customHost, url) => {
    expect(built(buildAnthropicRequest("chat/completions", chat, creds({ customHost }))).url).toBe(url);
  });

  it("refuses a bad custom host, a missing key and header values that cannot be sent, without echoing the key", () => {
    expect(refused(buildAnthropicRequest("messages", messages, creds({ customHost: "ftp://x" })))).toMatchObject({
      code: "invalid_custom_host",
      param: "custom_host",
    });
    expect(refused(buildAnthropicRequest("messages", messages, creds({ apiKey: "" }))).code).toBe("missing_provider_api_key");
    const bad = refused(buildAnthropicRequest("messages", messages, creds({ apiKey: "sk-ant-a\r\nx: 1" })));
    expect(bad.message).not.toContain("sk-ant-a");
    expect(refused(buildAnthropicRequest("messages", messages, creds({ anthropicVersion: "2023\n" }))).code).toBe(
      "invalid_provider_option",
    );
    expect(refused(buildAnthropicRequest("messages", messages, creds({ anthropicBeta: "ünicode" }))).code).toBe("invalid_provider_option");
  });

  it("refuses a chat body it cannot translate before calling Anthropic", () => {
    expect(refused(buildAnthropicRequest("chat/completions", { ...chat, n: 3 }, creds()))).toMatchObject({
      code: "unsupported_parameter",
      param: "n",
    });
  });

  it("lists models with Anthropic's own GET /v1/models", () => {
    expect(anthropicAdapter.listModels(creds())).toEqual([]);
    expect(anthropicAdapter.modelsRequest(creds({ customHost: "http://127.0.0.1:4010/", anthropicVersion: "2024-01-01" }))).toEqual({
      url: "http://127.0.0.1:4010/v1/models",
      method: "GET",
      headers: { "x-api-key": KEY, "anthropic-version": "2024-01-01", accept: "application/json" },
    });
    expect(anthropicAdapter.defaultBaseUrl()).toBe("https://api.anthropic.com");
  });
});

describe("Anthropic credentials and config keys", () => {
  it("takes the version and betas from the direct-mode headers, the target's own keys winning; a key stores nothing else", () => {
    expect(anthropicAdapter.credentials("k", { customHost: "https://h" }, {})).toEqual({ provider: "anthropic", apiKey: "k" });
    expect(
      anthropicAdapter.credentials(
        "k",
        null,
        { anthropic_version: "2024-01-01" },
        { anthropic_version: "2023-06-01", anthropic_beta: "b1" },
      ),
    ).toEqual({ provider: "anthropic", apiKey: "k", anthropicVersion: "2024-01-01", anthropicBeta: "b1" });
  });

  it("maps its direct-mode headers to its target keys", () => {
    expect(anthropicInfo.directHeaders).toEqual({
      "x-portkey-anthropic-version": "anthropic_version",
      "x-portkey-anthropic-beta": "anthropic_beta",
    });
  });

  it("refuses its keys on another provider's target, allows them on Anthropic and virtual-key targets", () => {
    const issues = (node: TargetNode) => {
      const out: string[] = [];
      anthropicInfo.checkTarget(node, (path, message) => out.push(`${path.join(".")} ${message}`));
      return out;
    };
    expect(issues({ provider: "anthropic" })).toEqual([]);
    expect(issues({ provider: "anthropic", anthropic_version: "2023-06-01", anthropic_beta: "x" })).toEqual([]);
    expect(issues({ virtual_key: "claude-prod", anthropic_beta: "x" })).toEqual([]);
    expect(issues({ provider: "openai", anthropic_version: "2023-06-01" })).toEqual([
      "anthropic_version is only used with provider anthropic",
    ]);
  });

  it("keeps no virtual-key fields of its own", () => {
    expect(anthropicAdapter.keyFields.read()).toEqual({});
    expect(anthropicAdapter.keyFields.issues()).toEqual([]);
  });
});

describe("Anthropic errors in OpenAI's shape", () => {
  const body = (type: string, message: string) =>
    JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" });

  it.each([
    [529, "overloaded_error", "Overloaded"],
    [429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"],
    [400, "invalid_request_error", "messages: text content blocks must be non-empty"],
    [500, "api_error", "Internal server error"],
    [401, "authentication_error", "invalid x-api-key"],
  ])("%i %s keeps its status, type and message", (status, type, message) => {
    expect(anthropicAdapter.normalizeError(status, body(type, message))).toEqual({
      status,
      body: { error: { message, type, param: null, code: null } },
    });
  });

  it("quotes a body that is not JSON", () => {
    expect(anthropicAdapter.normalizeError(502, "<html><body>Bad gateway</body></html>")).toEqual({
      status: 502,
      body: {
        error: { message: "Anthropic returned HTTP 502: <html><body>Bad gateway</body></html>", type: null, param: null, code: null },
      },
    });
    expect(anthropicAdapter.normalizeError(503, "").body.error.message).toBe("Anthropic returned HTTP 503 with an empty body");
  });
});
