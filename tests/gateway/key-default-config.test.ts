/**
 * An API key's default config over real HTTP (docs/GATEWAY.md §2): a client that sends only the key
 * (x-api-key, or Authorization: Bearer) is routed by the key's default config and the log says the
 * config came from the key; a request that names its own config, virtual key or direct provider is
 * routed by that; a default changed through the management API routes the very next request; a
 * default deleted since answers 404 saying it is the key's default and how to fix it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, withKey, type ApiClient } from "../../testing/api-client";

describe("an API key's default config", () => {
  let h: Harness;
  let api: ApiClient;
  let openaiVk: string;
  let azureVk: string;
  let openaiDefault: string;
  let azureConfig: string;
  let key: { id: string; key: string };
  const openaiSecret = "sk-openai-key-default-0000000000aaaa";

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    openaiVk = await h.openaiKey("OpenAI", openaiSecret);
    azureVk = await h.azureKey("Azure");
    openaiDefault = await h.config("OpenAI default", { virtual_key: openaiVk });
    azureConfig = await h.config("Azure only", { virtual_key: azureVk });
    const created = await api.post("/api-keys", { name: "claude code", default_config: openaiDefault });
    expect(created.status).toBe(201);
    key = created.json;
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  /** A chat request with `headers` only: no x-portkey-api-key unless given. */
  async function chat(headers: Record<string, string>) {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(chatBody()),
    });
    const json = JSON.parse(await res.text()) as Record<string, any>;
    return { res, status: res.status, json, requestId: res.headers.get("x-portkey-request-id")! };
  }

  it("routes a request carrying only the key, in x-api-key or in Authorization, by the key's default config", async () => {
    const auths: Record<string, string>[] = [{ "x-api-key": key.key }, { authorization: `Bearer ${key.key}` }];
    for (const auth of auths) {
      h.mock.reset();
      const r = await chat(auth);
      expect(r.status, Object.keys(auth)[0]).toBe(200);
      expect(r.res.headers.get("x-portkey-provider")).toBe("openai");
      expect(r.res.headers.get("x-portkey-last-used-option-index")).toBe("config");
      expect(h.mock.requests()).toHaveLength(1);
      expect(h.mock.requests()[0]).toMatchObject({ provider: "openai", key: openaiSecret, model: "gpt-4o" });
      const log = await h.waitForLog(r.requestId);
      expect(log).toMatchObject({ configSlug: openaiDefault, configVersion: 1, configFromKey: true, apiKeyId: key.id, status: 200 });
    }
    const last = await chat({ "x-api-key": key.key });
    await h.waitForLog(last.requestId);
    expect((await api.get(`/logs/${last.requestId}`)).json).toMatchObject({ config: openaiDefault, config_from_api_key: true });
  });

  it("a request that names its own config, virtual key or provider is routed by that (configFromKey false)", async () => {
    const own = await chat({ "x-api-key": key.key, "x-portkey-config": azureConfig });
    expect(own.status).toBe(200);
    expect(own.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(await h.waitForLog(own.requestId)).toMatchObject({ configSlug: azureConfig, configFromKey: false });

    const inline = await chat({ "x-portkey-api-key": key.key, "x-portkey-config": JSON.stringify({ virtual_key: azureVk }) });
    expect(inline.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(await h.waitForLog(inline.requestId)).toMatchObject({ configSlug: null, configFromKey: false });

    const byKey = await chat({ "x-portkey-api-key": key.key, "x-portkey-virtual-key": azureVk });
    expect(byKey.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(await h.waitForLog(byKey.requestId)).toMatchObject({ configSlug: null, configFromKey: false });

    h.mock.reset();
    const direct = await chat({
      "x-portkey-api-key": key.key,
      "x-portkey-provider": "openai",
      authorization: "Bearer sk-direct-key-default-00000000cccc",
      "x-portkey-custom-host": `${h.mock.url}/v1`,
    });
    expect(direct.status).toBe(200);
    expect(h.mock.requests()[0]).toMatchObject({ provider: "openai", key: "sk-direct-key-default-00000000cccc" });
    expect(await h.waitForLog(direct.requestId)).toMatchObject({ configSlug: null, configFromKey: false });
  });

  it("a default changed or cleared through the management API routes the very next request (the key is cached)", async () => {
    const k = (await api.post("/api-keys", { name: "switching default", default_config: openaiDefault })).json;
    expect((await chat({ "x-api-key": k.key })).res.headers.get("x-portkey-provider")).toBe("openai"); // cached now

    expect((await api.put(`/api-keys/${k.id}`, { default_config: azureConfig })).status).toBe(200);
    const switched = await chat({ "x-api-key": k.key });
    expect(switched.status).toBe(200);
    expect(switched.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(await h.waitForLog(switched.requestId)).toMatchObject({ configSlug: azureConfig, configFromKey: true });

    expect((await api.put(`/api-keys/${k.id}`, { default_config: null })).status).toBe(200);
    const none = await chat({ "x-api-key": k.key });
    expect(none.status).toBe(400);
    expect(none.json.error).toMatchObject({ code: "no_target", type: "invalid_request_error" });
    expect(none.json.error.message).toMatch(/x-portkey-config.*x-portkey-virtual-key.*x-portkey-provider.*default config/);
  });

  it("GET /v1/models lists what the key's default config reaches when the request names nothing", async () => {
    const azureOnly = (await api.post("/api-keys", { name: "models by default", default_config: azureConfig })).json;
    const res = await fetch(`${h.baseURL}/models`, { headers: { "x-api-key": azureOnly.key } });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { id: string; owned_by: string }[] }).data;
    // The Azure key's deployments only: not every virtual key of the workspace (the OpenAI one is not asked).
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((m) => m.owned_by === "azure-openai")).toBe(true);
    expect(h.mock.requests({ provider: "openai" })).toHaveLength(0);
  });

  it("a default config deleted since: 404 config_not_found saying it is the key's default and how to fix it", async () => {
    const doomed = (await api.post("/configs", { name: "doomed default", config: { virtual_key: openaiVk } })).json;
    const k = (await api.post("/api-keys", { name: "orphaned default", default_config: doomed.slug })).json;
    expect((await chat({ "x-api-key": k.key })).status).toBe(200); // key and config cached
    expect((await api.del(`/configs/${doomed.slug}`)).status).toBe(200);
    h.mock.reset();

    const r = await chat({ "x-api-key": k.key });
    expect(r.status).toBe(404);
    expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
    expect(r.json.error).toMatchObject({ code: "config_not_found", type: "not_found_error" });
    expect(r.json.error.message).toContain(JSON.stringify(doomed.slug));
    expect(r.json.error.message).toContain("this API key's default config");
    expect(r.json.error.message).toMatch(/default_config/);
    expect(h.mock.requests()).toHaveLength(0);
    // The refusal is logged under the config the key named, marked as the key's.
    expect(await h.waitForLog(r.requestId)).toMatchObject({
      status: 404,
      errorType: "config_not_found",
      configSlug: doomed.slug,
      configFromKey: true,
    });
    // The key still names it (the API keys page shows it as deleted); a request naming its own config still works.
    expect((await api.get(`/api-keys/${k.id}`)).json.default_config).toBe(doomed.slug);
    expect((await chat({ "x-api-key": k.key, "x-portkey-config": azureConfig })).status).toBe(200);
  });
});
