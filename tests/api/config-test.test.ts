/**
 * `POST /v1/configs/test` against a real server and the mock upstream: one request through a config
 * that is not saved, routed by the gateway's own stages with the workspace's virtual keys. A fallback
 * from a 503 to a 200 shows both attempts; the request is logged like any other (marked
 * `detour_test`, under the API key that asked or none for a signed-in user); masked keys stand for
 * the saved config's; nothing secret comes back; bad input is refused like the config routes refuse it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, withKey, type ApiClient } from "../../testing/api-client";
import { startConfigRunHarness } from "../../testing/config-run-harness";
import { metadataOf, type Harness } from "../../testing/gateway-harness";

const OPENAI_SECRET = "sk-openai-cfgtest-000000000000aaaa";
const AZURE_SECRET = "azure-cfgtest-0000000000000000bbbb";
const DIRECT_SECRET = "sk-direct-cfgtest-00000000000cccc";

describe("management API: test a config with one real request", () => {
  let h: Harness;
  let api: ApiClient;
  let session: ApiClient;
  let openai: string;
  let azure: string;
  let fallback: { strategy: unknown; targets: unknown[] };

  beforeAll(async () => {
    ({ h, api, session, openai, azure } = await startConfigRunHarness({ openai: OPENAI_SECRET, azure: AZURE_SECRET }));
    fallback = { strategy: { mode: "fallback", on_status_codes: [429, 503] }, targets: [{ virtual_key: openai }, { virtual_key: azure }] };
  });
  afterAll(async () => h?.close());

  it("a fallback from a 503 to a 200 shows both attempts and the answer, and is logged as a test (signed-in user, no API key)", async () => {
    h.mock.script({ match: { key: OPENAI_SECRET }, fault: { kind: "status", status: 503 }, times: 1 });
    const r = await session.post("/configs/test", { config: fallback, model: "gpt-4o-mini" });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ object: "config.test", status: 200, fallback_used: true, error: null });
    expect(typeof r.json.answer).toBe("string");
    expect(r.json.answer.length).toBeGreaterThan(0);
    expect(r.json.attempts).toHaveLength(2);
    expect(r.json.attempts[0]).toMatchObject({
      index: 0,
      target_path: "config.targets[0]",
      provider: "openai",
      virtual_key: openai,
      status: 503,
      error: "upstream_status",
      retry: 0,
    });
    expect(r.json.attempts[0].error_message).toMatch(/503/);
    expect(r.json.attempts[1]).toMatchObject({
      index: 1,
      target_path: "config.targets[1]",
      provider: "azure-openai",
      virtual_key: azure,
      status: 200,
    });
    expect(r.json.attempts[1].latency_ms).toBeGreaterThanOrEqual(0);
    expect(h.mock.requests().map((q) => q.key)).toEqual([OPENAI_SECRET, AZURE_SECRET]);
    // The answer links to its log: already written when the answer came (not up to a writer flush later).
    const linked = await session.get(`/logs/${r.json.log_id}`);
    expect(linked.status, linked.text).toBe(200);

    const log = await h.waitForLog(r.json.log_id);
    expect(log).toMatchObject({
      status: 200,
      apiKeyId: null,
      configSlug: null,
      fallbackUsed: true,
      path: "/v1/chat/completions",
      stream: false,
    });
    expect(log.attempts.map((a) => [a.provider, a.status])).toEqual([
      ["openai", 503],
      ["azure-openai", 200],
    ]);
    expect(metadataOf(log)).toEqual({ detour_test: "config", detour_test_by: "admin@detour.local" });
    // Bounded: the short default prompt and a small max_tokens.
    expect(JSON.parse(log.requestBody!)).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Reply with the single word: ok" }],
      max_tokens: 16,
    });
    h.mock.reset();
  });

  it("an admin API key's test runs as that key, with the prompt, max_tokens and the saved config named", async () => {
    const slug = await h.config("saved fallback", fallback);
    const r = await api.post("/configs/test", { config: fallback, slug, model: "gpt-4o", prompt: "Say hi", max_tokens: 5 });
    expect(r.status, r.text).toBe(200);
    expect(r.json.attempts).toHaveLength(1);
    expect(r.json.fallback_used).toBe(false);
    const log = await h.waitForLog(r.json.log_id);
    const adminKey = await h.db.apiKey.findFirst({ where: { source: "env" } });
    expect(log.apiKeyId).toBe(adminKey?.id);
    expect(metadataOf(log)).toMatchObject({
      detour_test: "config",
      detour_test_config: slug,
    });
    expect(JSON.parse(log.requestBody!)).toMatchObject({ messages: [{ role: "user", content: "Say hi" }], max_tokens: 5 });
    h.mock.reset();
  });

  it("a masked key stands for the saved config's key; an unknown mask is a 400 at its path", async () => {
    const direct = { provider: "openai", api_key: DIRECT_SECRET, custom_host: `${h.mock.url}/v1` };
    const created = await api.post("/configs", { name: "direct key", config: direct });
    expect(created.status, created.text).toBe(201);
    const shown = (await api.get(`/configs/${created.json.slug}`)).json.config;
    expect(shown.api_key).not.toBe(DIRECT_SECRET);

    const r = await session.post("/configs/test", { config: shown, slug: created.json.slug, model: "gpt-4o" });
    expect(r.status, r.text).toBe(200);
    expect(r.json.status).toBe(200);
    expect(h.mock.requests().map((q) => q.key)).toEqual([DIRECT_SECRET]);

    const unsaved = await session.post("/configs/test", { config: shown, model: "gpt-4o" });
    expect(unsaved.status, unsaved.text).toBe(400);
    expect(errorOf(unsaved)).toMatchObject({ code: "invalid_config", param: "config.api_key" });
    h.mock.reset();
  });

  it("never hands back a provider key: an upstream answer that echoes it is redacted", async () => {
    h.mock.script({ match: { key: DIRECT_SECRET }, fault: { kind: "echo_key" } });
    const config = { provider: "openai", api_key: DIRECT_SECRET, custom_host: `${h.mock.url}/v1` };
    const r = await session.post("/configs/test", { config, model: "gpt-4o" });
    expect(r.status, r.text).toBe(200);
    expect(r.json.status).toBe(200);
    expect(r.text).not.toContain(DIRECT_SECRET);
    expect(r.json.answer).toContain("[redacted]");
    const log = await h.waitForLog(r.json.log_id);
    expect(log.responseBody).not.toContain(DIRECT_SECRET);
    h.mock.reset();
  });

  it("answers what the gateway would: a slug that is no virtual key is the gateway's 404, before any attempt", async () => {
    const r = await session.post("/configs/test", { config: { virtual_key: "no-such-key" }, model: "gpt-4o" });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ status: 404, answer: null, attempts: [], error: { code: "virtual_key_not_found" } });
    expect((await h.waitForLog(r.json.log_id)).errorType).toBe("virtual_key_not_found");
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("refuses an invalid config, a missing model, and a cookie write from another origin", async () => {
    const bad = await session.post("/configs/test", { config: { strategy: { mode: "fallbak" }, targets: [{}] }, model: "gpt-4o" });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: "invalid_config", param: "config.strategy.mode" });
    const noModel = await session.post("/configs/test", { config: fallback });
    expect(noModel.status).toBe(400);
    expect(errorOf(noModel).param).toBe("model");
    const cross = await session.call("POST", "/configs/test", { config: fallback, model: "gpt-4o" }, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    expect(errorOf(cross).code).toBe("cross_origin_write");
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("counts like a request: the workspace's spent budget refuses it before any attempt (signed-in user, no API key)", async () => {
    const set = await api.put("/workspace", { budget: { limit_usd: 0.000001, period: "total" } });
    expect(set.status, set.text).toBe(200);
    try {
      const r = await session.post("/configs/test", { config: fallback, model: "gpt-4o" });
      expect(r.status, r.text).toBe(200);
      expect(r.json).toMatchObject({ status: 429, attempts: [], error: { code: "budget_exceeded" } });
      expect(r.json.error.message).toMatch(/this workspace/);
      expect(h.mock.requests()).toHaveLength(0);
    } finally {
      expect((await api.put("/workspace", { budget: null })).status).toBe(200);
    }
  });

  it("is refused to a gateway-scope API key: a management route", async () => {
    const r = await withKey(h, h.apiKey).post("/configs/test", { config: fallback, model: "gpt-4o" });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe("insufficient_scope");
    expect(h.mock.requests()).toHaveLength(0);
  });
});
