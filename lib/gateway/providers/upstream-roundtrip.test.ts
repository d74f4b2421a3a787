/**
 * Adapters against a real HTTP server: requests built by the adapters, sent with fetch to the mock
 * OpenAI/Azure upstream (testing/mock-upstream), checked through the mock's request record.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { built } from "@/testing/build-result";
import { startMockUpstream, type MockUpstream } from "@/testing/mock-upstream/server";
import { sseData } from "@/testing/mock-upstream/testing";
import { azureOpenAiAdapter } from "./azure-openai";
import { validateCustomHost } from "../upstream/custom-host";
import { openAiAdapter } from "./openai";
import type { Endpoint, ProviderCredentials, UpstreamRequest } from "./types";

const OPENAI_KEY = "sk-roundtrip-openai-1111";
const AZURE_KEY = "azure-roundtrip-key-2222";
type OpenAiEndpoint = Extract<Endpoint, "chat/completions" | "completions" | "embeddings">;
const BODIES: Record<OpenAiEndpoint, Record<string, unknown>> = {
  "chat/completions": { model: "gpt-4o", messages: [{ role: "user", content: "Hello there" }] },
  completions: { model: "gpt-4o", prompt: "Say hi" },
  embeddings: { model: "text-embedding-3-small", input: "embed me" },
};
const ENDPOINTS = Object.keys(BODIES) as OpenAiEndpoint[];

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0, azureDeployments: { "prod-4o": "gpt-4o", "prod-embed": "text-embedding-3-small" } });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const send = (req: UpstreamRequest) => fetch(req.url, { method: req.method, headers: req.headers, body: req.body });

const openAiCreds = (): ProviderCredentials => ({ provider: "openai", apiKey: OPENAI_KEY, customHost: `${mock.url}/v1/` });
const azureCreds = (): ProviderCredentials => ({
  provider: "azure-openai",
  apiKey: AZURE_KEY,
  customHost: `${mock.url}/openai`,
  apiVersion: "2024-06-01",
  deployments: [
    { deploymentName: "prod-4o", alias: "gpt-4o", isDefault: true, apiVersion: "2024-10-21" },
    { deploymentName: "prod-embed", alias: "text-embedding-3-small", isDefault: false },
  ],
});

describe("OpenAI adapter over HTTP", () => {
  it.each(ENDPOINTS)("%s reaches the mock with the Bearer key and the body's model", async (endpoint) => {
    const res = await send(built(openAiAdapter.buildRequest(endpoint, BODIES[endpoint], openAiCreds())));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { model?: string };
    expect(json.model).toBe(BODIES[endpoint].model);
    expect(mock.requests()).toMatchObject([{ provider: "openai", path: endpoint, key: OPENAI_KEY, model: BODIES[endpoint].model }]);
  });

  it("streams chat completions as SSE when the body asks for it", async () => {
    const body = { ...BODIES["chat/completions"], stream: true };
    const res = await send(built(openAiAdapter.buildRequest("chat/completions", body, openAiCreds())));
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(sseData(await res.text()).at(-1)).toBe("[DONE]");
    expect(mock.requests()[0]?.stream).toBe(true);
  });

  it("normalises an invalid key and a scripted 500 to OpenAI's shape", async () => {
    const bad = await send(
      built(openAiAdapter.buildRequest("chat/completions", BODIES["chat/completions"], { ...openAiCreds(), apiKey: "sk-invalid-0000" })),
    );
    expect(openAiAdapter.normalizeError(bad.status, await bad.text())).toMatchObject({
      status: 401,
      body: { error: { type: "invalid_request_error", code: "invalid_api_key", param: null } },
    });
    mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 500 }, times: 1 });
    const res = await send(built(openAiAdapter.buildRequest("embeddings", BODIES.embeddings, openAiCreds())));
    expect(openAiAdapter.normalizeError(res.status, await res.text())).toEqual({
      status: 500,
      body: {
        error: {
          message: "The server had an error while processing your request. Sorry about that!",
          type: "server_error",
          param: null,
          code: null,
        },
      },
    });
  });
});

describe("Azure OpenAI adapter over HTTP", () => {
  it.each([
    ["chat/completions", "prod-4o", "2024-10-21"],
    ["completions", "prod-4o", "2024-10-21"],
    ["embeddings", "prod-embed", "2024-06-01"],
  ] as const)("%s reaches deployment %s with api-key and api-version %s", async (endpoint, deployment, apiVersion) => {
    const req = built(azureOpenAiAdapter.buildRequest(endpoint, BODIES[endpoint], azureCreds()));
    expect(req).toMatchObject({ deployment, apiVersion });
    const res = await send(req);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model?: string }).model).toBe(BODIES[endpoint].model);
    expect(mock.requests()).toMatchObject([{ provider: "azure", path: endpoint, key: AZURE_KEY, deployment, apiVersion }]);
  });

  it("uses the default deployment for a model without an alias", async () => {
    const body = { ...BODIES["chat/completions"], model: "gpt-4.1", stream: true };
    const res = await send(built(azureOpenAiAdapter.buildRequest("chat/completions", body, azureCreds())));
    expect(res.status).toBe(200);
    expect(sseData(await res.text()).at(-1)).toBe("[DONE]");
    expect(mock.requests()).toMatchObject([{ deployment: "prod-4o", model: "gpt-4.1", stream: true }]);
  });

  it("normalises Azure's 429 to OpenAI's shape and keeps the retry headers readable", async () => {
    mock.script({ match: { provider: "azure", deployment: "prod-4o" }, fault: { kind: "status", status: 429, retryAfterMs: 1500 } });
    const res = await send(built(azureOpenAiAdapter.buildRequest("chat/completions", BODIES["chat/completions"], azureCreds())));
    expect(res.status).toBe(429);
    expect(res.headers.get("x-ms-retry-after-ms")).toBe("1500");
    const { status, body } = azureOpenAiAdapter.normalizeError(res.status, await res.text());
    expect(status).toBe(429);
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error).toMatchObject({ code: "429", type: null, param: null });
    expect(body.error.message).toContain("exceeded call rate limit");
    expect(body.error.message).toContain("API version 2024-10-21");
  });

  it("normalises a deployment the resource does not have and a wrong key", async () => {
    const creds = { ...azureCreds(), deploymentId: "missing-deployment" };
    const res = await send(built(azureOpenAiAdapter.buildRequest("chat/completions", BODIES["chat/completions"], creds)));
    expect(azureOpenAiAdapter.normalizeError(res.status, await res.text())).toMatchObject({
      status: 404,
      body: { error: { code: "DeploymentNotFound", type: null, message: expect.stringContaining("does not exist") } },
    });
    mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 401 }, times: 1 });
    const denied = await send(built(azureOpenAiAdapter.buildRequest("embeddings", BODIES.embeddings, azureCreds())));
    expect(azureOpenAiAdapter.normalizeError(denied.status, await denied.text())).toMatchObject({
      status: 401,
      body: { error: { code: "401", message: expect.stringContaining("Access denied") } },
    });
  });
});

describe("the mock's own address as custom_host", () => {
  it("is refused as loopback unless the operator allows it", async () => {
    expect(await validateCustomHost(`${mock.url}/v1`, [])).toMatchObject({ ok: false, message: expect.stringContaining('"127.0.0.1"') });
    expect(await validateCustomHost(`${mock.url}/v1`, ["127.0.0.1", "localhost"])).toEqual({ ok: true });
  });
});
