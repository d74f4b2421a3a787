/**
 * /v1/prices over real HTTP: the price list (tables with the workspace's overrides in place,
 * filters), PUT (created, replaced, canonical names, any provider), validation errors naming the
 * field, DELETE and its 404, auth (none, gateway scope, session), and workspace isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import {
  ADMIN_KEY,
  ADMIN_PASSWORD,
  apiClient,
  createWorkspace,
  errorOf,
  insertApiKey,
  signIn,
  withKey,
  type ApiAnswer,
  type ApiClient,
} from "../../testing/api-client";

type PriceRow = { provider: string; model: string; source: string; [field: string]: unknown };

describe("management API: prices", () => {
  let h: Harness;
  let api: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    api = withKey(h, ADMIN_KEY);
  });
  afterAll(async () => h?.close());

  const rowsOf = (r: ApiAnswer): PriceRow[] => r.json.data;
  const find = (r: ApiAnswer, provider: string, model: string) => rowsOf(r).find((p) => p.provider === provider && p.model === model);
  const remove = (provider: string, model: string) => api.del(`/prices?${new URLSearchParams({ provider, model })}`);

  it("lists the price tables: dated, with their sources' figures, in catalog order", async () => {
    const r = await api.get("/prices");
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.json).toMatchObject({ object: "list", schema_version: 1, updated: "2026-12-05" });
    expect(find(r, "openai", "gpt-4o")).toEqual({
      provider: "openai",
      model: "gpt-4o",
      input: 2.5,
      output: 10,
      cached_input: 1.25,
      cache_write: null,
      reasoning: null,
      max_output_tokens: 16384,
      above: null,
      source: "table",
      date: "2025-08-07",
    });
    expect(find(r, "anthropic", "claude-haiku-5-5")).toMatchObject({
      input: 0.1,
      cache_write: 0.125,
      above: { tokens: 100000, input: 0.5, output: 2.5, cached_input: 0.05, cache_write: 0.625, reasoning: null },
      date: "2026-12-05",
    });
    expect(find(r, "azure-openai", "gpt-3.5-turbo")).toMatchObject({ input: 0.5, output: 1.5, source: "table" });
    expect([...new Set(rowsOf(r).map((p) => p.provider))]).toEqual([
      "openai",
      "azure-openai",
      "anthropic",
      "groq",
      "together-ai",
      "fireworks-ai",
      "google",
    ]);
    expect(find(r, "google", "gemini-3.1-pro-preview")).toMatchObject({
      input: 2,
      output: 12,
      cached_input: 0.2,
      max_output_tokens: 65536,
      above: { tokens: 200000, input: 4, output: 18, cached_input: 0.4, cache_write: null, reasoning: null },
      source: "table",
      date: "2026-11-09",
    });
  });

  it("filters by provider (exact) and by part of the model name; an unknown provider is a 400 naming it", async () => {
    const groq = await api.get("/prices?provider=groq");
    expect(rowsOf(groq).map((p) => p.model)).toEqual(["llama-3.3-70b-versatile", "llama-3.1-8b-instant"]);
    const haiku = await api.get("/prices?provider=anthropic&model=HAIKU-4");
    expect(rowsOf(haiku).map((p) => p.model)).toEqual(["claude-haiku-4-5"]);
    const bad = await api.get("/prices?provider=acme");
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({
      code: "bad_request",
      param: "provider",
      message: expect.stringContaining('unknown provider "acme"'),
    });
  });

  it("PUT sets an override (201), shown in place of the table's entry; a second PUT replaces every price (200)", async () => {
    const today = () => new Date().toISOString().slice(0, 10);
    const dayBefore = today();
    const created = await api.put("/prices", { provider: "openai", model: "GPT-4o", input: 1, output: 4, cached_input: 0.5 });
    expect(created.status).toBe(201);
    expect([dayBefore, today()]).toContain(created.json.date);
    expect(created.json).toEqual({
      provider: "openai",
      model: "gpt-4o",
      input: 1,
      output: 4,
      cached_input: 0.5,
      cache_write: null,
      reasoning: null,
      max_output_tokens: 16384,
      above: null,
      source: "override",
      date: created.json.date,
    });
    const listed = await api.get("/prices?provider=openai");
    expect(rowsOf(listed).filter((p) => p.model === "gpt-4o")).toEqual([created.json]);
    expect(rowsOf(listed).findIndex((p) => p.model === "gpt-4o")).toBe(7); // its place in OpenAI's table
    // Azure's price of the same model is apart.
    expect(find(await api.get("/prices?provider=azure-openai"), "azure-openai", "gpt-4o")).toMatchObject({ source: "table", input: 2.5 });

    const replaced = await api.put("/prices", { provider: "openai", model: "gpt-4o", input: 2, reasoning: 3 });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ input: 2, output: null, cached_input: null, reasoning: 3, source: "override" });
    expect(await remove("openai", "gpt-4o")).toMatchObject({ status: 200 });
  });

  it("prices a model no table lists, for any provider, in camelCase too; listed after the provider's table", async () => {
    const r = await api.put("/prices", {
      provider: "together-ai",
      model: "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
      input: 0.88,
      output: 0.88,
      cachedInput: 0.44,
      cacheWrite: 1.1,
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      provider: "together-ai",
      model: "meta-llama/llama-4-maverick-17b-128e-instruct-fp8",
      cached_input: 0.44,
      cache_write: 1.1,
      max_output_tokens: null,
      source: "override",
    });
    const azure = await api.put("/prices", { provider: "azure-openai", model: "gpt-35-turbo", input: 0.4, output: 1.2 });
    expect(azure.json).toMatchObject({ model: "gpt-3.5-turbo", max_output_tokens: 4096 });
    const all = await api.get("/prices");
    // After Together's own table, which it does not change.
    const together = rowsOf(all).filter((p) => p.provider === "together-ai");
    expect(together.at(-1)).toMatchObject({ model: "meta-llama/llama-4-maverick-17b-128e-instruct-fp8", source: "override" });
    expect(together.slice(0, -1).every((p) => p.source === "table")).toBe(true);
    expect(rowsOf(all).filter((p) => p.source === "override")).toHaveLength(2);
    for (const [provider, model] of [
      ["together-ai", "meta-llama/llama-4-maverick-17b-128e-instruct-fp8"],
      ["azure-openai", "gpt-3.5-turbo"],
    ] as const)
      expect((await remove(provider, model)).status).toBe(200);
  });

  it("refuses bad bodies with an error naming each field", async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ provider: "openai", model: "gpt-4o" }, "input", /^is required/],
      [{ provider: "openai", model: "gpt-4o", input: -0.01 }, "input", /from 0 to less than 10,000/],
      [{ provider: "openai", model: "gpt-4o", input: 10_000 }, "input", /from 0 to less than 10,000/],
      [{ provider: "openai", model: "gpt-4o", input: 1, output: "2" }, "output", /must be a number/],
      [{ provider: "openai", model: "gpt-4o", input: 1, cached_input: 1e9 }, "cached_input", /less than 10,000/],
      [{ provider: "openai", model: "gpt-4o", input: 1, reasoning: -1 }, "reasoning", /from 0/],
      [{ provider: "acme", model: "gpt-4o", input: 1 }, "provider", /unknown provider "acme"; one of openai, azure-openai/],
      [{ model: "gpt-4o", input: 1 }, "provider", /is required/],
      [{ provider: "openai", model: " ", input: 1 }, "model", /must be a model name/],
      [{ provider: "openai", model: "m".repeat(201), input: 1 }, "model", /at most 200 characters/],
      [{ provider: "openai", model: "gpt\u00004o", input: 1 }, "model", /control characters/],
      [{ provider: "openai", model: "gpt-4o", input: 1, max_output_tokens: 10 }, "max_output_tokens", /unknown key max_output_tokens/],
    ];
    for (const [body, param, message] of cases) {
      const r = await api.put("/prices", body);
      const where = JSON.stringify(body).slice(0, 80);
      expect(r.status, where).toBe(400);
      const error = errorOf(r);
      expect(error.code, where).toBe("bad_request");
      expect(error.param, where).toBe(param);
      expect(error.issues?.find((i) => i.path === param)?.message, where).toMatch(message);
    }
    const notJson = await api.call("PUT", "/prices", "{input: 1", { "content-type": "application/json" });
    expect(errorOf(notJson).code).toBe("invalid_json");
    expect(rowsOf(await api.get("/prices")).filter((p) => p.source === "override")).toEqual([]);
  });

  it("DELETE removes an override (the table's price is back), then 404; both parameters are required", async () => {
    await api.put("/prices", { provider: "anthropic", model: "claude-sonnet-4-6", input: 2, output: 10 });
    const r = await remove("anthropic", "Claude-Sonnet-4-6");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ provider: "anthropic", model: "claude-sonnet-4-6", deleted: true });
    expect(find(await api.get("/prices?provider=anthropic"), "anthropic", "claude-sonnet-4-6")).toMatchObject({
      source: "table",
      input: 3,
    });
    const again = await remove("anthropic", "claude-sonnet-4-6");
    expect(again.status).toBe(404);
    expect(errorOf(again)).toMatchObject({
      code: "not_found",
      message: 'Price override "anthropic/claude-sonnet-4-6" does not exist in this workspace.',
    });
    const noModel = await api.del("/prices?provider=anthropic");
    expect(noModel.status).toBe(400);
    expect(errorOf(noModel).param).toBe("model");
  });

  it("needs an admin key or a session: none -> 401, a gateway key -> 403; a session reads and writes from Detour's pages", async () => {
    const none = await apiClient(h, {}).get("/prices");
    expect(none.status).toBe(401);
    expect(errorOf(none).code).toBe("unauthorized");
    const gateway = withKey(h, await insertApiKey(h, h.workspaceId, "gateway"));
    for (const r of [await gateway.get("/prices"), await gateway.put("/prices", { provider: "openai", model: "x", input: 1 })]) {
      expect(r.status).toBe(403);
      expect(errorOf(r).code).toBe("insufficient_scope");
    }
    const session = apiClient(h, { cookie: await signIn(h), origin: h.url });
    expect((await session.get("/prices?provider=groq")).status).toBe(200);
    const put = await session.put("/prices", { provider: "groq", model: "llama-3.1-8b-instant", input: 0.06, output: 0.09 });
    expect(put.status).toBe(201);
    const foreign = await apiClient(h, { cookie: await signIn(h), origin: "http://evil.example" }).put("/prices", {
      provider: "groq",
      model: "llama-3.1-8b-instant",
      input: 100,
    });
    expect(errorOf(foreign).code).toBe("cross_origin_write");
    expect(find(await api.get("/prices?provider=groq"), "groq", "llama-3.1-8b-instant")).toMatchObject({ input: 0.06, source: "override" });
    expect((await session.del("/prices?provider=groq&model=llama-3.1-8b-instant")).status).toBe(200);
  });

  it("keeps each workspace's overrides to itself", async () => {
    const other = await createWorkspace(h, "Prices B");
    const b = withKey(h, other.adminKey);
    expect((await b.put("/prices", { provider: "openai", model: "o3", input: 1, output: 1 })).status).toBe(201);
    expect(find(await api.get("/prices?provider=openai"), "openai", "o3")).toMatchObject({ source: "table", input: 2 });
    expect(find(await b.get("/prices?provider=openai"), "openai", "o3")).toMatchObject({ source: "override", input: 1 });
    expect((await remove("openai", "o3")).status).toBe(404);
    const named = await api.put("/prices", { provider: "openai", model: "o3", input: 1, workspace_id: other.workspaceId });
    expect(named.status).toBe(403);
    expect(errorOf(named).code).toBe("forbidden");
    expect((await api.put("/prices", { provider: "openai", model: "o3", input: 1, workspace_id: h.workspaceId })).status).toBe(201);
    expect((await remove("openai", "o3")).status).toBe(200);
  });
});
