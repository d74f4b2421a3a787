import { describe, expect, it } from "vitest";
import { getProviderAdapter } from "../registry";

function normalize(provider: string, status: number, body: unknown) {
  const adapter = getProviderAdapter(provider);
  if (!adapter) throw new Error(`no adapter for ${provider}`);
  return adapter.normalizeError(status, typeof body === "string" ? body : JSON.stringify(body));
}

describe("error bodies of the OpenAI-compatible providers, in OpenAI's shape", () => {
  it("keeps OpenAI's shape as it is (Groq, Together, Fireworks, DeepSeek, Ollama's /v1, openai-compatible)", () => {
    const body = {
      error: { message: "The model `x` does not exist", type: "invalid_request_error", param: "model", code: "model_not_found" },
    };
    for (const provider of ["groq", "together-ai", "fireworks-ai", "deepseek", "ollama", "openai-compatible"]) {
      expect(normalize(provider, 404, body), provider).toEqual({ status: 404, body });
    }
  });

  it("reads Mistral's top-level error object, with param and code, and its structured validation messages", () => {
    expect(
      normalize("mistral-ai", 400, { object: "error", message: "Invalid model: x", type: "invalid_model", param: "model", code: "1500" }),
    ).toEqual({ status: 400, body: { error: { message: "Invalid model: x", type: "invalid_model", param: "model", code: "1500" } } });
    const detail = { detail: [{ type: "missing", loc: ["body", "messages"], msg: "Field required" }] };
    const r = normalize("mistral-ai", 422, { object: "error", message: detail, type: "invalid_request_error", param: null, code: null });
    expect(r.status).toBe(422);
    expect(r.body.error).toEqual({ message: JSON.stringify(detail), type: "invalid_request_error", param: null, code: null });
    expect(normalize("mistral-ai", 401, { message: "Unauthorized", request_id: "abc" })).toEqual({
      status: 401,
      body: { error: { message: "Unauthorized", type: null, param: null, code: null } },
    });
  });

  it("reads Google's error, alone or in an array, with its status name as the code", () => {
    const inner = { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" };
    const expected = { status: 400, body: { error: { message: inner.message, type: null, param: null, code: "INVALID_ARGUMENT" } } };
    expect(normalize("google", 400, [{ error: inner }])).toEqual(expected);
    expect(normalize("google", 400, { error: inner })).toEqual(expected);
    expect(normalize("google", 429, [{ error: { code: 429, message: "Resource exhausted" } }]).body.error.code).toBe("429");
  });

  it("reads OpenRouter's numeric code and names the underlying provider from its metadata", () => {
    expect(
      normalize("openrouter", 429, { error: { code: 429, message: "Rate limit exceeded", metadata: { provider_name: "Groq", raw: "x" } } }),
    ).toEqual({
      status: 429,
      body: { error: { message: "Rate limit exceeded (provider: Groq)", type: null, param: null, code: "429" } },
    });
    expect(normalize("openrouter", 402, { error: { code: 402, message: "Insufficient credits" } }).body.error).toEqual({
      message: "Insufficient credits",
      type: null,
      param: null,
      code: "402",
    });
  });

  it("reads xAI's {code, error} body", () => {
    expect(normalize("x-ai", 400, { code: "Client specified an invalid argument", error: "Incorrect API key provided: xa***bc." })).toEqual(
      {
        status: 400,
        body: {
          error: { message: "Incorrect API key provided: xa***bc.", type: null, param: null, code: "Client specified an invalid argument" },
        },
      },
    );
  });

  it("reads Perplexity's error with its numeric code", () => {
    expect(
      normalize("perplexity-ai", 400, { error: { message: "Invalid model 'x'.", type: "invalid_model", code: 400 } }).body.error,
    ).toEqual({
      message: "Invalid model 'x'.",
      type: "invalid_model",
      param: null,
      code: "400",
    });
  });

  it("reads Ollama's native {error: text} body", () => {
    expect(normalize("ollama", 404, { error: 'model "llama9" not found, try pulling it first' }).body.error).toEqual({
      message: 'model "llama9" not found, try pulling it first',
      type: null,
      param: null,
      code: null,
    });
  });

  it("quotes a body in no known shape, naming the provider (HTML, empty, unrelated JSON)", () => {
    expect(normalize("perplexity-ai", 401, "<html><body>401 Authorization Required</body></html>").body.error.message).toBe(
      "Perplexity AI returned HTTP 401: <html><body>401 Authorization Required</body></html>",
    );
    expect(normalize("google", 503, "").body.error.message).toBe("Google Gemini returned HTTP 503 with an empty body");
    expect(normalize("x-ai", 500, { error: "" }).body.error.message).toBe('xAI returned HTTP 500: {"error":""}');
    expect(normalize("mistral-ai", 500, [1, 2]).body.error.message).toBe("Mistral AI returned HTTP 500: [1,2]");
  });
});
