/**
 * A virtual key's lifecycle at the gateway, through the real SDKs (openai, portkey-ai): an expired
 * key is refused like a revoked one (403 `virtual_key_expired`, also once its cache entry outlives
 * the time), and `allowed_models` refuses a target whose model (after `override_params`) is not on
 * the list before any upstream call (403 `model_not_allowed`), so a fallback moves on.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

type ErrorFields = { message: string; type: string; param: string | null; code: string };
type SdkError = { status?: number; error?: ErrorFields | { error: ErrorFields } };

/** The SDK's error as status and Detour's `error` object (openai keeps the inner object, portkey-ai's own client the body). */
const failure = (promise: Promise<unknown>): Promise<{ status?: number; error?: ErrorFields }> =>
  promise.then(
    () => {
      throw new Error("the request succeeded");
    },
    (err: SdkError) => ({ status: err.status, error: err.error && "error" in err.error ? err.error.error : err.error }),
  );

const allowing = (...models: string[]) => JSON.stringify(models);

describe("virtual key expiry and allowed models", () => {
  let h: Harness;
  const miniSecret = "sk-lifecycle-mini-only-000000000001";
  const anySecret = "sk-lifecycle-any-model-000000000002";
  let miniOnly: string;
  let anyModel: string;

  const openai = (headers: Record<string, string>) =>
    new OpenAI({ apiKey: "unused-by-detour", baseURL: h.baseURL, defaultHeaders: { "x-portkey-api-key": h.apiKey, ...headers } });

  beforeAll(async () => {
    h = await startHarness();
    miniOnly = await h.vk({
      name: "mini only",
      provider: "openai",
      secret: miniSecret,
      customHost: `${h.mock.url}/v1`,
      allowedModels: allowing("gpt-4o-mini", "o3-*"),
    });
    anyModel = await h.vk({ name: "any model", provider: "openai", secret: anySecret, customHost: `${h.mock.url}/v1` });
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  it("an expired key gets 403 virtual_key_expired, even while its cache entry (loaded before) is still fresh", async () => {
    const secret = "sk-lifecycle-expiring-00000000000003";
    const expiresAt = new Date(Date.now() + 5_000);
    const slug = await h.vk({ name: "expiring", provider: "openai", secret, customHost: `${h.mock.url}/v1`, expiresAt });
    const client = openai({ "x-portkey-virtual-key": slug });
    const ok = await client.chat.completions.create(chatBody());
    expect(ok.choices[0]?.message.content).toContain("Mock answer from openai"); // cached by the gateway now (60 s)

    while (Date.now() <= expiresAt.getTime()) await new Promise((r) => setTimeout(r, 100));
    h.mock.reset();
    const denied = await failure(client.chat.completions.create(chatBody()));
    expect(denied.status).toBe(403);
    expect(denied.error).toEqual({
      message: `Virtual key "${slug}" expired at ${expiresAt.toISOString()}.`,
      type: "permission_error",
      param: null,
      code: "virtual_key_expired",
    });
    expect(JSON.stringify(denied)).not.toContain(secret);

    // portkey-ai, the key named by a saved config's target: refused the same way, before any call.
    const config = await h.config("uses expired", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: slug }, { virtual_key: anyModel }],
    });
    const portkey = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config });
    const viaConfig = await failure(portkey.chat.completions.create(chatBody()));
    expect(viaConfig.status).toBe(403);
    expect(viaConfig.error).toMatchObject({ code: "virtual_key_expired", type: "permission_error" });
    expect(viaConfig.error?.message).toBe(`Virtual key "${slug}" expired at ${expiresAt.toISOString()} (config.targets[0]).`);
    expect(JSON.stringify(viaConfig)).not.toContain(secret);
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a model off the list: a single target answers 403 model_not_allowed, and nothing reaches the provider", async () => {
    const denied = await failure(openai({ "x-portkey-virtual-key": miniOnly }).chat.completions.create(chatBody({ model: "gpt-4o" })));
    expect(denied.status).toBe(403);
    expect(denied.error).toEqual({
      message: `Model "gpt-4o" is not allowed for virtual key "${miniOnly}": it allows gpt-4o-mini, o3-*.`,
      type: "permission_error",
      param: "model",
      code: "model_not_allowed",
    });
    expect(JSON.stringify(denied)).not.toContain(miniSecret);

    const portkey = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, virtualKey: miniOnly });
    const viaPortkey = await failure(portkey.chat.completions.create(chatBody({ model: "gpt-4.1" })));
    expect(viaPortkey.status).toBe(403);
    expect(viaPortkey.error).toMatchObject({ code: "model_not_allowed", param: "model" });
    expect(viaPortkey.error?.message).toContain('Model "gpt-4.1"');
    expect(h.mock.requests()).toHaveLength(0);

    // Exact names and globs on the list pass.
    const mini = await portkey.chat.completions.create(chatBody({ model: "gpt-4o-mini" }));
    expect(mini.model).toBe("gpt-4o-mini");
    const o3 = await portkey.chat.completions.create(chatBody({ model: "o3-mini" }));
    expect(o3.model).toBe("o3-mini");
    expect(h.mock.requests().map((r) => [r.key, r.model])).toEqual([
      [miniSecret, "gpt-4o-mini"],
      [miniSecret, "o3-mini"],
    ]);
  });

  it("a body without a model is refused by a key with a list", async () => {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": miniOnly }),
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error).toMatchObject({ code: "model_not_allowed", param: "model" });
    expect(body.error.message).toContain("names no model");
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("fallback: the first target's key does not allow the model, so the second serves and the first is never called", async () => {
    const config = { strategy: { mode: "fallback" }, targets: [{ virtual_key: miniOnly }, { virtual_key: anyModel }] };
    const { data, response } = await openai({ "x-portkey-config": JSON.stringify(config) })
      .chat.completions.create(chatBody({ model: "gpt-4o" }))
      .withResponse();
    expect(data.model).toBe("gpt-4o");
    expect(response.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    expect(h.mock.requests({ key: miniSecret })).toHaveLength(0);
    expect(h.mock.requests().map((r) => r.key)).toEqual([anySecret]);

    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ status: 200, fallbackUsed: true, virtualKeySlug: anyModel });
    expect(log.attempts.map((a) => [a.targetPath, a.status, a.virtualKeySlug])).toEqual([
      ["config.targets[0]", 403, miniOnly],
      ["config.targets[1]", 200, anyModel],
    ]);
  });

  it("the model checked is the one the target sends: its override_params", async () => {
    const overridden = { virtual_key: miniOnly, override_params: { model: "gpt-4o-mini" } };
    const portkey = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config: JSON.stringify(overridden) });
    const ok = await portkey.chat.completions.create(chatBody({ model: "gpt-4o" }));
    expect(ok.model).toBe("gpt-4o-mini");
    expect(h.mock.requests().map((r) => [r.key, r.model])).toEqual([[miniSecret, "gpt-4o-mini"]]);

    h.mock.reset();
    const toDisallowed = { virtual_key: miniOnly, override_params: { model: "gpt-4.1" } };
    const client = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config: JSON.stringify(toDisallowed) });
    const denied = await failure(client.chat.completions.create(chatBody({ model: "gpt-4o-mini" })));
    expect(denied.status).toBe(403);
    expect(denied.error?.message).toBe(`Model "gpt-4.1" is not allowed for virtual key "${miniOnly}": it allows gpt-4o-mini, o3-*.`);
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("Azure: the list applies to the model the request names, not the deployment it maps to", async () => {
    const azure = await h.azureKey("azure mini only", "azure-lifecycle-secret-000000000000004");
    await h.db.virtualKey.update({ where: { slug: azure }, data: { allowedModels: allowing("gpt-4o-mini") } });
    const client = openai({ "x-portkey-virtual-key": azure });
    const ok = await client.chat.completions.create(chatBody({ model: "gpt-4o-mini" }));
    expect(ok.choices[0]?.message.content).toContain("Mock answer from azure");
    expect(h.mock.requests()).toMatchObject([{ provider: "azure", deployment: "mini-prod" }]);
    const denied = await failure(client.chat.completions.create(chatBody({ model: "mini-prod" })));
    expect(denied.status).toBe(403);
    expect(denied.error?.code).toBe("model_not_allowed");
    expect(h.mock.requests()).toHaveLength(1);
  });

  it("GET /v1/models through a key with a list lists only the models it allows", async () => {
    const listed = await openai({ "x-portkey-virtual-key": miniOnly }).models.list();
    expect(listed.data.map((m) => m.id)).toEqual(["gpt-4o-mini"]);
    const all = await openai({ "x-portkey-virtual-key": anyModel }).models.list();
    expect(all.data.map((m) => m.id)).toEqual(expect.arrayContaining(["gpt-4o", "gpt-4o-mini", "gpt-4.1"]));
  });
});
