/**
 * Azure's v1 API through Detour (docs/GATEWAY.md §1.1): a virtual key created through the
 * management API without api_version stores v1 and sends /openai/v1/{endpoint} with the chosen
 * deployment as the body's model, streaming or not, logged like any request; a key stored before
 * (dated api_version) keeps the dated form; a v1 base URL as custom_host is the v1 API; a key naming
 * an Azure AI Foundry host sends its secret there and nowhere else.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, withKey, type ApiClient } from "../../testing/api-client";
import { sseJson } from "../../testing/mock-upstream/testing";

describe("Azure v1 API through Detour", () => {
  let h: Harness;
  let api: ApiClient;
  let v1Key: string;
  const secret = "azure-v1-secret-000000000000000000v1v1";

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    const created = await api.post("/virtual-keys", {
      name: "Azure v1",
      provider: "azure-openai",
      key: secret,
      resource_name: "detour-v1",
      custom_host: `${h.mock.url}/openai`,
      deployments: [
        { deployment_name: "gpt4o-prod", alias: "gpt-4o", is_default: true },
        { deployment_name: "mini-prod", alias: "gpt-4o-mini" },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.json.api_version).toBe("v1");
    v1Key = created.json.slug;
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const post = (headers: Record<string, string>, body: Record<string, unknown>) =>
    fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });

  it("sends a chat to /openai/v1/chat/completions with the deployment as model, and logs it", async () => {
    const res = await post({ "x-portkey-virtual-key": v1Key, "x-portkey-trace-id": "azure-v1-json" }, chatBody({ model: "gpt-4o-mini" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(res.headers.get("apim-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const json = await res.json();
    expect(json.choices[0].message.content).toContain("Mock answer from azure (key ...v1v1)");
    expect(json.prompt_filter_results).toBeDefined();
    expect(h.mock.requests()).toMatchObject([
      {
        provider: "azure",
        url: "/openai/v1/chat/completions",
        deployment: "mini-prod",
        model: "mini-prod",
        apiVersion: "v1",
        key: secret,
        status: 200,
      },
    ]);

    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({
      traceId: "azure-v1-json",
      status: 200,
      provider: "azure-openai",
      virtualKeySlug: v1Key,
      modelRequested: "gpt-4o-mini",
      model: "mini-prod",
      stream: false,
      errorType: null,
    });
    expect(log.totalTokens).toBeGreaterThan(0);
    expect(log.attempts.map((a) => [a.provider, a.status, a.virtualKeySlug])).toEqual([["azure-openai", 200, v1Key]]);
    expect(log.requestBody).not.toContain(secret);
  });

  it("streams through /openai/v1 the same way, with usage for the log", async () => {
    const res = await post({ "x-portkey-virtual-key": v1Key }, chatBody({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const chunks = sseJson(await res.text());
    expect(chunks[0]).toMatchObject({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
    expect(chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("")).toContain("Mock answer from azure");
    // Detour asked the upstream for usage (§5.6) and kept that chunk from the caller.
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(h.mock.requests()).toMatchObject([
      { url: "/openai/v1/chat/completions", deployment: "gpt4o-prod", model: "gpt4o-prod", stream: true, includeUsage: true },
    ]);
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ status: 200, provider: "azure-openai", stream: true, modelRequested: "gpt-4o", virtualKeySlug: v1Key });
    expect(log.totalTokens).toBeGreaterThan(0);
  });

  it("embeddings and legacy completions take /openai/v1 too", async () => {
    for (const [endpoint, body] of [
      ["embeddings", { model: "gpt-4o", input: "embed me" }],
      ["completions", { model: "gpt-4o", prompt: "Say hi" }],
    ] as const) {
      const res = await fetch(`${h.baseURL}/${endpoint}`, {
        method: "POST",
        headers: h.headers({ "x-portkey-virtual-key": v1Key }),
        body: JSON.stringify(body),
      });
      expect(res.status, endpoint).toBe(200);
    }
    expect(h.mock.requests().map((r) => [r.url, r.model])).toEqual([
      ["/openai/v1/embeddings", "gpt4o-prod"],
      ["/openai/v1/completions", "gpt4o-prod"],
    ]);
  });

  it("keeps the dated form for a key that stores a dated api_version", async () => {
    const dated = await h.azureKey("Azure dated");
    const res = await post({ "x-portkey-virtual-key": dated }, chatBody({ model: "gpt-4o-mini" }));
    expect(res.status).toBe(200);
    expect(h.mock.requests()).toMatchObject([
      { url: "/openai/deployments/mini-prod/chat/completions?api-version=2024-10-21", apiVersion: "2024-10-21", model: "gpt-4o-mini" },
    ]);
  });

  it("takes a v1 base URL as custom_host on a config target without api_version", async () => {
    const config = {
      provider: "azure-openai",
      api_key: "azure-direct-key-000000000000",
      custom_host: `${h.mock.url}/openai/v1`,
      deployment_id: "pinned",
    };
    const res = await post({ "x-portkey-config": JSON.stringify(config) }, chatBody());
    expect(res.status).toBe(200);
    expect(h.mock.requests()).toMatchObject([{ url: "/openai/v1/chat/completions", model: "pinned", apiVersion: "v1" }]);
    const dated = await post({ "x-portkey-config": JSON.stringify({ ...config, api_version: "2024-10-21" }) }, chatBody());
    expect(dated.status).toBe(400);
    const error = (await dated.json()).error;
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/api_version.*"2024-10-21" is a dated api-version, but custom_host ends in \/openai\/v1/);
    expect(h.mock.requests()).toHaveLength(1);
  });

  it("lists the key's deployments' model names for GET /models, without asking Azure", async () => {
    const res = await fetch(`${h.baseURL}/models`, { headers: h.headers({ "x-portkey-virtual-key": v1Key }) });
    expect(res.status).toBe(200);
    expect(((await res.json()).data as { id: string }[]).map((m) => m.id)).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(h.mock.requests()).toEqual([]);
  });

  it("a key naming an Azure AI Foundry host sends its secret only there", async () => {
    const created = await api.post("/virtual-keys", {
      name: "Foundry",
      provider: "azure-openai",
      key: "azure-foundry-secret-00000000000000",
      resource_name: "detour-foundry.services.ai.azure.com",
      deployment_name: "gpt4o-prod",
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ resource_name: "detour-foundry.services.ai.azure.com", api_version: "v1" });
    for (const host of [`${h.mock.url}/openai/v1`, "https://detour-foundry.openai.azure.com/openai"]) {
      const res = await post({ "x-portkey-virtual-key": created.json.slug, "x-portkey-custom-host": host }, chatBody());
      expect(res.status, host).toBe(400);
      const error = (await res.json()).error;
      expect(error.code).toBe("custom_host_not_allowed_for_virtual_key");
      expect(error.message).toContain("(https://detour-foundry.services.ai.azure.com)");
    }
    expect(h.mock.requests()).toEqual([]);
    const other = await api.post("/virtual-keys", {
      name: "Not Azure",
      provider: "azure-openai",
      key: "azure-foundry-secret-00000000000001",
      resource_name: "detour.example.com",
      deployment_name: "d",
    });
    expect(other.status).toBe(400);
    expect(other.json.error.issues).toEqual([
      {
        path: "resource_name",
        message:
          "must be a resource name (letters, digits and hyphens) or a full host <name>.openai.azure.com or <name>.services.ai.azure.com",
      },
    ]);
  });
});
