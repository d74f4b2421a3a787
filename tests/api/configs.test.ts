/**
 * /v1/configs over real HTTP: create (slug, version), list, get, update (a new version the gateway
 * uses at once), versions and restore, soft delete (404 at the gateway at once, slug never
 * reused), validation with paths, duplicate names, auth (admin key, session, gateway key, none).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import {
  ADMIN_KEY,
  ADMIN_PASSWORD,
  apiClient,
  chat,
  errorOf,
  insertApiKey,
  signIn,
  withKey,
  type ApiClient,
} from "../../testing/api-client";

describe("management API: configs", () => {
  let h: Harness;
  let api: ApiClient;
  let vk: string;

  const routedTo = (model: string) => ({ virtual_key: vk, override_params: { model } });

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    api = withKey(h, ADMIN_KEY);
    vk = await h.openaiKey("OpenAI", "sk-openai-configs-000000000000aaaa");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function modelServedFor(slug: string): Promise<{ status: number; model?: string; requestId: string }> {
    h.mock.reset();
    const r = await chat(h, h.apiKey, { "x-portkey-config": slug });
    return { status: r.status, model: h.mock.requests()[0]?.model, requestId: r.requestId };
  }

  it("creates a config: {id, slug pc-<name letters>-<6 hex>, version_id}; the gateway serves it at once", async () => {
    const r = await api.post("/configs", { name: "Prod fallback", config: routedTo("gpt-4o-mini") });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      id: expect.any(String),
      slug: expect.stringMatching(/^pc-prodfa-[0-9a-f]{6}$/),
      version_id: expect.any(String),
      version: 1,
    });
    expect(await modelServedFor(r.json.slug)).toMatchObject({ status: 200, model: "gpt-4o-mini" });
  });

  it("gets a config by slug or id, with the canonical snake_case JSON (camelCase input accepted)", async () => {
    const created = await api.post("/configs", {
      name: "camel case",
      config: {
        strategy: { mode: "fallback", onStatusCodes: [429] },
        targets: [{ virtualKey: vk, retry: { attempts: 2 } }, { virtual_key: vk }],
      },
    });
    expect(created.status).toBe(201);
    for (const ref of [created.json.slug, created.json.id]) {
      const r = await api.get(`/configs/${ref}`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        id: created.json.id,
        slug: created.json.slug,
        name: "camel case",
        status: "active",
        is_default: false,
        version: 1,
        version_id: created.json.version_id,
      });
      expect(r.json.config).toEqual({
        strategy: { mode: "fallback", on_status_codes: [429] },
        targets: [
          { weight: 1, virtual_key: vk, retry: { attempts: 2 } },
          { weight: 1, virtual_key: vk },
        ],
      });
      expect(Date.parse(r.json.created_at)).not.toBeNaN();
    }
  });

  it("accepts the config as JSON text too", async () => {
    const r = await api.post("/configs", { name: "as text", config: JSON.stringify(routedTo("gpt-4o")) });
    expect(r.status).toBe(201);
    expect((await api.get(`/configs/${r.json.slug}`)).json.config).toEqual({ virtual_key: vk, override_params: { model: "gpt-4o" } });
  });

  it("lists configs: {object: list, total, data} without deleted ones; filters by status; pages", async () => {
    const a = await api.post("/configs", { name: "list a", config: routedTo("gpt-4o") });
    const b = await api.post("/configs", { name: "list b", config: routedTo("gpt-4o") });
    await api.put(`/configs/${b.json.slug}`, { status: "archived" });
    const gone = await api.post("/configs", { name: "list gone", config: routedTo("gpt-4o") });
    await api.del(`/configs/${gone.json.slug}`);

    const all = await api.get("/configs");
    expect(all.status).toBe(200);
    expect(all.json.object).toBe("list");
    expect(all.json.total).toBe(all.json.data.length);
    const slugs = all.json.data.map((c: { slug: string }) => c.slug);
    expect(slugs).toEqual(expect.arrayContaining([a.json.slug, b.json.slug]));
    expect(slugs).not.toContain(gone.json.slug);
    expect(all.json.data.find((c: { slug: string }) => c.slug === a.json.slug)).toEqual({
      object: "config",
      id: a.json.id,
      slug: a.json.slug,
      name: "list a",
      status: "active",
      is_default: false,
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      budget: null,
    });

    const archived = await api.get("/configs?status=archived");
    expect(archived.json.data.map((c: { slug: string }) => c.slug)).toEqual([b.json.slug]);
    const page = await api.get("/configs?page_size=1&current_page=1");
    expect(page.json.data).toHaveLength(1);
    expect(page.json.total).toBe(all.json.total);
    expect(errorOf(await api.get("/configs?page_size=0"))).toMatchObject({ code: "bad_request", param: "page_size" });
    expect(errorOf(await api.get("/configs?status=deleted"))).toMatchObject({ param: "status" });
  });

  it("update: a new version under the same slug, used by the very next request; name-only changes make none", async () => {
    const created = await api.post("/configs", { name: "versioned", config: routedTo("gpt-4o-mini") });
    const slug = created.json.slug;
    expect((await modelServedFor(slug)).model).toBe("gpt-4o-mini"); // cached by the gateway now

    const v2 = await api.put(`/configs/${slug}`, { config: routedTo("gpt-4o") });
    expect(v2.status).toBe(200);
    expect(v2.json).toMatchObject({ slug, version: 2, version_id: expect.any(String), new_version: true });
    expect(v2.json.version_id).not.toBe(created.json.version_id);
    const served = await modelServedFor(slug);
    expect(served.model).toBe("gpt-4o");
    expect(await h.waitForLog(served.requestId)).toMatchObject({ configSlug: slug, configVersion: 2 });

    const renamed = await api.put(`/configs/${created.json.id}`, { name: "versioned, renamed", slug });
    expect(renamed.json).toMatchObject({ slug, version: 2, version_id: v2.json.version_id, new_version: false });
    expect((await api.get(`/configs/${slug}`)).json).toMatchObject({ name: "versioned, renamed", version: 2 });
  });

  it("versions: listed newest first with author and content; one version by number or id", async () => {
    const created = await api.post("/configs", { name: "history", config: routedTo("gpt-4o-mini") });
    const slug = created.json.slug;
    await api.put(`/configs/${slug}`, { config: routedTo("gpt-4o") });
    const r = await api.get(`/configs/${slug}/versions`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: "list", slug, total: 2 });
    expect(r.json.data.map((v: { version: number; is_current: boolean }) => [v.version, v.is_current])).toEqual([
      [2, true],
      [1, false],
    ]);
    const adminKeyId = (await h.db.apiKey.findFirst({ where: { source: "env" } }))!.id;
    expect(r.json.data[1]).toMatchObject({
      id: created.json.version_id,
      author: `api_key:${adminKeyId}`,
      config: { virtual_key: vk, override_params: { model: "gpt-4o-mini" } },
    });

    expect((await api.get(`/configs/${slug}/versions/1`)).json).toMatchObject({ version: 1, id: created.json.version_id });
    expect((await api.get(`/configs/${slug}/versions/${created.json.version_id}`)).json).toMatchObject({ version: 1 });
    expect(errorOf(await api.get(`/configs/${slug}/versions/9`))).toMatchObject({ code: "not_found", param: "version" });
    expect((await api.get(`/configs/pc-nope-000000/versions`)).status).toBe(404);
  });

  it("rollback: restoring an old version makes its content current as a new version, at once", async () => {
    const created = await api.post("/configs", { name: "rollback", config: routedTo("gpt-4o-mini") });
    const slug = created.json.slug;
    await api.put(`/configs/${slug}`, { config: routedTo("gpt-4o") });
    expect((await modelServedFor(slug)).model).toBe("gpt-4o");

    const r = await api.post(`/configs/${slug}/versions/1/restore`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ slug, version: 3, restored_from: 1 });
    const served = await modelServedFor(slug);
    expect(served.model).toBe("gpt-4o-mini");
    expect(await h.waitForLog(served.requestId)).toMatchObject({ configVersion: 3 });
    const versions = (await api.get(`/configs/${slug}/versions`)).json.data;
    expect(versions[0]).toMatchObject({ version: 3, is_current: true, note: "restored from version 1", config: versions[2].config });
    expect((await api.post(`/configs/${slug}/versions/7/restore`)).status).toBe(404);
  });

  it("delete is soft: the gateway answers 404 at once, GET/PUT/versions 404, the slug is never reused", async () => {
    const created = await api.post("/configs", { name: "doomed", config: routedTo("gpt-4o") });
    const slug = created.json.slug;
    expect((await modelServedFor(slug)).status).toBe(200); // cached by the gateway now

    const r = await api.del(`/configs/${slug}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: created.json.id, slug, status: "deleted" });
    h.mock.reset();
    const afterDelete = await chat(h, h.apiKey, { "x-portkey-config": slug });
    expect(afterDelete.status).toBe(404);
    expect(afterDelete.json.error.code).toBe("config_not_found");
    expect(h.mock.requests()).toHaveLength(0);

    for (const answer of [
      await api.get(`/configs/${slug}`),
      await api.put(`/configs/${slug}`, { name: "x" }),
      await api.del(`/configs/${slug}`),
      await api.get(`/configs/${slug}/versions`),
    ]) {
      expect(answer.status).toBe(404);
      expect(errorOf(answer)).toMatchObject({ code: "not_found", type: "not_found_error" });
      expect(errorOf(answer).message).toContain(slug);
    }
    const row = await h.db.config.findUnique({ where: { slug } });
    expect(row).toMatchObject({ status: "deleted", deletedAt: expect.any(Date) });

    // The name is free again; the slug is a new one.
    const again = await api.post("/configs", { name: "doomed", config: routedTo("gpt-4o") });
    expect(again.status).toBe(201);
    expect(again.json.slug).not.toBe(slug);
  });

  it("slugs stay unique across many configs with the same name letters", async () => {
    const slugs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api.post("/configs", { name: `Same letters ${i}`, config: routedTo("gpt-4o") })),
    );
    expect(slugs.every((r) => r.status === 201)).toBe(true);
    expect(new Set(slugs.map((r) => r.json.slug)).size).toBe(12);
  });

  it("duplicate names -> 409 name_taken, on create, on rename and under concurrency", async () => {
    const first = await api.post("/configs", { name: "unique name", config: routedTo("gpt-4o") });
    const dup = await api.post("/configs", { name: "unique name", config: routedTo("gpt-4o") });
    expect(dup.status).toBe(409);
    expect(errorOf(dup)).toMatchObject({ code: "name_taken", type: "conflict_error", param: "name" });
    expect(errorOf(dup).message).toContain("unique name");

    const other = await api.post("/configs", { name: "other name", config: routedTo("gpt-4o") });
    const rename = await api.put(`/configs/${other.json.slug}`, { name: "unique name" });
    expect(rename.status).toBe(409);
    expect((await api.put(`/configs/${first.json.slug}`, { name: "unique name" })).status).toBe(200); // its own name

    const racing = await Promise.all(Array.from({ length: 6 }, () => api.post("/configs", { name: "race", config: routedTo("gpt-4o") })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it("validation: the engine's schema with paths, 400 invalid_config; body errors name the field", async () => {
    const bad = await api.post("/configs", {
      name: "bad",
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: vk }, { virtual_key: vk, retry: { attempts: 9 } }] },
    });
    expect(bad.status).toBe(400);
    const err = errorOf(bad);
    expect(err).toMatchObject({ code: "invalid_config", type: "invalid_request_error", param: "config.targets[1].retry.attempts" });
    expect(err.message).toContain("config.targets[1].retry.attempts: must be an integer from 0 to 5");
    expect(err.issues).toEqual([{ path: "config.targets[1].retry.attempts", message: "must be an integer from 0 to 5" }]);

    const cases: [unknown, string, RegExp][] = [
      [{ config: routedTo("gpt-4o") }, "name", /is required/],
      [{ name: "  ", config: routedTo("gpt-4o") }, "name", /non-empty/],
      [{ name: "x" }, "config", /required|must be/],
      [{ name: "x", config: "{not json" }, "config", /must be/],
      [{ name: "x", config: { strategy: { mode: "sideways" }, targets: [{ virtual_key: vk }] } }, "config.strategy.mode", /must be one of/],
      [{ name: "x", config: routedTo("gpt-4o"), colour: "red" }, "colour", /unknown key colour/],
      [{ name: "x", config: routedTo("gpt-4o"), is_default: "yes" }, "is_default", /true or false/],
    ];
    for (const [body, param, message] of cases) {
      const r = await api.post("/configs", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r).param, JSON.stringify(body)).toBe(param);
      expect(errorOf(r).message).toMatch(message);
    }
    const created = await api.post("/configs", { name: "valid", config: routedTo("gpt-4o") });
    const badUpdate = await api.put(`/configs/${created.json.slug}`, { config: { targets: [] } });
    expect(errorOf(badUpdate)).toMatchObject({ code: "invalid_config", param: "config.targets" });
    expect(errorOf(await api.put(`/configs/${created.json.slug}`, {}))).toMatchObject({ code: "bad_request" });
    expect(errorOf(await api.put(`/configs/${created.json.slug}`, { status: "deleted" })).message).toContain("DELETE");
    expect(errorOf(await api.put(`/configs/${created.json.slug}`, { slug: "pc-other-000000" }))).toMatchObject({ param: "slug" });
    expect(errorOf(await api.put(`/configs/${created.json.slug}`, { version_id: created.json.version_id })).message).toContain("/restore");
    expect((await api.get(`/configs/${created.json.slug}`)).json.version).toBe(1);
  });

  it("bad JSON bodies get 400 in the one shape", async () => {
    const broken = await api.call("POST", "/configs", '{"name": ', { "content-type": "application/json" });
    expect(broken.status).toBe(400);
    expect(errorOf(broken).code).toBe("invalid_json");
    expect(errorOf(await api.call("POST", "/configs", "[1,2]", { "content-type": "application/json" })).message).toContain("JSON object");
    expect(errorOf(await api.call("POST", "/configs", "", { "content-type": "application/json" })).message).toContain("empty");
  });

  it("is_default: at most one default config per workspace", async () => {
    const a = await api.post("/configs", { name: "default a", config: routedTo("gpt-4o"), is_default: 1 });
    const b = await api.post("/configs", { name: "default b", config: routedTo("gpt-4o"), isDefault: true });
    expect((await api.get(`/configs/${a.json.slug}`)).json.is_default).toBe(false);
    expect((await api.get(`/configs/${b.json.slug}`)).json.is_default).toBe(true);
    await api.put(`/configs/${a.json.slug}`, { is_default: true });
    expect((await api.get(`/configs/${b.json.slug}`)).json.is_default).toBe(false);
  });

  it("auth: no credentials 401, gateway-scope key 403, revoked admin key 401, unknown key 401; a session works", async () => {
    const none = await apiClient(h, {}).get("/configs");
    expect(none.status).toBe(401);
    expect(errorOf(none).code).toBe("unauthorized");

    const gateway = await withKey(h, h.apiKey).get("/configs");
    expect(gateway.status).toBe(403);
    expect(errorOf(gateway)).toMatchObject({ code: "insufficient_scope", type: "permission_error" });
    expect((await withKey(h, h.apiKey).post("/configs", { name: "nope", config: routedTo("gpt-4o") })).status).toBe(403);

    expect(errorOf(await withKey(h, "dtr_not-a-real-key-000000000000").get("/configs")).code).toBe("invalid_api_key");
    const revokedKey = await insertApiKey(h, h.workspaceId, "admin");
    expect((await withKey(h, revokedKey).get("/configs")).status).toBe(200);
    await h.db.apiKey.updateMany({ where: { name: { startsWith: "admin " } }, data: { revokedAt: new Date() } });
    expect((await withKey(h, revokedKey).get("/configs")).status).toBe(401);

    // The dashboard's way in: a next-auth session cookie (and, as a browser sends it, Detour's own Origin).
    const session = apiClient(h, { cookie: await signIn(h), origin: h.url });
    const created = await session.post("/configs", { name: "from the UI", config: routedTo("gpt-4o") });
    expect(created.status).toBe(201);
    const user = await h.db.user.findFirst({ where: { email: "admin@detour.local" } });
    expect((await session.get(`/configs/${created.json.slug}`)).json.created_by).toBe(`user:${user!.id}`);
  });
});
