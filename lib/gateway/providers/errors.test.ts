import { describe, expect, it } from "vitest";
import { MAX_QUOTED_BODY_CHARS } from "./errors";
import { azureOpenAiAdapter } from "./azure-openai";
import { openAiAdapter } from "./openai";

describe("upstream error normalisation", () => {
  it("keeps OpenAI's own error body and status", () => {
    const body = { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } };
    expect(openAiAdapter.normalizeError(429, JSON.stringify(body))).toEqual({ status: 429, body });
  });

  it("maps Azure's {code, message} to OpenAI's shape with null type and param", () => {
    const text = JSON.stringify({ error: { code: "404", message: "Resource not found" } });
    expect(azureOpenAiAdapter.normalizeError(404, text)).toEqual({
      status: 404,
      body: { error: { message: "Resource not found", type: null, param: null, code: "404" } },
    });
  });

  it("keeps the fields Azure does send (content filter) and drops the rest", () => {
    const text = JSON.stringify({
      error: { message: "filtered", type: null, param: "prompt", code: "content_filter", status: 400, innererror: {} },
    });
    expect(azureOpenAiAdapter.normalizeError(400, text).body).toEqual({
      error: { message: "filtered", type: null, param: "prompt", code: "content_filter" },
    });
  });

  it("reads API Management's top-level {statusCode, message} and {error: text}", () => {
    const apim = JSON.stringify({ statusCode: 401, message: "Access denied due to invalid subscription key." });
    expect(azureOpenAiAdapter.normalizeError(401, apim).body.error.message).toBe("Access denied due to invalid subscription key.");
    expect(openAiAdapter.normalizeError(403, '{"error":"Forbidden"}').body.error).toEqual({
      message: "Forbidden",
      type: null,
      param: null,
      code: null,
    });
  });

  it("turns a numeric code into a string and a code-only error into a message", () => {
    expect(azureOpenAiAdapter.normalizeError(500, '{"error":{"code":500}}').body.error).toEqual({
      message: "error code 500",
      type: null,
      param: null,
      code: "500",
    });
  });

  it("quotes an unparseable body, collapsed and truncated", () => {
    const html = `<html>\n<body>${"x".repeat(2000)}</body></html>`;
    const { status, body } = azureOpenAiAdapter.normalizeError(502, html);
    expect(status).toBe(502);
    expect(body.error.message.startsWith("Azure OpenAI returned HTTP 502: <html> <body>xxx")).toBe(true);
    expect(body.error.message).toContain("(truncated, ");
    expect(body.error.message.length).toBeLessThan(MAX_QUOTED_BODY_CHARS + 100);
    expect(body.error).toMatchObject({ type: null, param: null, code: null });
  });

  it("names an empty body, and JSON that is not an error", () => {
    expect(openAiAdapter.normalizeError(503, "").body.error.message).toBe("OpenAI returned HTTP 503 with an empty body");
    expect(openAiAdapter.normalizeError(500, "[1,2]").body.error.message).toBe("OpenAI returned HTTP 500: [1,2]");
    expect(openAiAdapter.normalizeError(500, "null").body.error.message).toBe("OpenAI returned HTTP 500: null");
  });
});
