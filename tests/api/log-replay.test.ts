/**
 * `POST /v1/logs/{id}/replay` against a real server and the mock upstream: a logged request sent
 * again, by log id (the server reads the body; the browser never holds it), through the exact config
 * version it was logged with, another saved config, or an edited one. The replay is logged like any
 * request and linked to the original (`detour_replay_of`); viewers may not replay; another
 * workspace's log is a 404; a log that cannot be replayed is a 422 `replay_unavailable` saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat, createWorkspace, errorOf, withKey, type ApiClient } from "../../testing/api-client";
import { startConfigRunHarness } from "../../testing/config-run-harness";
import { metadataOf, type Harness } from "../../testing/gateway-harness";
import { addMember, signedIn } from "../../testing/team-client";

const OPENAI_SECRET = "sk-openai-replay-00000000000aaaa";
const AZURE_SECRET = "azure-replay-00000000000000000bbbb";

describe("management API: replay a logged request", () => {
  let h: Harness;
  let api: ApiClient;
  let session: ApiClient;
  let openai: string;
  let azure: string;
  let fallbackSlug: string;
  let azureSlug: string;
  /** A chat completion that fell back from a 503 to a 200, logged with config fallbackSlug v1. */
  let rescued: string;

  beforeAll(async () => {
    ({ h, api, session, openai, azure } = await startConfigRunHarness({ openai: OPENAI_SECRET, azure: AZURE_SECRET }));
    fallbackSlug = await h.config("fallback", {
      strategy: { mode: "fallback", on_status_codes: [503] },
      targets: [{ virtual_key: openai }, { virtual_key: azure }],
    });
    azureSlug = await h.config("azure only", { virtual_key: azure });
    h.mock.script({ match: { key: OPENAI_SECRET }, fault: { kind: "status", status: 503 }, times: 1 });
    const r = await chat(h, h.apiKey, { "x-portkey-config": fallbackSlug });
    expect(r.status, r.text).toBe(200);
    rescued = r.requestId;
    const log = await h.waitForLog(rescued);
    expect(log.attempts.map((a) => a.status)).toEqual([503, 200]);
    h.mock.reset();
  });
  afterAll(async () => h?.close());

  it("replays with another saved config: the new attempts, logged and linked to the original, the body read by the server", async () => {
    const original = await h.waitForLog(rescued);
    const r = await session.post(`/logs/${rescued}/replay`, { slug: azureSlug });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({
      object: "log.replay",
      replay_of: rescued,
      status: 200,
      fallback_used: false,
      stream: false,
      error: null,
      config: { kind: "saved", slug: azureSlug, version: 1, name: "azure only" },
    });
    expect(r.json.attempts).toHaveLength(1);
    expect(r.json.attempts[0]).toMatchObject({ provider: "azure-openai", virtual_key: azure, status: 200 });
    expect(r.json.answer).toMatch(/Mock answer/);
    expect(r.text).not.toContain(AZURE_SECRET);
    expect(h.mock.requests().map((q) => q.key)).toEqual([AZURE_SECRET]);
    // "Open the replay's log" right away finds it: written before the answer came.
    const linked = await session.get(`/logs/${r.json.log_id}`);
    expect(linked.status, linked.text).toBe(200);

    const replay = await h.waitForLog(r.json.log_id);
    expect(replay.id).not.toBe(rescued);
    expect(replay.requestBody).toBe(original.requestBody);
    expect(replay.path).toBe("/v1/chat/completions");
    expect(replay.apiKeyId).toBeNull();
    expect(metadataOf(replay)).toEqual({
      detour_test: "replay",
      detour_replay_of: rescued,
      detour_replay_config: `${azureSlug} v1`,
      detour_test_by: "admin@detour.local",
    });
    // The replays of a log are found by the log explorer's metadata filter.
    const found = await api.get(`/logs?metadata.detour_replay_of=${rescued}`);
    expect(found.status, found.text).toBe(200);
    expect(found.json.data.map((l: { id: string }) => l.id)).toEqual([r.json.log_id]);
    h.mock.reset();
  });

  it("replays with the exact config version logged, even after the config changed; or any version asked for", async () => {
    await h.updateConfig(fallbackSlug, { virtual_key: azure });
    h.mock.script({ match: { key: OPENAI_SECRET }, fault: { kind: "status", status: 503 }, times: 1 });
    const same = await api.post(`/logs/${rescued}/replay`, {});
    expect(same.status, same.text).toBe(200);
    expect(same.json.config).toMatchObject({ kind: "saved", slug: fallbackSlug, version: 1 });
    expect(same.json.attempts.map((a: { provider: string; status: number }) => [a.provider, a.status])).toEqual([
      ["openai", 503],
      ["azure-openai", 200],
    ]);
    expect(same.json.fallback_used).toBe(true);
    // Run as the admin API key that called.
    const adminKey = await h.db.apiKey.findFirst({ where: { source: "env" } });
    expect((await h.waitForLog(same.json.log_id)).apiKeyId).toBe(adminKey?.id);
    h.mock.reset();

    // Named by slug: the current version (v2: Azure alone), or the version asked for (v1: OpenAI first).
    const current = await api.post(`/logs/${rescued}/replay`, { slug: fallbackSlug });
    expect(current.json.config).toMatchObject({ version: 2 });
    expect(current.json.attempts.map((a: { provider: string }) => a.provider)).toEqual(["azure-openai"]);
    const v1 = await api.post(`/logs/${rescued}/replay`, { slug: fallbackSlug, version: 1 });
    expect(v1.json.config).toMatchObject({ version: 1 });
    expect(v1.json.attempts.map((a: { provider: string }) => a.provider)).toEqual(["openai"]);
    const missing = await api.post(`/logs/${rescued}/replay`, { slug: fallbackSlug, version: 9 });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe("not_found");
    h.mock.reset();
  });

  it("replays with an edited config (JSON not saved), and refuses an invalid one at its path", async () => {
    const r = await session.post(`/logs/${rescued}/replay`, { config: { virtual_key: azure, override_params: { max_tokens: 7 } } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.config).toEqual({ kind: "edited", slug: null });
    expect(r.json.status).toBe(200);
    const log = await h.waitForLog(r.json.log_id);
    expect(metadataOf(log).detour_replay_config).toBe("edited");
    // The edited config routed it (the logged one would have tried OpenAI first).
    expect(h.mock.requests().map((q) => q.key)).toEqual([AZURE_SECRET]);
    const bad = await session.post(`/logs/${rescued}/replay`, { config: { strategy: { mode: "fallbak" }, targets: [{}] } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: "invalid_config", param: "config.strategy.mode" });
    h.mock.reset();
  });

  it("replays a streamed request streamed, and assembles its answer", async () => {
    const s = await chat(
      h,
      h.apiKey,
      { "x-portkey-config": azureSlug },
      {
        model: "gpt-4o",
        stream: true,
        messages: [{ role: "user", content: "stream me" }],
      },
    );
    expect(s.status).toBe(200);
    await h.waitForLog(s.requestId);
    const r = await session.post(`/logs/${s.requestId}/replay`, {});
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ stream: true, status: 200 });
    expect(r.json.answer).toMatch(/Mock answer .* stream me/);
    const log = await h.waitForLog(r.json.log_id);
    expect(log.stream).toBe(true);
    h.mock.reset();
  });

  it("says plainly why a log cannot be replayed: no body logged, a body cut, a Responses follow-up, no saved config", async () => {
    // Refused at its headers, before its body was read: logged without a body.
    const early = await chat(h, h.apiKey, { "x-portkey-config": azureSlug, "x-portkey-metadata": "not json" });
    expect(early.status).toBe(400);
    expect((await h.waitForLog(early.requestId)).requestBody).toBeNull();
    const noBody = await session.post(`/logs/${early.requestId}/replay`, { slug: azureSlug });
    expect(noBody.status, noBody.text).toBe(422);
    expect(errorOf(noBody)).toMatchObject({ code: "replay_unavailable", type: "invalid_request_error" });
    expect(errorOf(noBody).message).toMatch(/request body was not logged/);

    const cut = await chat(h, h.apiKey, { "x-portkey-config": azureSlug });
    await h.waitForLog(cut.requestId);
    await h.db.requestLog.update({ where: { id: cut.requestId }, data: { requestBodyTruncated: true } });
    const cutAnswer = await session.post(`/logs/${cut.requestId}/replay`, {});
    expect(cutAnswer.status).toBe(422);
    expect(errorOf(cutAnswer).message).toMatch(/cut at the log's size limit/);

    const follow = await fetch(`${h.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": h.apiKey, "x-portkey-virtual-key": openai },
      body: JSON.stringify({ model: "gpt-4o", input: "and then?", previous_response_id: "resp_0000000000000000" }),
    });
    const followId = follow.headers.get("x-portkey-request-id")!;
    await h.waitForLog(followId);
    const followAnswer = await session.post(`/logs/${followId}/replay`, { slug: azureSlug });
    expect(followAnswer.status).toBe(422);
    expect(errorOf(followAnswer).message).toMatch(/previous_response_id/);

    // Routed by a header, not a saved config: the default has nothing to replay with; a saved config does.
    const direct = await chat(h, h.apiKey, { "x-portkey-virtual-key": azure });
    await h.waitForLog(direct.requestId);
    const none = await session.post(`/logs/${direct.requestId}/replay`, {});
    expect(none.status).toBe(422);
    expect(errorOf(none).message).toMatch(/named no saved config/);
    const withSaved = await session.post(`/logs/${direct.requestId}/replay`, { slug: azureSlug });
    expect(withSaved.status, withSaved.text).toBe(200);
    expect(h.mock.requests().filter((q) => q.key === AZURE_SECRET).length).toBeGreaterThanOrEqual(3);
    h.mock.reset();
  });

  it("validates its input: version needs slug, an unknown config or log is a 404", async () => {
    const noSlug = await session.post(`/logs/${rescued}/replay`, { version: 1 });
    expect(noSlug.status).toBe(400);
    expect(errorOf(noSlug)).toMatchObject({ code: "bad_request", param: "version" });
    const extra = await session.post(`/logs/${rescued}/replay`, { body: { model: "x" } });
    expect(extra.status).toBe(400);
    const unknownConfig = await session.post(`/logs/${rescued}/replay`, { slug: "pc-nope-000000" });
    expect(unknownConfig.status).toBe(404);
    const unknownLog = await session.post("/logs/log_00000000000000000000000000/replay", {});
    expect(unknownLog.status).toBe(404);
    expect(errorOf(unknownLog).code).toBe("not_found");
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("roles: a member may replay, a viewer may not; a gateway-scope key may not; a cross-origin cookie write is refused", async () => {
    await addMember(h, "member@replay.test", "member");
    await addMember(h, "viewer@replay.test", "viewer");
    const member = await signedIn(h, "member@replay.test");
    const viewer = await signedIn(h, "viewer@replay.test");
    const ok = await member.api.post(`/logs/${rescued}/replay`, { slug: azureSlug });
    expect(ok.status, ok.text).toBe(200);
    expect(metadataOf(await h.waitForLog(ok.json.log_id)).detour_test_by).toBe("member@replay.test");
    const refused = await viewer.api.post(`/logs/${rescued}/replay`, { slug: azureSlug });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: "forbidden" });
    expect(errorOf(refused).message).toMatch(/member role/);
    const gateway = await withKey(h, h.apiKey).post(`/logs/${rescued}/replay`, {});
    expect(gateway.status).toBe(403);
    expect(errorOf(gateway).code).toBe("insufficient_scope");
    const cross = await session.call("POST", `/logs/${rescued}/replay`, {}, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    expect(errorOf(cross).code).toBe("cross_origin_write");
    expect(h.mock.requests()).toHaveLength(1);
    h.mock.reset();
  });

  it("another workspace's log is a 404, as if it did not exist", async () => {
    const other = await createWorkspace(h);
    const r = await withKey(h, other.adminKey).post(`/logs/${rescued}/replay`, { slug: azureSlug });
    expect(r.status).toBe(404);
    expect(errorOf(r).code).toBe("not_found");
    expect(h.mock.requests()).toHaveLength(0);
  });
});
