/**
 * /v1/api-keys over real HTTP: the key is shown once; scopes gateway (inference only) and admin
 * (management too); revocation takes effect on the next request, on the gateway and on management;
 * a key's default config is set, changed and cleared, and only to a live config of the key's workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "@/lib/crypto";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, chat, createWorkspace, errorOf, withKey, type ApiClient } from "../../testing/api-client";

describe("management API: API keys", () => {
  let h: Harness;
  let api: ApiClient;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    vk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());

  it("creates a key and shows it once: {id, key, name, scope, prefix, created_at}; only its hash is stored", async () => {
    const r = await api.post("/api-keys", { name: "ci runner", scope: "gateway" });
    expect(r.status).toBe(201);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.json).toMatchObject({
      id: expect.any(String),
      key: expect.stringMatching(/^dtr_[A-Za-z0-9_-]{40}$/),
      name: "ci runner",
      scope: "gateway",
      created_at: expect.any(String),
    });
    const key: string = r.json.key;
    expect(r.json.prefix).toBe(key.slice(0, 10));

    for (const read of [await api.get("/api-keys"), await api.get(`/api-keys/${r.json.id}`)]) {
      expect(read.status).toBe(200);
      expect(read.text).not.toContain(key);
    }
    expect((await api.get(`/api-keys/${r.json.id}`)).json).toMatchObject({
      id: r.json.id,
      name: "ci runner",
      scope: "gateway",
      status: "active",
      masked_key: `${key.slice(0, 10)}...`,
      source: "user",
      revoked_at: null,
    });
    const row = await h.db.apiKey.findUnique({ where: { id: r.json.id } });
    expect(row).toMatchObject({ hash: hashApiKey(key), scope: "gateway" });
    expect(JSON.stringify(row)).not.toContain(key);

    expect((await chat(h, key, { "x-portkey-virtual-key": vk })).status).toBe(200);
  });

  it("scopes: gateway keys get 403 on management routes; admin keys manage and serve; the default is gateway", async () => {
    const gateway = (await api.post("/api-keys", { name: "scoped gateway" })).json;
    expect(gateway.scope).toBe("gateway");
    const denied = await withKey(h, gateway.key).get("/api-keys");
    expect(denied.status).toBe(403);
    expect(errorOf(denied)).toMatchObject({ code: "insufficient_scope", type: "permission_error" });
    expect((await withKey(h, gateway.key).post("/api-keys", { name: "escalate", scope: "admin" })).status).toBe(403);

    const admin = (await api.post("/api-keys", { name: "scoped admin", scope: "admin" })).json;
    expect((await withKey(h, admin.key).get("/configs")).status).toBe(200);
    expect((await withKey(h, admin.key).post("/api-keys", { name: "made by admin" })).json.created_by).toBe(`api_key:${admin.id}`);
    expect((await chat(h, admin.key, { "x-portkey-virtual-key": vk })).status).toBe(200);
  });

  it("revocation takes effect on the very next request (gateway and management); the key stays listed", async () => {
    const gateway = (await api.post("/api-keys", { name: "to revoke (gateway)" })).json;
    const admin = (await api.post("/api-keys", { name: "to revoke (admin)", scope: "admin" })).json;
    expect((await chat(h, gateway.key, { "x-portkey-virtual-key": vk })).status).toBe(200); // cached by the gateway now
    expect((await withKey(h, admin.key).get("/configs")).status).toBe(200);

    const r = await api.del(`/api-keys/${gateway.id}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: gateway.id, status: "revoked", revoked_at: expect.any(String) });
    const denied = await chat(h, gateway.key, { "x-portkey-virtual-key": vk });
    expect(denied.status).toBe(401);
    expect(denied.json.error.code).toBe("invalid_api_key");

    // An admin key may revoke itself; its next call fails.
    expect((await withKey(h, admin.key).del(`/api-keys/${admin.id}`)).status).toBe(200);
    const adminDenied = await withKey(h, admin.key).get("/configs");
    expect(adminDenied.status).toBe(401);
    expect(errorOf(adminDenied).code).toBe("invalid_api_key");
    expect((await chat(h, admin.key, { "x-portkey-virtual-key": vk })).status).toBe(401);

    const revoked = (await api.get("/api-keys?status=revoked")).json;
    expect(revoked.data.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([gateway.id, admin.id]));
    expect(revoked.data.every((k: { status: string }) => k.status === "revoked")).toBe(true);
    expect(errorOf(await api.del(`/api-keys/${gateway.id}`))).toMatchObject({ code: "api_key_revoked" });
  });

  it("the DETOUR_ADMIN_API_KEY key cannot be revoked through the API (409, it would come back at the next start)", async () => {
    const env = (await api.get("/api-keys")).json.data.find((k: { source: string }) => k.source === "env");
    expect(env).toMatchObject({ scope: "admin", status: "active" });
    const r = await api.del(`/api-keys/${env.id}`);
    expect(r.status).toBe(409);
    expect(errorOf(r)).toMatchObject({ code: "env_managed_key" });
    expect(errorOf(r).message).toContain("DETOUR_ADMIN_API_KEY");
    expect((await api.get("/api-keys")).status).toBe(200);
  });

  it("errors: unknown id 404, duplicate active name 409, bad scope 400 naming it", async () => {
    for (const r of [await api.get("/api-keys/nope"), await api.del("/api-keys/nope")]) {
      expect(r.status).toBe(404);
      expect(errorOf(r)).toMatchObject({ code: "not_found" });
    }
    const first = (await api.post("/api-keys", { name: "named once" })).json;
    const dup = await api.post("/api-keys", { name: "named once" });
    expect(dup.status).toBe(409);
    expect(errorOf(dup)).toMatchObject({ code: "name_taken", param: "name" });
    await api.del(`/api-keys/${first.id}`);
    expect((await api.post("/api-keys", { name: "named once" })).status).toBe(201);

    const cases: [unknown, string, RegExp][] = [
      [{ name: "x", scope: "root" }, "scope", /unknown scope "root"/],
      [{ scope: "admin" }, "name", /required/],
      [{ name: "x", scopes: ["logs.view"] }, "scopes", /one scope per key/],
    ];
    for (const [body, param, message] of cases) {
      const r = await api.post("/api-keys", body);
      expect(r.status).toBe(400);
      expect(errorOf(r).param).toBe(param);
      expect(errorOf(r).message).toMatch(message);
    }
  });

  it("lists keys newest first with last_used_at once a key was used", async () => {
    const created = (await api.post("/api-keys", { name: "used later" })).json;
    await chat(h, created.key, { "x-portkey-virtual-key": vk });
    const list = await api.get("/api-keys?status=active");
    expect(list.json).toMatchObject({ object: "list", total: expect.any(Number) });
    expect(list.json.data[0].id).toBe(created.id);
    // "last used" is written off the request path, every few seconds.
    const deadline = Date.now() + 15_000;
    let lastUsed: string | null = null;
    while (!lastUsed && Date.now() < deadline) {
      lastUsed = (await api.get(`/api-keys/${created.id}`)).json.last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 250));
    }
    expect(Date.parse(lastUsed ?? "")).not.toBeNaN();
  });

  describe("default_config", () => {
    let configA: { id: string; slug: string };
    let configB: { id: string; slug: string };

    beforeAll(async () => {
      configA = (await api.post("/configs", { name: "key default A", config: { virtual_key: vk } })).json;
      configB = (await api.post("/configs", { name: "key default B", config: { virtual_key: vk } })).json;
    });

    it("create sets it (by id pc-... or the config's internal id); every answer shows it; absent means none", async () => {
      const created = await api.post("/api-keys", { name: "with default", default_config: configA.slug });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ default_config: configA.slug });
      expect((await api.get(`/api-keys/${created.json.id}`)).json.default_config).toBe(configA.slug);
      const listed = (await api.get("/api-keys")).json.data.find((k: { id: string }) => k.id === created.json.id);
      expect(listed.default_config).toBe(configA.slug);

      const byId = await api.post("/api-keys", { name: "default by internal id", default_config: configB.id });
      expect(byId.json.default_config).toBe(configB.slug); // stored as the slug the gateway reads
      expect((await api.post("/api-keys", { name: "without default" })).json.default_config).toBeNull();
    });

    it("update changes and clears it, leaves it as it is when absent; rate limits alone keep it", async () => {
      const key = (await api.post("/api-keys", { name: "default to change", default_config: configA.slug })).json;
      const changed = await api.put(`/api-keys/${key.id}`, { default_config: configB.slug });
      expect(changed.status).toBe(200);
      expect(changed.json.default_config).toBe(configB.slug);

      const limitsOnly = await api.put(`/api-keys/${key.id}`, { rate_limits: { rpm: 100 } });
      expect(limitsOnly.json).toMatchObject({ default_config: configB.slug, rate_limits: { rpm: 100, tpm: null } });

      const cleared = await api.put(`/api-keys/${key.id}`, { default_config: null });
      expect(cleared.json).toMatchObject({ default_config: null, rate_limits: { rpm: 100 } });
      expect((await h.db.apiKey.findUnique({ where: { id: key.id } }))?.defaultConfigSlug).toBeNull();

      const nothing = await api.put(`/api-keys/${key.id}`, {});
      expect(nothing.status).toBe(400);
      expect(errorOf(nothing).message).toMatch(/Nothing to change.*default_config/);
    });

    it("accepts the camelCase spelling defaultConfig (create and update)", async () => {
      const key = (await api.post("/api-keys", { name: "camel default", defaultConfig: configA.slug })).json;
      expect(key.default_config).toBe(configA.slug);
      expect((await api.put(`/api-keys/${key.id}`, { defaultConfig: null })).json.default_config).toBeNull();
      const clash = await api.put(`/api-keys/${key.id}`, { defaultConfig: configA.slug, default_config: configB.slug });
      expect(clash.status).toBe(400);
      expect(errorOf(clash).param).toBe("defaultConfig");
    });

    it("refuses an unknown, a deleted or another workspace's config with 400 naming it, and changes nothing", async () => {
      const deleted = (await api.post("/configs", { name: "key default deleted", config: { virtual_key: vk } })).json;
      expect((await api.del(`/configs/${deleted.slug}`)).status).toBe(200);
      const wsB = await createWorkspace(h, "Workspace of other configs");
      const other = (await withKey(h, wsB.adminKey).post("/configs", { name: "B's config", config: { virtual_key: "b-vk" } })).json;
      expect(other.slug).toMatch(/^pc-/);

      const key = (await api.post("/api-keys", { name: "refusals", default_config: configA.slug })).json;
      for (const ref of ["pc-nope-000000", deleted.slug, other.slug, other.id]) {
        for (const r of [
          await api.post("/api-keys", { name: `refused ${ref}`, default_config: ref }),
          await api.put(`/api-keys/${key.id}`, { default_config: ref }),
        ]) {
          expect(r.status, ref).toBe(400);
          expect(errorOf(r), ref).toMatchObject({ code: "bad_request", param: "default_config" });
          expect(errorOf(r).message, ref).toContain(`config ${JSON.stringify(ref)} does not exist in this workspace or was deleted`);
          expect(errorOf(r).issues, ref).toEqual([{ path: "default_config", message: expect.stringContaining(ref) }]);
        }
      }
      expect((await api.get(`/api-keys/${key.id}`)).json.default_config).toBe(configA.slug);
      const names = (await api.get("/api-keys")).json.data.map((k: { name: string }) => k.name);
      expect(names.filter((n: string) => n.startsWith("refused "))).toEqual([]);

      const blank = await api.post("/api-keys", { name: "blank default", default_config: "" });
      expect(blank.status).toBe(400);
      expect(errorOf(blank).param).toBe("default_config");
    });

    it("a revoked key's default config cannot be changed (409)", async () => {
      const key = (await api.post("/api-keys", { name: "revoked default" })).json;
      await api.del(`/api-keys/${key.id}`);
      const r = await api.put(`/api-keys/${key.id}`, { default_config: configA.slug });
      expect(r.status).toBe(409);
      expect(errorOf(r).code).toBe("api_key_revoked");
    });
  });
});
