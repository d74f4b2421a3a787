/**
 * Streams that break right after their opening events, the way real OpenAI and Azure streams break:
 * the role-only chunk (after Azure's prompt_filter_results event) is not content, so the attempt has
 * not started and the next target answers. The caller sees exactly the fallback's events: one role
 * chunk, none of the abandoned attempt's held events, the whole answer, [DONE].
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { answerText } from "@/testing/mock-upstream/formats";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

type Chunk = {
  choices: { delta?: { role?: string; content?: string }; text?: string; finish_reason?: string | null }[];
  prompt_filter_results?: unknown;
  error?: unknown;
};

function events(text: string): string[] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ""));
}

function chunks(text: string): Chunk[] {
  return events(text)
    .filter((e) => e !== "[DONE]")
    .map((e) => JSON.parse(e) as Chunk);
}

const roleChunks = (cs: Chunk[]) => cs.filter((c) => c.choices.some((ch) => ch.delta?.role !== undefined));
const chatText = (cs: Chunk[]) => cs.map((c) => c.choices[0]?.delta?.content ?? "").join("");
const completionText = (cs: Chunk[]) => cs.map((c) => c.choices[0]?.text ?? "").join("");

describe("streams that break after the role chunk fall back", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;
  const openaiSecret = "sk-openai-role-0000000000001111";
  const azureSecret = "azure-role-000000000000000002222";
  const prompt = chatBody().messages[0]!.content;

  beforeAll(async () => {
    h = await startHarness();
    openaiVk = await h.openaiKey("OpenAI", openaiSecret);
    azureVk = await h.azureKey("Azure", azureSecret);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const openaiFirst = () =>
    JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] });
  const azureFirst = () =>
    JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: azureVk }, { virtual_key: openaiVk }] });

  async function stream(config: string, path = "chat/completions", body: Record<string, unknown> = chatBody({ stream: true })) {
    const res = await fetch(`${h.baseURL}/${path}`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": config }),
      body: JSON.stringify(body),
    });
    return { res, text: await res.text(), requestId: res.headers.get("x-portkey-request-id")! };
  }

  it("OpenAI breaks after its role chunk: Azure's whole answer, with a single role chunk at its start", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_role_chunk" } });
    const r = await stream(openaiFirst());
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    const cs = chunks(r.text);
    // Azure's own events, in Azure's order: prompt_filter_results, the role chunk, the text.
    expect(cs[0]).toMatchObject({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
    expect(cs[1]!.choices[0]).toMatchObject({ delta: { role: "assistant", content: "" }, content_filter_results: {} });
    expect(roleChunks(cs)).toHaveLength(1);
    expect(chatText(cs)).toBe(answerText("azure", azureSecret, prompt));
    expect(cs.some((c) => c.error !== undefined)).toBe(false);
    expect(events(r.text).at(-1)).toBe("[DONE]");

    expect(h.mock.requests().map((q) => [q.provider, q.fault, q.status])).toEqual([
      ["openai", "stream_break_after_role_chunk", 200],
      ["azure", undefined, 200],
    ]);
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 200, errorType: null, provider: "azure-openai", fallbackUsed: true, stream: true });
    expect(log.attempts.map((a) => [a.provider, a.status, a.errorClass])).toEqual([
      ["openai", 502, "stream_broken"],
      ["azure-openai", 200, null],
    ]);
    expect(log.attempts[0]!.errorMessage).toBe("fallback: stream broken before its first chunk");
    expect(log.completionTokens).toBeGreaterThan(0);
  });

  it("Azure breaks after prompt_filter_results and its role chunk: OpenAI's answer, none of Azure's events", async () => {
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "stream_break_after_role_chunk" } });
    const r = await stream(azureFirst());
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get("x-portkey-provider")).toBe("openai");
    const cs = chunks(r.text);
    expect(cs.some((c) => c.prompt_filter_results !== undefined)).toBe(false);
    expect(roleChunks(cs)).toHaveLength(1);
    expect(cs[0]!.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
    ]);
    expect(chatText(cs)).toBe(answerText("openai", openaiSecret, prompt));
    expect(events(r.text).at(-1)).toBe("[DONE]");

    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 200, errorType: null, provider: "openai", fallbackUsed: true });
    expect(log.attempts.map((a) => [a.provider, a.status, a.errorClass])).toEqual([
      ["azure-openai", 502, "stream_broken"],
      ["openai", 200, null],
    ]);
  });

  it("the caller asked for usage (usage: null on every chunk): still not content, the usage chunk comes from the fallback", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_role_chunk" } });
    const r = await stream(openaiFirst(), "chat/completions", chatBody({ stream: true, stream_options: { include_usage: true } }));
    const cs = chunks(r.text) as (Chunk & { usage?: unknown })[];
    expect(roleChunks(cs)).toHaveLength(1);
    expect(cs.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
    expect(cs.slice(1, -1).every((c) => c.usage === null)).toBe(true);
    expect(chatText(cs)).toBe(answerText("azure", azureSecret, prompt));
    expect((await h.waitForLog(r.requestId)).fallbackUsed).toBe(true);
  });

  it("/v1/completions: Azure breaks after its prompt_filter_results event, OpenAI's text comes whole", async () => {
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "stream_break_after_role_chunk" } });
    const r = await stream(azureFirst(), "completions", { model: "gpt-4o-mini", prompt: "Say hi", stream: true });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get("x-portkey-provider")).toBe("openai");
    const cs = chunks(r.text);
    expect(cs.some((c) => c.prompt_filter_results !== undefined)).toBe(false);
    expect(completionText(cs)).toBe(answerText("openai", openaiSecret, "Say hi"));
    expect(events(r.text).at(-1)).toBe("[DONE]");
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 200, fallbackUsed: true });
    expect(log.attempts.map((a) => [a.provider, a.errorClass])).toEqual([
      ["azure-openai", "stream_broken"],
      ["openai", null],
    ]);
  });

  it("openai SDK: the accumulated text is exactly the fallback's answer", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_role_chunk" } });
    const client = new OpenAI({
      apiKey: "unused",
      baseURL: h.baseURL,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": h.apiKey, "x-portkey-config": openaiFirst() },
    });
    const s = await client.chat.completions.create({ ...chatBody(), stream: true });
    let text = "";
    let roles = 0;
    let finish: string | null = null;
    for await (const chunk of s) {
      const choice = chunk.choices[0];
      if (choice?.delta?.role) roles++;
      text += choice?.delta?.content ?? "";
      finish = choice?.finish_reason ?? finish;
    }
    expect(text).toBe(answerText("azure", azureSecret, prompt));
    expect(roles).toBe(1);
    expect(finish).toBe("stop");
    expect(h.mock.requests().map((q) => q.provider)).toEqual(["openai", "azure"]);
  });

  it("a single target that breaks after its role chunk is a 502 that says so, not a 200 with an error event", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_role_chunk" } });
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": openaiVk }),
      body: JSON.stringify(chatBody({ stream: true })),
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_stream_broken");
    expect(body.error.message).toMatch(/openai answered 200, but its stream (broke|ended) before the first content chunk/);
  });
});
