/**
 * /v1/api-keys over real HTTP: the key is shown once; scopes gateway (inference only) and admin
 * (management too); revocation takes effect on the next request, on the gateway and on management.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "@/lib/crypto";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, chat, errorOf, withKey, type ApiClient } from "../../testing/api-client";

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
});
