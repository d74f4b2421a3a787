/**
 * OpenAI's Responses API through Detour (docs/GATEWAY.md §1.4), driven by the real `openai` and
 * `portkey-ai` SDKs against the mock upstream: a fallback config whose OpenAI target fails and whose
 * Azure target serves (create, stream, retrieve, input items, delete, a `previous_response_id`
 * chain that stays on Azure when OpenAI is back), a follow-up whose origin is down (the clear 503,
 * and the config's opt-in fallback without state), streams broken before and after their first
 * content event, background responses polled by id, and the log rows (tokens, cost, response id).
 */
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";

/** The output text of a response as a stream's final response has it (its `output_text` is not filled in). */
function textOf(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === "message" ? item.content : []))
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");
}

/** An event stream's events: each one's `event:` name and parsed `data:`. */
function parseEvents(text: string): { name: string | undefined; data: { type: string; sequence_number: number; [k: string]: unknown } }[] {
  return text
    .trim()
    .split("\n\n")
    .map((block) => ({ name: /^event: (.*)$/m.exec(block)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) }));
}

describe("the Responses API: fallback, affinity, streams, logs", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;
  let config: string;
  let statelessConfig: string;

  beforeAll(async () => {
    h = await startHarness();
    openaiVk = await h.openaiKey("OpenAI primary");
    azureVk = await h.azureKey("Azure secondary");
    config = await h.config("responses fallback", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
    });
    statelessConfig = await h.config("responses fallback without state", {
      strategy: { mode: "fallback" },
      affinity: { on_origin_failure: "fallback_without_state" },
      targets: [{ virtual_key: azureVk }, { virtual_key: openaiVk }],
    });
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const client = (cfg = config) =>
    new OpenAI({ apiKey: h.apiKey, baseURL: h.baseURL, defaultHeaders: { "x-portkey-config": cfg }, maxRetries: 0 });
  const openaiDown = (times?: number) =>
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, ...(times ? { times } : {}) });

  it("create: OpenAI 503, Azure answers; the log row has the attempts, tokens, cost and response id", async () => {
    openaiDown();
    const { data, response } = await client().responses.create({ model: "gpt-4o", input: "Tell me about fallbacks" }).withResponse();
    expect(data.object).toBe("response");
    expect(data.status).toBe("completed");
    expect(data.output_text).toContain("Mock answer from azure");
    expect(response.headers.get("x-portkey-fallback")).toBe("true");
    expect(response.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(h.mock.requests().map((r) => [r.provider, r.path, r.status])).toEqual([
      ["openai", "responses", 503],
      ["azure", "responses", 200],
    ]);
    // Azure's dated form: /openai/responses with a Responses api-version, the deployment as the model.
    const azure = h.mock.requests({ provider: "azure" })[0]!;
    expect(azure.url).toMatch(/^\/openai\/responses\?api-version=2025-04-01-preview$/);
    expect(azure.deployment).toBe("gpt4o-prod");

    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log.path).toBe("/v1/responses");
    expect(log.status).toBe(200);
    expect(log.fallbackUsed).toBe(true);
    expect(log.attempts.map((a) => [a.provider, a.status])).toEqual([
      ["openai", 503],
      ["azure-openai", 200],
    ]);
    expect(log.promptTokens).toBe(data.usage!.input_tokens);
    expect(log.completionTokens).toBe(data.usage!.output_tokens);
    expect(log.cost).toBeGreaterThan(0);
  });

  it("a two-turn conversation started on Azure stays there when OpenAI is back; retrieve, input items and delete too", async () => {
    openaiDown(1);
    const first = await client().responses.create({ model: "gpt-4o", input: "Turn one" });
    expect(first.output_text).toContain("azure");
    // OpenAI answers again, and is first in the config: the follow-up must still go to Azure.
    const { data: second, response } = await client()
      .responses.create({ model: "gpt-4o", input: "Turn two", previous_response_id: first.id })
      .withResponse();
    expect(second.output_text).toContain("azure");
    expect(second.output_text).toContain("(turn 2)");
    expect(second.previous_response_id).toBe(first.id);
    expect(response.headers.get("x-detour-affinity")).toBe("pinned");
    expect(h.mock.requests().map((r) => [r.provider, r.status])).toEqual([
      ["openai", 503],
      ["azure", 200],
      ["azure", 200],
    ]);

    const got = await client().responses.retrieve(second.id);
    expect(got.id).toBe(second.id);
    expect(got.output_text).toBe(second.output_text);
    const items = await client().responses.inputItems.list(second.id);
    expect(items.data.length).toBeGreaterThan(0);
    await client().responses.delete(second.id);
    expect(
      h.mock
        .requests()
        .slice(3)
        .map((r) => [r.provider, r.path, r.status]),
    ).toEqual([
      ["azure", "responses/{id}", 200],
      ["azure", "responses/{id}/input_items", 200],
      ["azure", "responses/{id}", 200],
    ]);
    // Deleted: gone upstream, and its record with it (a read now searches the config's targets: OpenAI, then Azure).
    await expect(client().responses.retrieve(second.id)).rejects.toMatchObject({ status: 404 });
  });

  it("a conversation lives where it was first used: its next create goes there too", async () => {
    openaiDown(1);
    const conversation = `conv_${Date.now().toString(16)}`;
    const first = await client().responses.create({ model: "gpt-4o", input: "Start", conversation });
    expect(first.output_text).toContain("azure");
    const { data, response } = await client()
      .responses.create({ model: "gpt-4o", input: "Go on", conversation: { id: conversation } })
      .withResponse();
    expect(data.output_text).toContain("azure");
    expect(data.output_text).toContain("(turn 2)");
    expect(response.headers.get("x-detour-affinity")).toBe("pinned");
    expect(h.mock.requests().map((r) => r.provider)).toEqual(["openai", "azure", "azure"]);
  });

  it("a follow-up whose origin is down gets a 503 naming the target and the reason, not a silent fallback", async () => {
    openaiDown(1);
    const first = await client().responses.create({ model: "gpt-4o", input: "Remember this" });
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 503 } });
    const err = await client()
      .responses.create({ model: "gpt-4o", input: "And then?", previous_response_id: first.id })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiError = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.code).toBe("response_origin_unavailable");
    expect(apiError.message).toContain(first.id);
    expect(apiError.message).toContain(`virtual key "${azureVk}"`);
    expect(apiError.message).toContain("status 503");
    expect(apiError.message).toContain("fallback_without_state");
    // OpenAI was never asked: it does not hold the conversation.
    expect(h.mock.requests().map((r) => [r.provider, r.status])).toEqual([
      ["openai", 503],
      ["azure", 200],
      ["azure", 503],
    ]);
  });

  it("with affinity.on_origin_failure fallback_without_state, the follow-up goes elsewhere without previous_response_id", async () => {
    const first = await client(statelessConfig).responses.create({ model: "gpt-4o", input: "Remember this" });
    expect(first.output_text).toContain("azure");
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 503 } });
    const { data, response } = await client(statelessConfig)
      .responses.create({ model: "gpt-4o", input: "And then?", previous_response_id: first.id })
      .withResponse();
    expect(data.output_text).toContain("Mock answer from openai");
    expect(response.headers.get("x-detour-affinity")).toBe("fallback_without_state");
    const sent = h.mock.requests({ provider: "openai" })[0]!;
    expect(sent.status).toBe(200);
    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log.fallbackUsed).toBe(true);
    expect(log.attempts.map((a) => [a.provider, a.status])).toEqual([
      ["azure-openai", 503],
      ["openai", 200],
    ]);
    expect(log.attempts[0]!.errorMessage).toContain("fallback without state");
  });

  it("stream: broken before its first content event falls back; the SDK assembles Azure's answer", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_role_chunk" } });
    const stream = client().responses.stream({ model: "gpt-4o", input: "Stream to me" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(final.status).toBe("completed");
    expect(textOf(final)).toContain("Mock answer from azure");
    expect(deltas.join("")).toBe(textOf(final));
    expect(h.mock.requests().map((r) => r.provider)).toEqual(["openai", "azure"]);
  });

  it("stream: broken after content ends with an error event carrying the next sequence number, never a silent end", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_chunks", chunks: 2 } });
    const res = await fetch(`${h.baseURL}/responses`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": config }),
      body: JSON.stringify({ model: "gpt-4o", input: "Stream to me", stream: true }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const events = parseEvents(text);
    const last = events[events.length - 1]!;
    expect(last.name).toBe("error");
    expect(last.data.type).toBe("error");
    expect(last.data.code).toBe("upstream_stream_broken");
    expect(last.data.sequence_number).toBe(events[events.length - 2]!.data.sequence_number + 1);
    expect(events.filter((e) => e.name === "response.output_text.delta")).toHaveLength(2);
    // No fallback after content: the client already has part of OpenAI's answer.
    expect(h.mock.requests().map((r) => r.provider)).toEqual(["openai"]);
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log.errorType).toBe("upstream_stream_broken");

    // The SDK surfaces it as an error, not a truncated success.
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_chunks", chunks: 2 } });
    await expect(client().responses.stream({ model: "gpt-4o", input: "Again" }).finalResponse()).rejects.toThrow(/stream/);
  });

  it("stream: response.failed before content falls back; an error event before content too", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "response_failed", afterChunks: 0 }, times: 1 });
    const final = await client().responses.stream({ model: "gpt-4o", input: "Fail first" }).finalResponse();
    expect(textOf(final)).toContain("azure");
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "sse_error_event", afterChunks: 0 }, times: 1 });
    const again = await client().responses.stream({ model: "gpt-4o", input: "Error first" }).finalResponse();
    expect(textOf(again)).toContain("azure");
    expect(h.mock.requests().map((r) => r.provider)).toEqual(["openai", "azure", "openai", "azure"]);
  });

  it("background: queued on create, polled by id on the same target; the first read that shows it finished counts its usage", async () => {
    openaiDown(1);
    const created = await client().responses.create({ model: "gpt-4o", input: "Take your time", background: true });
    expect(created.status).toBe("queued");
    let polled = created;
    for (let i = 0; i < 5 && polled.status !== "completed"; i++) polled = await client().responses.retrieve(created.id);
    expect(polled.status).toBe("completed");
    expect(polled.output_text).toContain("azure");
    // Read again after it finished: that read must not count the usage a second time.
    await client().responses.retrieve(created.id);
    expect(
      new Set(
        h.mock
          .requests()
          .slice(1)
          .map((r) => r.provider),
      ),
    ).toEqual(new Set(["azure"]));

    const rows = () => h.db.requestLog.findMany({ where: { responseId: created.id }, orderBy: { createdAt: "asc" } });
    const reads = h.mock.requests().filter((r) => r.path === "responses/{id}").length;
    await expect.poll(async () => (await rows()).length, { timeout: 10_000 }).toBe(1 + reads);
    const logged = await rows();
    const counted = logged.filter((l) => l.promptTokens !== null);
    expect(counted).toHaveLength(1);
    expect(counted[0]!.method).toBe("GET");
    expect(counted[0]!.promptTokens).toBe(polled.usage!.input_tokens);
    expect(counted[0]!.completionTokens).toBe(polled.usage!.output_tokens);
    expect(counted[0]!.cost).toBeGreaterThan(0);
    // The other reads cost 0; the create (queued, no usage yet) has no cost.
    expect(logged.filter((l) => l !== counted[0] && l.method === "GET").map((l) => l.cost)).toEqual(Array(reads - 1).fill(0));
  });

  it("background: a stream resumed by id after its sequence number, and a cancel, both on the origin", async () => {
    openaiDown(1);
    const started = await fetch(`${h.baseURL}/responses`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": config }),
      body: JSON.stringify({ model: "gpt-4o", input: "Stream in the background", background: true, stream: true }),
    });
    const events = parseEvents(await started.text());
    const id = (events[0]!.data.response as { id: string }).id;
    const resumed = await fetch(`${h.baseURL}/responses/${id}?stream=true&starting_after=3`, {
      headers: h.headers({ "x-portkey-config": config }),
    });
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get("content-type")).toContain("text/event-stream");
    expect(resumed.headers.get("x-detour-affinity")).toBe("pinned");
    const replayed = parseEvents(await resumed.text());
    expect(replayed.map((e) => e.data.sequence_number)).toEqual(events.slice(4).map((e) => e.data.sequence_number));
    expect(replayed.at(-1)!.name).toBe("response.completed");

    const queued = await client().responses.create({ model: "gpt-4o", input: "Cancel me", background: true });
    const cancelled = await client().responses.cancel(queued.id);
    expect(cancelled.status).toBe("cancelled");
    // OpenAI answers again: the second response lives there, and so goes its cancel.
    expect(
      h.mock
        .requests()
        .slice(1)
        .map((r) => [r.provider, r.path]),
    ).toEqual([
      ["azure", "responses"],
      ["azure", "responses/{id}"],
      ["openai", "responses"],
      ["openai", "responses/{id}/cancel"],
    ]);
    const log = await h.waitForLog(resumed.headers.get("x-portkey-request-id")!);
    expect([log.method, log.path, log.stream, log.responseId]).toEqual(["GET", "/v1/responses/{id}", true, id]);
  });

  it("a read is a lightweight log row: the template path, the response id, no tokens, cost 0", async () => {
    const created = await client().responses.create({ model: "gpt-4o", input: "Read me later" });
    const { response } = await client().responses.retrieve(created.id).withResponse();
    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log.method).toBe("GET");
    expect(log.path).toBe("/v1/responses/{id}");
    expect(log.promptTokens).toBeNull();
    expect(log.cost).toBe(0);
  });

  it("an id that cannot be one is refused before any upstream call", async () => {
    const res = await fetch(`${h.baseURL}/responses/${encodeURIComponent("../../v1/models")}`, {
      headers: h.headers({ "x-portkey-config": config }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_response_id");
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("input token counting is routed and free", async () => {
    openaiDown(1);
    const res = await fetch(`${h.baseURL}/responses/input_tokens`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": config }),
      body: JSON.stringify({ model: "gpt-4o", input: "Count me" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; input_tokens: number };
    expect(body.object).toBe("response.input_tokens");
    expect(body.input_tokens).toBeGreaterThan(0);
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log.cost).toBe(0);
  });

  it("portkey-ai SDK: responses.create through the same fallback", async () => {
    openaiDown();
    const portkey = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config, maxRetries: 0 });
    const data = (await portkey.responses.create({ model: "gpt-4o", input: "Hello from Portkey" })) as {
      output_text?: string;
      output: unknown[];
    };
    expect(JSON.stringify(data.output)).toContain("Mock answer from azure");
    expect(h.mock.requests().map((r) => [r.provider, r.status])).toEqual([
      ["openai", 503],
      ["azure", 200],
    ]);
  });
});
