/**
 * /v1/api-keys over real HTTP: the key is shown once; scopes gateway (inference only) and admin
 * (management too); revocation takes effect on the next request, on the gateway and on management;
 * a key's default config is set, changed and cleared, and only to a live config of the key's workspace;
 * expires_at and allowed_models are set, changed, cleared and validated; a rotation shows the new key
 * once and refuses expired, revoked, already rotated and env keys.
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

  describe("expiry, allowed models and rotation", () => {
    const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, ".000Z");

    it("create and PUT take expires_at and allowed_models (camelCase too); GET and the list return them", async () => {
      const expiresAt = inAnHour();
      const created = await api.post("/api-keys", { name: "lifecycle", expiresAt, allowedModels: ["gpt-4o-mini", "o3-*"] });
      expect(created.status, created.text).toBe(201);
      expect(created.json).toMatchObject({
        expires_at: expiresAt,
        allowed_models: ["gpt-4o-mini", "o3-*"],
        rotated_to: null,
        status: "active",
      });
      const id = created.json.id;
      expect((await api.get(`/api-keys/${id}`)).json).toMatchObject({ expires_at: expiresAt, allowed_models: ["gpt-4o-mini", "o3-*"] });
      const listed = (await api.get("/api-keys")).json.data.find((k: { id: string }) => k.id === id);
      expect(listed).toMatchObject({ expires_at: expiresAt, allowed_models: ["gpt-4o-mini", "o3-*"] });

      const later = new Date(Date.now() + 7_200_000).toISOString();
      const put = await api.put(`/api-keys/${id}`, { expires_at: later.replace("Z", "+00:00"), allowed_models: ["gpt-4.1"] });
      expect(put.status, put.text).toBe(200);
      expect(put.json).toMatchObject({ expires_at: later, allowed_models: ["gpt-4.1"] });
      const cleared = await api.put(`/api-keys/${id}`, { expires_at: null, allowed_models: null });
      expect(cleared.json).toMatchObject({ expires_at: null, allowed_models: null });
      expect(await h.db.apiKey.findUnique({ where: { id } })).toMatchObject({ expiresAt: null, allowedModels: null });
    });

    it("validation errors name the field: past or bad expiry, an empty list, duplicates", async () => {
      const key = (await api.post("/api-keys", { name: "validated" })).json;
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ expires_at: "2020-01-01T00:00:00Z" }, "expires_at", /must be in the future/],
        [{ expires_at: "tomorrow" }, "expires_at", /ISO 8601/],
        [{ expires_at: "2030-13-40T00:00:00Z" }, "expires_at", /not a valid time/],
        [{ expires_at: "2030-01-01T00:00:00" }, "expires_at", /ISO 8601/],
        [{ allowed_models: [] }, "allowed_models", /at least one model/],
        [{ allowed_models: "gpt-4o" }, "allowed_models", /list of model names/],
        [{ allowed_models: ["gpt-4o", "gpt-4o"] }, "allowed_models[1]", /listed twice/],
        [{ allowed_models: [" "] }, "allowed_models[0]", /must not be empty/],
      ];
      for (const [body, path, message] of cases) {
        for (const r of [await api.post("/api-keys", { name: "refused lifecycle", ...body }), await api.put(`/api-keys/${key.id}`, body)]) {
          expect(r.status, JSON.stringify(body)).toBe(400);
          const issue = errorOf(r).issues?.find((i) => i.path === path);
          expect(issue?.message, `${JSON.stringify(body)}: ${r.text}`).toMatch(message);
        }
      }
      const names = (await api.get("/api-keys")).json.data.map((k: { name: string }) => k.name);
      expect(names).not.toContain("refused lifecycle");
    });

    it("rotate: the new key is shown once with the old one's settings; the old one records it and its end", async () => {
      const expiresAt = inAnHour();
      const old = (
        await api.post("/api-keys", {
          name: "to rotate",
          scope: "admin",
          rate_limits: { rpm: 50 },
          expires_at: expiresAt,
          allowed_models: ["gpt-4o"],
        })
      ).json;
      const before = Date.now();
      const r = await api.post(`/api-keys/${old.id}/rotate`, { gracePeriodSeconds: 600 });
      expect(r.status, r.text).toBe(201);
      expect(r.headers.get("cache-control")).toBe("no-store");
      expect(r.json).toMatchObject({
        name: "to rotate",
        scope: "admin",
        rate_limits: { rpm: 50, tpm: null },
        expires_at: expiresAt,
        allowed_models: ["gpt-4o"],
        status: "active",
        key: expect.stringMatching(/^dtr_/),
        rotated_from: old.id,
      });
      expect(r.json.id).not.toBe(old.id);
      const oldEnd = Date.parse(r.json.old_key_expires_at);
      expect(oldEnd).toBeGreaterThanOrEqual(before + 600_000 - 1_000);
      expect(oldEnd).toBeLessThanOrEqual(Date.now() + 600_000);
      expect((await api.get(`/api-keys/${r.json.id}`)).text).not.toContain(r.json.key);

      const oldView = (await api.get(`/api-keys/${old.id}`)).json;
      expect(oldView).toMatchObject({
        status: "active",
        rotated_to: r.json.id,
        rotated_to_prefix: r.json.prefix,
        expires_at: r.json.old_key_expires_at,
      });
      // Both work on the management API during the grace period (both are admin keys).
      expect((await withKey(h, old.key).get("/configs")).status).toBe(200);
      expect((await withKey(h, r.json.key).get("/configs")).status).toBe(200);

      const again = await api.post(`/api-keys/${old.id}/rotate`, {});
      expect(again.status).toBe(409);
      expect(errorOf(again)).toMatchObject({ code: "api_key_rotated", type: "conflict_error" });
      expect(errorOf(again).message).toContain("rotated_to");
    });

    it("the grace period never outlasts the old key's own expiry; an empty body rotates with none", async () => {
      const soon = new Date(Date.now() + 60_000).toISOString();
      const old = (await api.post("/api-keys", { name: "expires soon", expires_at: soon })).json;
      const r = await api.post(`/api-keys/${old.id}/rotate`, { grace_period_seconds: 3600 });
      expect(r.json.old_key_expires_at).toBe(soon);
      expect(r.json.expires_at).toBe(soon);

      const other = (await api.post("/api-keys", { name: "empty body rotate" })).json;
      const res = await fetch(`${h.baseURL}/api-keys/${other.id}/rotate`, { method: "POST", headers: { "x-portkey-api-key": ADMIN_KEY } });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(Date.parse(body.old_key_expires_at)).toBeLessThanOrEqual(Date.now());
      expect((await api.get(`/api-keys/${other.id}`)).json.status).toBe("expired");
      expect((await api.get("/api-keys?status=expired")).json.data.map((k: { id: string }) => k.id)).toContain(other.id);
      expect((await api.get("/api-keys?status=active")).json.data.map((k: { id: string }) => k.id)).not.toContain(other.id);
      const expiredRotate = await api.post(`/api-keys/${other.id}/rotate`, {});
      expect(expiredRotate.status).toBe(409);
      expect(errorOf(expiredRotate).code).toBe("api_key_rotated");
    });

    it("refusals: a revoked key, the env key, an unknown id, a bad grace period", async () => {
      const revoked = (await api.post("/api-keys", { name: "revoked rotate" })).json;
      await api.del(`/api-keys/${revoked.id}`);
      const r1 = await api.post(`/api-keys/${revoked.id}/rotate`, {});
      expect(r1.status).toBe(409);
      expect(errorOf(r1).code).toBe("api_key_revoked");

      const env = (await api.get("/api-keys")).json.data.find((k: { source: string }) => k.source === "env");
      const r2 = await api.post(`/api-keys/${env.id}/rotate`, {});
      expect(r2.status).toBe(409);
      expect(errorOf(r2).code).toBe("env_managed_key");

      expect((await api.post("/api-keys/nope/rotate", {})).status).toBe(404);

      const key = (await api.post("/api-keys", { name: "bad grace" })).json;
      for (const grace of [-1, 2_592_001, 1.5, "60"]) {
        const r = await api.post(`/api-keys/${key.id}/rotate`, { grace_period_seconds: grace });
        expect(r.status, String(grace)).toBe(400);
        expect(errorOf(r).issues?.[0]?.path).toBe("grace_period_seconds");
      }
      expect((await api.get(`/api-keys/${key.id}`)).json.rotated_to).toBeNull();
      expect((await api.post(`/api-keys/${key.id}/rotate`, { grace_period_seconds: 2_592_000 })).status).toBe(201);
    });

    it("an expired key rejects rotation with 409 api_key_expired", async () => {
      const key = (await api.post("/api-keys", { name: "will expire" })).json;
      await h.db.apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
      const r = await api.post(`/api-keys/${key.id}/rotate`, {});
      expect(r.status).toBe(409);
      expect(errorOf(r)).toMatchObject({ code: "api_key_expired", type: "conflict_error" });
    });
  });
});
