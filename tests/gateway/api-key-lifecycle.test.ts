/**
 * An API key's lifecycle on the gateway, through the real SDKs (openai, portkey-ai): an expired key
 * gets 401 api_key_expired naming the key by name and prefix, never itself, even while the gateway
 * still caches it; a rotation with a grace period lets both keys work, then the old one gets 401
 * naming the new key's prefix; allowed_models refuses other models with 403 model_not_allowed before
 * anything is sent upstream (logged), and GET /v1/models lists only the allowed ones.
 */
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, withKey, type ApiClient } from "../../testing/api-client";

type SdkError = { status?: number; error?: { message: string; type: string; code: string; param: string | null } };

describe("API key lifecycle on the gateway", () => {
  let h: Harness;
  let api: ApiClient;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    vk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const openai = (key: string) =>
    new OpenAI({ apiKey: key, baseURL: h.baseURL, defaultHeaders: { "x-portkey-virtual-key": vk }, maxRetries: 0 });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (err: SdkError) => err,
    );

  /** Polls `check` until it is true (at most `ms`); the expiry under test is seconds away. */
  async function until(check: () => Promise<boolean>, ms = 15_000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("condition not reached in time");
  }

  async function createKey(body: Record<string, unknown>) {
    const r = await api.post("/api-keys", body);
    expect(r.status, r.text).toBe(201);
    return r.json as { id: string; key: string; prefix: string; name: string };
  }

  it("openai SDK: a key past its expires_at gets 401 api_key_expired, though the gateway cached it while it worked", async () => {
    const expiresAt = new Date(Date.now() + 5_000);
    const key = await createKey({ name: "short-lived", expires_at: expiresAt.toISOString() });
    const ok = await openai(key.key).chat.completions.create(chatBody());
    expect(ok.choices[0]?.message.content).toBeTruthy(); // the key is in the gateway's cache (60 s) now

    let err: SdkError | null = null;
    await until(async () => {
      err = await failure(openai(key.key).chat.completions.create(chatBody()));
      return err !== null;
    });
    expect(err).toMatchObject({
      status: 401,
      error: {
        type: "authentication_error",
        code: "api_key_expired",
        param: null,
        message: `This Detour API key (short-lived, ${key.prefix}...) expired at ${expiresAt.toISOString()}.`,
      },
    });
    expect(JSON.stringify(err!.error)).not.toContain(key.key);

    // The same on the raw body, and on GET /v1/models.
    const raw = await fetch(`${h.baseURL}/models`, { headers: { authorization: `Bearer ${key.key}` } });
    const text = await raw.text();
    expect(raw.status).toBe(401);
    expect(JSON.parse(text).error.code).toBe("api_key_expired");
    expect(text).not.toContain(key.key);
  });

  it("an expired admin key is refused on the management API too (401 api_key_expired)", async () => {
    const expiresAt = new Date(Date.now() + 5_000);
    const admin = await createKey({ name: "admin short-lived", scope: "admin", expires_at: expiresAt.toISOString() });
    expect((await withKey(h, admin.key).get("/configs")).status).toBe(200);
    await until(async () => (await withKey(h, admin.key).get("/configs")).status === 401);
    const r = await withKey(h, admin.key).get("/configs");
    expect(r.json.error).toMatchObject({ code: "api_key_expired", type: "authentication_error" });
    // The prefix is the key's start (base64url: it may hold "-" or "_"), never the key.
    expect(r.json.error.message).toBe(`This Detour API key (admin short-lived, ${admin.prefix}...) expired at ${expiresAt.toISOString()}.`);
    expect(r.text).not.toContain(admin.key);
  });

  it("rotation with a 5 s grace period: both keys work, then the old one gets 401 naming the new key's prefix", async () => {
    const old = await createKey({ name: "rotating", allowed_models: ["gpt-4o*"] });
    expect((await openai(old.key).chat.completions.create(chatBody())).choices).toHaveLength(1); // cached

    const rotated = await api.post(`/api-keys/${old.id}/rotate`, { grace_period_seconds: 5 });
    expect(rotated.status, rotated.text).toBe(201);
    const fresh = rotated.json as { id: string; key: string; prefix: string; old_key_expires_at: string };
    expect(rotated.json).toMatchObject({ name: "rotating", allowed_models: ["gpt-4o*"], rotated_from: old.id });
    expect(Date.parse(fresh.old_key_expires_at) - Date.now()).toBeLessThanOrEqual(5_000);

    // During the grace period both work (the new one keeps the old one's allow-list).
    expect((await openai(old.key).chat.completions.create(chatBody())).choices).toHaveLength(1);
    expect((await openai(fresh.key).chat.completions.create(chatBody())).choices).toHaveLength(1);

    let err: SdkError | null = null;
    await until(async () => {
      err = await failure(openai(old.key).chat.completions.create(chatBody()));
      return err !== null;
    });
    expect(err).toMatchObject({ status: 401, error: { code: "api_key_expired", type: "authentication_error" } });
    expect(err!.error!.message).toBe(
      `This Detour API key (rotating, ${old.prefix}...) expired at ${fresh.old_key_expires_at}: it was rotated, and its grace period is over. Use the key that replaced it (${fresh.prefix}...).`,
    );
    expect(JSON.stringify(err)).not.toContain(old.key);
    expect(JSON.stringify(err)).not.toContain(fresh.key);
    expect((await openai(fresh.key).chat.completions.create(chatBody())).choices).toHaveLength(1);
    expect((await api.get(`/api-keys/${old.id}`)).json).toMatchObject({
      status: "expired",
      rotated_to: fresh.id,
      rotated_to_prefix: fresh.prefix,
    });
  });

  it("rotation without a grace period stops the old key at once", async () => {
    const old = await createKey({ name: "rotate now" });
    expect((await openai(old.key).chat.completions.create(chatBody())).choices).toHaveLength(1);
    const fresh = (await api.post(`/api-keys/${old.id}/rotate`, {})).json;
    const err = await failure(openai(old.key).chat.completions.create(chatBody()));
    expect(err).toMatchObject({ status: 401, error: { code: "api_key_expired" } });
    expect(err!.error!.message).toContain(`(${fresh.prefix}...)`);
    expect((await openai(fresh.key).chat.completions.create(chatBody())).choices).toHaveLength(1);
  });

  describe("allowed_models", () => {
    let limited: { id: string; key: string; prefix: string };
    beforeAll(async () => {
      limited = await createKey({ name: "mini only", allowedModels: ["gpt-4o-mini", "o3-*"] });
    });

    it("openai SDK: an allowed model (exact or glob) is served; another gets 403 model_not_allowed, nothing sent upstream, logged", async () => {
      expect((await openai(limited.key).chat.completions.create(chatBody({ model: "gpt-4o-mini" }))).model).toBe("gpt-4o-mini");
      expect((await openai(limited.key).chat.completions.create(chatBody({ model: "o3-pro" }))).choices).toHaveLength(1);
      h.mock.reset();

      const error = (await failure(openai(limited.key).chat.completions.create(chatBody({ model: "gpt-4o" })))) as
        | (SdkError & { headers?: Headers })
        | null;
      expect(error).toMatchObject({
        status: 403,
        error: {
          type: "permission_error",
          code: "model_not_allowed",
          param: "model",
          message: 'Model "gpt-4o" is not allowed for this API key (mini only): it allows gpt-4o-mini, o3-*.',
        },
      });
      expect(h.mock.requests()).toHaveLength(0);
      const requestId = error?.headers?.get("x-portkey-request-id");
      expect(requestId).toBeTruthy();
      const log = await h.waitForLog(requestId!);
      expect(log).toMatchObject({ status: 403, errorType: "model_not_allowed", apiKeyId: limited.id, modelRequested: "gpt-4o" });
    });

    it("portkey-ai SDK: the same 403 body; a request that names no model is refused too", async () => {
      const portkey = new Portkey({ apiKey: limited.key, baseURL: h.baseURL, virtualKey: vk });
      // portkey-ai keeps the whole body in `error` ({error: {...}}), where openai keeps its inner object.
      const refused = (await failure(portkey.chat.completions.create({ ...chatBody(), model: "gpt-4.1" }))) as {
        status?: number;
        error?: { error?: unknown };
      } | null;
      expect(refused?.status).toBe(403);
      expect(refused?.error?.error).toMatchObject({
        type: "permission_error",
        code: "model_not_allowed",
        param: "model",
        message: 'Model "gpt-4.1" is not allowed for this API key (mini only): it allows gpt-4o-mini, o3-*.',
      });

      const noModel = await fetch(`${h.baseURL}/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-portkey-api-key": limited.key, "x-portkey-virtual-key": vk },
        body: JSON.stringify({ input: "hello" }),
      });
      expect(noModel.status).toBe(403);
      expect((await noModel.json()).error).toMatchObject({
        code: "model_not_allowed",
        param: "model",
        message: "A request that names no model is not allowed for this API key (mini only): it allows gpt-4o-mini, o3-*.",
      });
      expect(h.mock.requests()).toHaveLength(0);
    });

    it("GET /v1/models lists only the allowed models; a key without a list sees them all", async () => {
      const listed = await openai(limited.key).models.list();
      expect(listed.data.map((m) => m.id)).toEqual(["gpt-4o-mini"]);
      const all = await createKey({ name: "any model" });
      expect((await openai(all.key).models.list()).data.map((m) => m.id)).toContain("gpt-4o");
    });

    it("a change of the list reaches the gateway on the next request", async () => {
      expect((await api.put(`/api-keys/${limited.id}`, { allowed_models: ["gpt-4o"] })).status).toBe(200);
      expect((await openai(limited.key).chat.completions.create(chatBody({ model: "gpt-4o" }))).choices).toHaveLength(1);
      expect((await api.put(`/api-keys/${limited.id}`, { allowed_models: null })).json.allowed_models).toBeNull();
      expect((await openai(limited.key).chat.completions.create(chatBody({ model: "gpt-4.1" }))).choices).toHaveLength(1);
    });
  });
});
