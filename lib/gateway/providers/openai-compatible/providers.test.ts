import { describe, expect, it } from "vitest";
import { built, refused } from "@/testing/build-result";
import { virtualKeyShapeIssues } from "../../../api/virtual-key-schemas";
import { parseConfig } from "../../config/schema";
import { getProviderAdapter } from "../registry";
import { ENDPOINTS, type Endpoint, type ProviderAdapter } from "../types";

const KEY = "key-test-1234";
const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };

type Case = {
  id: string;
  label: string;
  /** The default base URL, or null when custom_host is required. */
  base: string | null;
  serves: Endpoint[];
  models: boolean;
};

// Each provider's published facts (docs/GATEWAY.md §1).
const CASES: Case[] = [
  { id: "groq", label: "Groq", base: "https://api.groq.com/openai/v1", serves: ["chat/completions"], models: true },
  { id: "mistral-ai", label: "Mistral AI", base: "https://api.mistral.ai/v1", serves: ["chat/completions", "embeddings"], models: true },
  {
    id: "together-ai",
    label: "Together AI",
    base: "https://api.together.xyz/v1",
    serves: ["chat/completions", "completions", "embeddings"],
    models: true,
  },
  {
    id: "fireworks-ai",
    label: "Fireworks AI",
    base: "https://api.fireworks.ai/inference/v1",
    serves: ["chat/completions", "completions", "embeddings"],
    models: true,
  },
  { id: "deepseek", label: "DeepSeek", base: "https://api.deepseek.com", serves: ["chat/completions"], models: true },
  { id: "x-ai", label: "xAI", base: "https://api.x.ai/v1", serves: ["chat/completions", "completions", "embeddings"], models: true },
  { id: "perplexity-ai", label: "Perplexity AI", base: "https://api.perplexity.ai", serves: ["chat/completions"], models: false },
  {
    id: "openrouter",
    label: "OpenRouter",
    base: "https://openrouter.ai/api/v1",
    serves: ["chat/completions", "completions", "embeddings"],
    models: true,
  },
  { id: "ollama", label: "Ollama", base: null, serves: ["chat/completions", "completions", "embeddings"], models: true },
  {
    id: "google",
    label: "Google Gemini",
    base: "https://generativelanguage.googleapis.com/v1beta/openai",
    serves: ["chat/completions", "embeddings"],
    models: true,
  },
  {
    id: "openai-compatible",
    label: "OpenAI-compatible",
    base: null,
    serves: ["chat/completions", "completions", "embeddings"],
    models: true,
  },
];

function adapterOf(id: string): ProviderAdapter {
  const adapter = getProviderAdapter(id);
  if (!adapter) throw new Error(`no adapter for ${id}`);
  return adapter;
}

const creds = (c: Case, customHost?: string) => ({ ...adapterOf(c.id).credentials(KEY, null, {}), ...(customHost ? { customHost } : {}) });

describe.each(CASES)("$id", (c) => {
  const adapter = adapterOf(c.id);

  it("is registered under its Portkey name with its label", () => {
    expect(adapter.id).toBe(c.id);
    expect(adapter.info.label).toBe(c.label);
    expect(adapter.defaultBaseUrl(creds(c))).toBe(c.base ?? undefined);
  });

  it("posts each endpoint it serves to the base URL with a Bearer key and the body as is", () => {
    const host = c.base ?? "http://10.0.0.5:8000/v1";
    for (const endpoint of c.serves) {
      const body = endpoint === "chat/completions" ? chat : { model: "m", input: "x", prompt: "p" };
      const req = built(adapter.buildRequest(endpoint, body, creds(c, c.base ? undefined : host)));
      expect(req).toEqual({
        url: `${host}/${endpoint}`,
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
    }
    const streamed = built(adapter.buildRequest("chat/completions", { ...chat, stream: true }, creds(c, c.base ? undefined : host)));
    expect(streamed.headers.accept).toBe("text/event-stream");
  });

  it("sends to custom_host instead of the default base (trailing slashes dropped, query kept)", () => {
    expect(built(adapter.buildRequest("chat/completions", chat, creds(c, "http://127.0.0.1:4010/proxy//"))).url).toBe(
      "http://127.0.0.1:4010/proxy/chat/completions",
    );
    expect(built(adapter.buildRequest("chat/completions", chat, creds(c, "https://gw.example.com/v1?team=a"))).url).toBe(
      "https://gw.example.com/v1/chat/completions?team=a",
    );
    const bad = refused(adapter.buildRequest("chat/completions", chat, creds(c, "ftp://example.com")));
    expect(bad).toMatchObject({ status: 400, code: "invalid_custom_host", param: "custom_host" });
  });

  it("refuses every other endpoint with a 400 naming the provider, before any upstream call", () => {
    for (const endpoint of ENDPOINTS.filter((e) => !c.serves.includes(e))) {
      const error = refused(adapter.buildRequest(endpoint, chat, creds(c, "http://127.0.0.1:4010/v1")));
      expect(error).toMatchObject({ status: 400, code: "endpoint_not_supported" });
      expect(error.message).toContain(`${c.label} does not serve /v1/${endpoint}.`);
    }
  });

  it("refuses a missing key or one that cannot be a header, without echoing it", () => {
    const host = c.base ? undefined : "http://127.0.0.1:4010/v1";
    expect(refused(adapter.buildRequest("chat/completions", chat, { ...creds(c, host), apiKey: "" }))).toMatchObject({
      status: 400,
      code: "missing_provider_api_key",
    });
    const error = refused(adapter.buildRequest("chat/completions", chat, { ...creds(c, host), apiKey: "k-a\r\nx-evil: 1" }));
    expect(error.message).not.toContain("k-a");
    expect(error.message).toContain(`${c.label} API key`);
  });

  it(c.models ? "lists models with GET <base>/models" : "has no model list to ask for", () => {
    expect(adapter.listModels?.(creds(c))).toEqual([]);
    if (!c.models) {
      expect(adapter.modelsRequest).toBeUndefined();
      return;
    }
    const host = c.base ?? "http://127.0.0.1:11434/v1";
    expect(adapter.modelsRequest?.(creds(c, c.base ? undefined : host))).toEqual({
      url: `${host}/models`,
      method: "GET",
      headers: { authorization: `Bearer ${KEY}`, accept: "application/json" },
    });
    expect(adapter.modelsRequest?.(creds(c, "http://127.0.0.1:4010/x/")).url).toBe("http://127.0.0.1:4010/x/models");
  });

  it(
    c.base ? "needs no custom host in a config target or a virtual key" : "needs a custom host in a config target and a virtual key",
    () => {
      const config = parseConfig({ provider: c.id, api_key: "k" });
      const key = { provider: c.id, resourceName: null, apiVersion: null, customHost: null, deployments: [] };
      if (c.base) {
        expect(config.ok).toBe(true);
        expect(virtualKeyShapeIssues(key)).toEqual([]);
        return;
      }
      expect(config.ok).toBe(false);
      if (!config.ok) {
        expect(config.issues).toEqual([{ path: "custom_host", message: expect.stringContaining(`is required with provider ${c.id}`) }]);
      }
      expect(parseConfig({ provider: c.id, api_key: "k", custom_host: "http://127.0.0.1:11434/v1" }).ok).toBe(true);
      expect(virtualKeyShapeIssues(key)).toEqual([{ path: ["custom_host"], message: expect.stringContaining("it has no default host") }]);
      expect(virtualKeyShapeIssues({ ...key, customHost: "http://127.0.0.1:11434/v1" })).toEqual([]);
      // Direct mode has no config to check: the build refuses it.
      expect(refused(adapter.buildRequest("chat/completions", chat, creds(c)))).toMatchObject({
        status: 400,
        code: "missing_custom_host",
        param: "custom_host",
      });
    },
  );
});

describe("the custom-host rule of ollama and openai-compatible", () => {
  it("leaves other providers' targets and keys alone", () => {
    expect(parseConfig({ provider: "openai", api_key: "k" }).ok).toBe(true);
    expect(parseConfig({ virtual_key: "ollama-local-abc123" }).ok).toBe(true);
    expect(virtualKeyShapeIssues({ provider: "groq", resourceName: null, apiVersion: null, customHost: null, deployments: [] })).toEqual(
      [],
    );
  });
});
