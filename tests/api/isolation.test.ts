/**
 * Workspace isolation: a key of workspace B can neither see, change nor use workspace A's configs,
 * virtual keys or API keys, on every management route and on the gateway. Another workspace's
 * things answer 404, exactly like things that do not exist.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, chat, createWorkspace, errorOf, withKey, type ApiClient, type OtherWorkspace } from "../../testing/api-client";

describe("management API: workspace isolation", () => {
  let h: Harness;
  let a: ApiClient;
  let b: ApiClient;
  let wsB: OtherWorkspace;
  const secretA = "sk-workspace-a-00000000000000aaaa";
  let configA: { id: string; slug: string };
  let vkA: { id: string; slug: string };
  let keyA: { id: string; key: string };

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    a = withKey(h, ADMIN_KEY);
    wsB = await createWorkspace(h);
    b = withKey(h, wsB.adminKey);
    vkA = (await a.post("/virtual-keys", { name: "shared name", provider: "openai", key: secretA, custom_host: `${h.mock.url}/v1` })).json;
    configA = (await a.post("/configs", { name: "shared name", config: { virtual_key: vkA.slug } })).json;
    keyA = (await a.post("/api-keys", { name: "shared name", scope: "gateway" })).json;
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  it("every route answers 404 to B for A's configs, virtual keys and API keys (by slug and by id), and changes nothing", async () => {
    const configRefs = [configA.slug, configA.id];
    const vkRefs = [vkA.slug, vkA.id];
    const calls: [string, () => ReturnType<ApiClient["get"]>][] = [
      ...configRefs.flatMap((ref): [string, () => ReturnType<ApiClient["get"]>][] => [
        [`GET /configs/${ref}`, () => b.get(`/configs/${ref}`)],
        [`PUT /configs/${ref}`, () => b.put(`/configs/${ref}`, { name: "taken over", config: { virtual_key: vkA.slug } })],
        [`DELETE /configs/${ref}`, () => b.del(`/configs/${ref}`)],
        [`GET /configs/${ref}/versions`, () => b.get(`/configs/${ref}/versions`)],
        [`GET /configs/${ref}/versions/1`, () => b.get(`/configs/${ref}/versions/1`)],
        [`POST /configs/${ref}/versions/1/restore`, () => b.post(`/configs/${ref}/versions/1/restore`)],
      ]),
      ...vkRefs.flatMap((ref): [string, () => ReturnType<ApiClient["get"]>][] => [
        [`GET /virtual-keys/${ref}`, () => b.get(`/virtual-keys/${ref}`)],
        [`PUT /virtual-keys/${ref}`, () => b.put(`/virtual-keys/${ref}`, { key: "sk-stolen-000000000000000000" })],
        [`DELETE /virtual-keys/${ref}`, () => b.del(`/virtual-keys/${ref}`)],
      ]),
      [`GET /api-keys/${keyA.id}`, () => b.get(`/api-keys/${keyA.id}`)],
      [`DELETE /api-keys/${keyA.id}`, () => b.del(`/api-keys/${keyA.id}`)],
    ];
    for (const [what, call] of calls) {
      const r = await call();
      expect(r.status, what).toBe(404);
      expect(errorOf(r).code, what).toBe("not_found");
      expect(r.text, what).not.toContain(secretA);
    }
    // Nothing changed in A.
    expect((await a.get(`/configs/${configA.slug}`)).json).toMatchObject({ name: "shared name", version: 1, status: "active" });
    expect((await a.get(`/virtual-keys/${vkA.slug}`)).json).toMatchObject({ status: "active", version: 1 });
    expect((await a.get(`/api-keys/${keyA.id}`)).json).toMatchObject({ status: "active" });
    expect((await chat(h, keyA.key, { "x-portkey-config": configA.slug })).status).toBe(200);
  });

  it("lists show only the caller's workspace; names are per workspace", async () => {
    const vkB = await b.post("/virtual-keys", {
      name: "shared name",
      provider: "openai",
      key: "sk-workspace-b-00000000000000bbbb",
      custom_host: `${h.mock.url}/v1`,
    });
    const configB = await b.post("/configs", { name: "shared name", config: { virtual_key: vkB.json.slug } });
    const keyB = await b.post("/api-keys", { name: "shared name" });
    expect([vkB.status, configB.status, keyB.status]).toEqual([201, 201, 201]);

    const ids = async (api: ApiClient, path: string) => (await api.get(path)).json.data.map((x: { id: string }) => x.id);
    expect(await ids(b, "/configs")).toEqual([configB.json.id]);
    expect(await ids(b, "/virtual-keys")).toEqual([vkB.json.id]);
    expect(await ids(b, "/api-keys")).toEqual(expect.arrayContaining([keyB.json.id]));
    expect(await ids(b, "/api-keys")).not.toContain(keyA.id);
    expect(await ids(a, "/configs")).not.toContain(configB.json.id);
    expect(await ids(a, "/virtual-keys")).not.toContain(vkB.json.id);
    expect(await ids(a, "/api-keys")).not.toContain(keyB.json.id);
    // And the other way round: A cannot reach B's things either.
    expect((await a.get(`/configs/${configB.json.slug}`)).status).toBe(404);
    expect((await a.put(`/virtual-keys/${vkB.json.slug}`, { name: "mine" })).status).toBe(404);
    expect((await a.del(`/api-keys/${keyB.json.id}`)).status).toBe(404);
  });

  it("a workspace_id naming another workspace is refused (403)", async () => {
    const r = await b.get(`/configs?workspace_id=${h.workspaceId}`);
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe("forbidden");
    expect((await b.post("/configs", { name: "elsewhere", config: { virtual_key: "x" }, workspace_id: h.workspaceId })).status).toBe(403);
    expect((await b.get(`/virtual-keys?workspace_id=${wsB.workspaceId}`)).status).toBe(200);
  });

  it("the gateway: B's keys cannot use A's config or virtual key (404, nothing sent upstream)", async () => {
    for (const key of [wsB.gatewayKey, wsB.adminKey]) {
      const byConfig = await chat(h, key, { "x-portkey-config": configA.slug });
      expect(byConfig.status).toBe(404);
      expect(byConfig.json.error.code).toBe("config_not_found");
      const byVk = await chat(h, key, { "x-portkey-virtual-key": vkA.slug });
      expect(byVk.status).toBe(404);
      expect(byVk.json.error.code).toBe("virtual_key_not_found");
    }
    // A config of B that names A's virtual key does not reach it either.
    const sneaky = await b.post("/configs", { name: "points at A", config: { virtual_key: vkA.slug } });
    expect(sneaky.status).toBe(201);
    const r = await chat(h, wsB.gatewayKey, { "x-portkey-config": sneaky.json.slug });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe("virtual_key_not_found");
    expect(h.mock.requests()).toHaveLength(0);
    // A's own key still works.
    expect((await chat(h, h.apiKey, { "x-portkey-virtual-key": vkA.slug })).status).toBe(200);
    expect(h.mock.requests().map((q) => q.key)).toEqual([secretA]);
  });

  it("B's gateway key gets 403 on every management route", async () => {
    const gw = withKey(h, wsB.gatewayKey);
    for (const r of [
      await gw.get("/configs"),
      await gw.get("/virtual-keys"),
      await gw.get("/api-keys"),
      await gw.del(`/api-keys/${keyA.id}`),
      await gw.post("/configs/x/versions/1/restore"),
    ]) {
      expect(r.status).toBe(403);
      expect(errorOf(r).code).toBe("insufficient_scope");
    }
  });
});
