/**
 * /v1/virtual-keys: `expires_at` and `allowed_models` over real HTTP: create, PUT and every read
 * show them (snake_case and the SDK's camelCase), `null` removes them, and validation errors name
 * the field; a PUT takes effect at the gateway at once (an expired key works again, a new list applies).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Portkey } from "portkey-ai";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, chat, errorOf, withKey, type ApiClient } from "../../testing/api-client";

describe("management API: virtual keys' expiry and allowed models", () => {
  let h: Harness;
  let api: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const openai = (name: string, extra: Record<string, unknown> = {}) =>
    api.post("/virtual-keys", {
      name,
      provider: "openai",
      key: "sk-lifecycle-api-0000000000000001",
      custom_host: `${h.mock.url}/v1`,
      ...extra,
    });

  it("create with both fields: every read shows them (expiry in UTC); a key without them shows null", async () => {
    const r = await openai("with lifecycle", { expires_at: "2031-06-01T12:00:00+02:00", allowed_models: ["gpt-4o-mini", "o3-*"] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ expires_at: "2031-06-01T10:00:00.000Z", allowed_models: ["gpt-4o-mini", "o3-*"] });
    const listed = (await api.get("/virtual-keys")).json.data.find((k: { slug: string }) => k.slug === r.json.slug);
    expect(listed).toMatchObject({ expires_at: "2031-06-01T10:00:00.000Z", allowed_models: ["gpt-4o-mini", "o3-*"] });
    expect((await api.get(`/virtual-keys/${r.json.slug}`)).json).toMatchObject({ allowed_models: ["gpt-4o-mini", "o3-*"] });

    const plain = await openai("without lifecycle");
    expect(plain.json).toMatchObject({ expires_at: null, allowed_models: null });
  });

  it("camelCase (the portkey-ai SDK's spelling) works on create and PUT", async () => {
    const r = await openai("camel", { expiresAt: "2032-01-01T00:00:00Z", allowedModels: ["gpt-4.1*"] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ expires_at: "2032-01-01T00:00:00.000Z", allowed_models: ["gpt-4.1*"] });
    const put = await api.put(`/virtual-keys/${r.json.slug}`, { allowedModels: ["gpt-4o"], expiresAt: null });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ expires_at: null, allowed_models: ["gpt-4o"], rotated: false });
  });

  it("the portkey-ai SDK's virtualKeys resource sets and reads them", async () => {
    const admin = new Portkey({ apiKey: ADMIN_KEY, baseURL: h.baseURL });
    // Fields the SDK's types do not name (yet) go through as sent.
    const created = await admin.virtualKeys.create({
      name: "sdk lifecycle",
      provider: "openai",
      key: "sk-lifecycle-sdk-00000000000000001",
      customHost: `${h.mock.url}/v1`,
      expiresAt: "2034-04-04T04:04:04Z",
      allowedModels: ["gpt-4o-mini"],
    } as Parameters<typeof admin.virtualKeys.create>[0]);
    expect(created).toMatchObject({ expires_at: "2034-04-04T04:04:04.000Z", allowed_models: ["gpt-4o-mini"] });
    const updated = await admin.virtualKeys.update({ slug: created.slug, allowedModels: ["o3-*", "gpt-4o-mini"] } as Parameters<
      typeof admin.virtualKeys.update
    >[0]);
    expect(updated).toMatchObject({ expires_at: "2034-04-04T04:04:04.000Z", allowed_models: ["o3-*", "gpt-4o-mini"] });
    expect(await admin.virtualKeys.retrieve({ slug: created.slug! })).toMatchObject({ allowed_models: ["o3-*", "gpt-4o-mini"] });
  });

  it("PUT changes, replaces and removes them; the gateway applies each change at once", async () => {
    const slug = (await openai("put lifecycle", { allowed_models: ["gpt-4o-mini"] })).json.slug;
    const headers = { "x-portkey-virtual-key": slug };
    const denied = await chat(h, h.apiKey, headers); // chatBody asks for gpt-4o; cached by the gateway now
    expect(denied.status).toBe(403);
    expect(denied.json.error).toMatchObject({ code: "model_not_allowed", param: "model" });

    expect((await api.put(`/virtual-keys/${slug}`, { allowed_models: ["gpt-4o*"] })).json.allowed_models).toEqual(["gpt-4o*"]);
    expect((await chat(h, h.apiKey, headers)).status).toBe(200);

    // An expiry in the past cannot be saved; one that passed is the gateway's to enforce (set here in the store).
    await h.db.virtualKey.update({ where: { slug }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const nulled = await api.put(`/virtual-keys/${slug}`, { allowed_models: null, expires_at: null });
    expect(nulled.json).toMatchObject({ allowed_models: null, expires_at: null });
    expect((await chat(h, h.apiKey, headers)).status).toBe(200);

    const later = await api.put(`/virtual-keys/${slug}`, { expires_at: "2033-03-03T03:03:03.333Z" });
    expect(later.json).toMatchObject({ expires_at: "2033-03-03T03:03:03.333Z", allowed_models: null });
    expect((await api.get(`/virtual-keys/${slug}`)).json.expires_at).toBe("2033-03-03T03:03:03.333Z");
  });

  it("validation errors name the field", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ expires_at: "2020-01-01T00:00:00Z" }, "expires_at", /must be in the future/],
      [{ expires_at: "2031-01-01" }, "expires_at", /ISO 8601 time with Z or an offset/],
      [{ expires_at: "2031-01-01T00:00:00" }, "expires_at", /ISO 8601 time with Z or an offset/],
      [{ expires_at: 1_900_000_000 }, "expires_at", /ISO 8601/],
      [{ expiresAt: "2020-01-01T00:00:00Z" }, "expires_at", /must be in the future/],
      [{ allowed_models: [] }, "allowed_models", /at least one model \(null allows any model\)/],
      [{ allowed_models: "gpt-4o" }, "allowed_models", /must be a list of model names or globs/],
      [{ allowed_models: ["gpt-4o", "gpt-4o"] }, "allowed_models[1]", /listed twice/],
      [{ allowed_models: ["gpt-4o", " "] }, "allowed_models[1]", /must not be empty/],
      [{ allowedModels: [42] }, "allowed_models[0]", /model name or a glob/],
    ];
    for (const [extra, param, message] of cases) {
      const r = await openai("invalid lifecycle", extra);
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(errorOf(r).param, JSON.stringify(extra)).toBe(param);
      expect(errorOf(r).message, JSON.stringify(extra)).toMatch(message);
    }
    expect(await h.db.virtualKey.count({ where: { name: "invalid lifecycle" } })).toBe(0);

    const slug = (await openai("valid lifecycle")).json.slug;
    const put = await api.put(`/virtual-keys/${slug}`, { allowed_models: [] });
    expect(put.status).toBe(400);
    expect(errorOf(put).param).toBe("allowed_models");
  });
});
