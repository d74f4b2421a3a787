import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { carriesContent, readResponsesUsage, readUsage, SseRelay, type StreamSummary } from "./sse-relay";
import { chunkStream } from "../../http/stream-response";

const frame = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
const DONE = "data: [DONE]\n\n";

const base = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  service_tier: "default",
  system_fingerprint: "fp_1",
};
/** OpenAI's first chunk, as the API sends it. */
const roleChunk = (extra: Record<string, unknown> = {}) =>
  frame({
    ...base,
    choices: [{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }],
    ...extra,
    obfuscation: "aB3d",
  });
const textChunk = (text: string, extra: Record<string, unknown> = {}) =>
  frame({ ...base, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }], ...extra, obfuscation: "x" });
const stopChunk = (extra: Record<string, unknown> = {}) =>
  frame({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }], ...extra });
const usageChunk = frame({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });

const SAFE = { filtered: false, severity: "safe" };
const FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
/** Azure's first event: prompt filter results, empty choices. */
const azurePromptFilter = frame({
  choices: [],
  created: 0,
  id: "",
  model: "",
  object: "",
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTERS }],
});
const azureRole = frame({
  choices: [
    { content_filter_results: {}, delta: { content: "", refusal: null, role: "assistant" }, finish_reason: null, index: 0, logprobs: null },
  ],
  created: 1,
  id: "chatcmpl-2",
  model: "gpt-4o",
  object: "chat.completion.chunk",
  system_fingerprint: "fp_2",
});
const azureText = (text: string) =>
  frame({
    choices: [{ content_filter_results: FILTERS, delta: { content: text }, finish_reason: null, index: 0, logprobs: null }],
    created: 1,
    id: "chatcmpl-2",
    model: "gpt-4o",
    object: "chat.completion.chunk",
    system_fingerprint: "fp_2",
  });

/** An upstream body: each string is one network read; `break` fails the stream after them all. */
function upstream(reads: string[], end: "end" | "break" = "end"): Readable {
  return Readable.from(
    (async function* () {
      for (const r of reads) yield Buffer.from(r);
      if (end === "break") throw new Error("socket hang up");
    })(),
  );
}

function relayOf(reads: string[], end: "end" | "break" = "end", options: Partial<ConstructorParameters<typeof SseRelay>[1]> = {}) {
  return new SseRelay(upstream(reads, end), { stripUsageChunk: false, maxLogBytes: 64 * 1024, ...options });
}

async function drain(relay: SseRelay): Promise<{ text: string; summary: StreamSummary }> {
  let summary: StreamSummary | null = null;
  // As the route files read it: a Web stream over the relay's pull source.
  const reader = chunkStream(relay.source((s) => (summary = s))).getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, summary: summary! };
}

afterEach(() => vi.restoreAllMocks());

describe("SseRelay: what counts as the first content event", () => {
  it("an OpenAI stream that breaks right after its role chunk has not started: the attempt is broken", async () => {
    const first = await relayOf([roleChunk()], "break").waitForFirstContent();
    expect(first.ok).toBe(false);
    expect(!first.ok && first.message).toMatch(/broke before the first content chunk: socket hang up/);
  });

  it("a role chunk and then the end of the stream: broken, and the message says events came without content", async () => {
    const first = await relayOf([roleChunk()]).waitForFirstContent();
    expect(first).toEqual({ ok: false, message: "its stream ended before the first content chunk (1 event without content)" });
  });

  it("an Azure stream that breaks after prompt_filter_results and the role chunk has not started", async () => {
    expect((await relayOf([azurePromptFilter, azureRole], "break").waitForFirstContent()).ok).toBe(false);
    expect((await relayOf([azurePromptFilter + azureRole]).waitForFirstContent()).ok).toBe(false);
  });

  it('a chunk with "usage": null (stream_options.include_usage) is not content; a usage chunk is', async () => {
    expect((await relayOf([roleChunk({ usage: null }), roleChunk({ usage: null })], "break").waitForFirstContent()).ok).toBe(false);
    expect((await relayOf([roleChunk({ usage: null }), usageChunk]).waitForFirstContent()).ok).toBe(true);
  });

  it("the first text delta is content, in the same read as the role chunk or a later one", async () => {
    expect((await relayOf([roleChunk() + textChunk("Hi")], "break").waitForFirstContent()).ok).toBe(true);
    expect((await relayOf([roleChunk(), textChunk("Hi")], "break").waitForFirstContent()).ok).toBe(true);
  });

  it("[DONE] and a finish_reason are content", async () => {
    expect((await relayOf([roleChunk(), DONE]).waitForFirstContent()).ok).toBe(true);
    expect((await relayOf([roleChunk(), stopChunk()], "break").waitForFirstContent()).ok).toBe(true);
  });

  it("an error event before content fails the attempt (it falls back), naming the upstream's error", async () => {
    const first = await relayOf([roleChunk(), frame({ error: { message: "boom", type: "server_error" } }), DONE]).waitForFirstContent();
    expect(first).toEqual({ ok: false, message: "its stream sent an error before the first content chunk: server_error: boom" });
  });

  it("an error event in the same read as the first content event is relayed after it (the attempt has started)", async () => {
    const error = frame({ error: { message: "boom", type: "server_error" } });
    const relay = relayOf([roleChunk() + textChunk("Hi") + error + DONE]);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(roleChunk() + textChunk("Hi") + error);
    expect(summary.end).toBe("broken");
  });

  it("an error event after content is relayed as the last event: nothing after it, no Detour error added", async () => {
    const error = frame({ error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
    const relay = relayOf([roleChunk(), textChunk("Hi"), error, textChunk("never"), DONE]);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(roleChunk() + textChunk("Hi") + error);
    expect(summary.end).toBe("broken");
    expect(summary.errorMessage).toContain("invalid_request_error: Incorrect API key provided");
  });

  it("an upstream that holds back more than maxHeldBytes without content is relayed as it is (memory stays bounded)", async () => {
    const empties = Array.from({ length: 50 }, () => roleChunk());
    const relay = relayOf(empties, "break", { maxHeldBytes: 2048 });
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(summary.end).toBe("broken");
    expect(text.startsWith(empties.join("").slice(0, 2048))).toBe(true);
  });
});

describe("carriesContent", () => {
  const chat = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => {
    const json = { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...extra }] };
    return carriesContent(json, json.choices);
  };

  it.each([
    ["role only", { role: "assistant" }],
    ["role, empty content, null refusal (OpenAI's first chunk)", { role: "assistant", content: "", refusal: null }],
    ["an empty delta", {}],
    ["null content", { content: null }],
    ["empty tool_calls", { tool_calls: [] }],
  ])("not content: %s", (_, delta) => {
    expect(chat(delta)).toBe(false);
  });

  it.each([
    ["text", { content: "Hi" }],
    ["a refusal", { refusal: "I can't help with that." }],
    [
      "tool_calls",
      {
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }],
      },
    ],
    ["function_call", { role: "assistant", content: null, function_call: { name: "f", arguments: "" } }],
    ["audio (a delta field Detour does not list)", { audio: { id: "audio_1", data: "AAAA" } }],
  ])("content: %s", (_, delta) => {
    expect(chat(delta)).toBe(true);
  });

  it("a finish_reason is content even with an empty delta", () => {
    expect(chat({}, "stop")).toBe(true);
    expect(chat({}, "tool_calls")).toBe(true);
  });

  it("Azure: prompt_filter_results with empty choices and content_filter_results-only choices are not content", () => {
    expect(carriesContent(JSON.parse(azurePromptFilter.slice(6)), [])).toBe(false);
    const filterOnly = {
      choices: [
        {
          index: 0,
          finish_reason: null,
          content_filter_results: FILTERS,
          content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: 10 },
        },
      ],
    };
    expect(carriesContent(filterOnly, filterOnly.choices)).toBe(false);
    expect(chat({ role: "assistant", content: "" }, null, { content_filter_results: {} })).toBe(false);
  });

  it("usage and error: null is not content, a value is", () => {
    expect(carriesContent({ ...base, choices: [], usage: null }, [])).toBe(false);
    expect(carriesContent({ ...base, choices: [], usage: { prompt_tokens: 1 } }, [])).toBe(true);
    expect(carriesContent({ error: null }, null)).toBe(false);
    // An error is not content: the relay treats it as the upstream's failure (see waitForFirstContent).
    expect(carriesContent({ error: { message: "x" } }, null)).toBe(false);
  });

  it("completions: empty text is not content; text or a finish_reason is", () => {
    const c = (text: string, finish: string | null) => {
      const json = {
        id: "cmpl-1",
        object: "text_completion",
        created: 1,
        model: "m",
        choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
      };
      return carriesContent(json, json.choices);
    };
    expect(c("", null)).toBe(false);
    expect(c("Hello", null)).toBe(true);
    expect(c("", "stop")).toBe(true);
  });
});

describe("SseRelay: the held events reach the caller first, in order, and only once", () => {
  it("OpenAI: the caller gets exactly the upstream's events, the role chunk first", async () => {
    const events = [
      roleChunk({ usage: null }),
      textChunk("Hel", { usage: null }),
      textChunk("lo", { usage: null }),
      stopChunk({ usage: null }),
      DONE,
    ];
    const relay = relayOf([events[0]!, events[1]! + events[2]!, events[3]! + events[4]!]);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(events.join(""));
    expect(summary).toMatchObject({ end: "done", model: "gpt-4o-mini" });
    expect(summary.logText).toBe(text);
  });

  it("Azure: prompt_filter_results, then the role chunk, then the text, in the upstream's order", async () => {
    const events = [azurePromptFilter, azureRole, azureText("Hi"), DONE];
    const relay = relayOf([events[0]!, events[1]!, events[2]!, events[3]!]);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(events.join(""));
    expect(summary.model).toBe("gpt-4o");
  });

  it("completions: an empty first text is held and sent ahead of the first text", async () => {
    const chunk = (text: string, finish: string | null) =>
      frame({
        id: "cmpl-1",
        object: "text_completion",
        created: 1,
        choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
        model: "gpt-3.5-turbo-instruct",
      });
    const broken = relayOf([chunk("", null)], "break");
    expect((await broken.waitForFirstContent()).ok).toBe(false);
    const events = [chunk("", null), chunk("Hello", null), chunk("", "stop"), DONE];
    const relay = relayOf([events[0]!, events[1]!, events[2]! + events[3]!]);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    expect((await drain(relay)).text).toBe(events.join(""));
  });

  it("the stripped usage chunk is still read for usage; the held role chunk still goes first", async () => {
    const relay = relayOf(
      [roleChunk({ usage: null }), textChunk("Hi", { usage: null }), stopChunk({ usage: null }) + usageChunk + DONE],
      "end",
      { stripUsageChunk: true },
    );
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(roleChunk({ usage: null }) + textChunk("Hi", { usage: null }) + stopChunk({ usage: null }) + DONE);
    expect(summary.usage).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7, cacheReadTokens: null, cacheWriteTokens: null });
  });

  it("after the first content event, text events are not parsed as JSON (the hot path did not get dearer)", async () => {
    const rest = Array.from({ length: 20 }, (_, i) => textChunk(`t${i}`, { usage: null }));
    const relay = relayOf([
      roleChunk({ usage: null }) + textChunk("first", { usage: null }) + rest[0]!,
      ...rest.slice(1),
      stopChunk({ usage: null }) + usageChunk + DONE,
    ]);
    const parse = vi.spyOn(JSON, "parse");
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    // The role chunk and the first text chunk: nothing after the first content event of that read.
    expect(parse).toHaveBeenCalledTimes(2);
    parse.mockClear();
    const { summary } = await drain(relay);
    // Only the usage chunk is parsed after content.
    expect(parse).toHaveBeenCalledTimes(1);
    expect(summary.usage).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7, cacheReadTokens: null, cacheWriteTokens: null });
  });
});

/** Anthropic's Messages stream events (https://docs.anthropic.com/en/docs/build-with-claude/streaming). */
const ev = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const messageStart = ev("message_start", {
  message: {
    id: "msg_1",
    type: "message",
    role: "assistant",
    content: [],
    model: "claude-sonnet-4-5-20250929",
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 25, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 1 },
  },
});
const ping = ev("ping", {});
const blockStart = ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
const textDelta = (text: string) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
const blockStop = ev("content_block_stop", { index: 0 });
const messageDelta = ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 15 } });
const messageStop = ev("message_stop", {});
const overloaded = ev("error", { error: { type: "overloaded_error", message: "Overloaded" } });

describe("SseRelay on Anthropic's wire (/v1/messages)", () => {
  const anthropic = (reads: string[], end: "end" | "break" = "end") => relayOf(reads, end, { wire: "anthropic" });

  it("message_start, ping and a text block's empty start are not content; its first delta, or a tool_use start, is", async () => {
    expect((await anthropic([messageStart, ping, blockStart], "end").waitForFirstContent()).ok).toBe(false);
    expect((await anthropic([messageStart + ping + blockStart + overloaded]).waitForFirstContent()).ok).toBe(false);
    expect((await anthropic([messageStart, ping, blockStart, textDelta("Hi")], "break").waitForFirstContent()).ok).toBe(true);
    const toolStart = ev("content_block_start", {
      index: 0,
      content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} },
    });
    expect((await anthropic([messageStart, toolStart], "break").waitForFirstContent()).ok).toBe(true);
  });

  it("relays every event as sent, ends at message_stop, and reads model and usage (cache reads and writes kept)", async () => {
    const events = [messageStart, ping, blockStart, textDelta("Hello"), textDelta(" there"), blockStop, messageDelta, messageStop];
    const relay = anthropic(events);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(events.join(""));
    expect(summary).toMatchObject({ end: "done", model: "claude-sonnet-4-5-20250929", errorMessage: null });
    expect(summary.usage).toEqual({
      promptTokens: 2125,
      completionTokens: 15,
      totalTokens: 2140,
      cacheReadTokens: 2000,
      cacheWriteTokens: 100,
    });
  });

  it("an error event before the first content block fails the attempt (fallback); after it, it ends the stream", async () => {
    expect(await anthropic([messageStart, overloaded]).waitForFirstContent()).toEqual({
      ok: false,
      message: "its stream sent an error before the first content chunk: overloaded_error: Overloaded",
    });
    const relay = anthropic([messageStart, blockStart, textDelta("Hi"), overloaded, messageStop]);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(messageStart + blockStart + textDelta("Hi") + overloaded);
    expect(summary.end).toBe("broken");
  });

  it("a stream that breaks after it started ends with Anthropic's error event, not OpenAI's", async () => {
    const relay = anthropic([messageStart, blockStart, textDelta("Hi")], "break");
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    const last = text.slice(text.lastIndexOf("event: error"));
    expect(last.startsWith("event: error\ndata: ")).toBe(true);
    const data = JSON.parse(last.slice("event: error\ndata: ".length)) as { type: string; error: { type: string; message: string } };
    expect(data).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(data.error.message).toContain("The upstream stream broke after it started");
    expect(summary.end).toBe("broken");
  });
});

describe("SseRelay on the Responses API's wire (/v1/responses)", () => {
  let seq = 0;
  const rev = (type: string, fields: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: seq++ })}\n\n`;
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: "resp_abc",
    object: "response",
    created_at: 1,
    status,
    model: "gpt-4o-2024-08-06",
    output: [],
    usage: null,
    ...extra,
  });
  const usage = {
    input_tokens: 120,
    input_tokens_details: { cached_tokens: 100 },
    output_tokens: 30,
    output_tokens_details: { reasoning_tokens: 12 },
    total_tokens: 150,
  };
  const opening = () => [
    rev("response.created", { response: response("in_progress") }),
    rev("response.in_progress", { response: response("in_progress") }),
    rev("response.output_item.added", {
      output_index: 0,
      item: { id: "msg_1", type: "message", status: "in_progress", role: "assistant", content: [] },
    }),
    rev("response.content_part.added", {
      item_id: "msg_1",
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    }),
  ];
  const delta = (text: string) =>
    rev("response.output_text.delta", { item_id: "msg_1", output_index: 0, content_index: 0, delta: text, logprobs: [] });
  const completed = () => rev("response.completed", { response: response("completed", { usage }) });
  const responses = (reads: string[], end: "end" | "break" = "end", onResponseId?: (id: string) => void) =>
    relayOf(reads, end, { wire: "responses", ...(onResponseId ? { onResponseId } : {}) });

  it("created, in_progress and empty item and part openings are not content; a delta is; the response id is told at once", async () => {
    seq = 0;
    const ids: string[] = [];
    expect((await responses(opening(), "end", (id) => ids.push(id)).waitForFirstContent()).ok).toBe(false);
    expect(ids).toEqual(["resp_abc"]);
    seq = 0;
    expect((await responses([...opening(), delta("Hi")], "break").waitForFirstContent()).ok).toBe(true);
    seq = 0;
    const call = rev("response.output_item.added", {
      output_index: 0,
      item: { id: "fc_1", type: "function_call", call_id: "call_1", name: "f", arguments: "" },
    });
    const progress = rev("response.web_search_call.in_progress", { output_index: 0, item_id: "ws_1" });
    expect((await responses([opening()[0]!, call, progress], "end").waitForFirstContent()).ok).toBe(false);
  });

  it("relays every event as sent, ends at response.completed, reads usage with cached and reasoning tokens", async () => {
    seq = 0;
    const events = [...opening(), delta("Hello"), delta(" there"), completed()];
    const relay = responses(events);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(events.join(""));
    expect(summary).toMatchObject({ end: "done", model: "gpt-4o-2024-08-06", responseId: "resp_abc", errorMessage: null });
    expect(summary.usage).toEqual({
      promptTokens: 120,
      completionTokens: 30,
      totalTokens: 150,
      cacheReadTokens: 100,
      cacheWriteTokens: null,
      reasoningTokens: 12,
    });
  });

  it("response.failed or an error event before content fails the attempt; response.failed after content ends the stream", async () => {
    seq = 0;
    const failed = rev("response.failed", {
      response: response("failed", { error: { code: "server_error", message: "The model failed" } }),
    });
    expect(await responses([...opening(), failed]).waitForFirstContent()).toEqual({
      ok: false,
      message: "its stream sent an error before the first content chunk: response.failed: server_error: The model failed",
    });
    seq = 0;
    const error = rev("error", { code: "server_error", message: "Overloaded", param: null });
    expect((await responses([...opening(), error]).waitForFirstContent()).ok).toBe(false);
    seq = 0;
    const events = [...opening(), delta("Hi"), failed];
    const relay = responses(events);
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    expect(text).toBe(events.join(""));
    expect(summary.end).toBe("broken");
  });

  it("a stream that breaks after it started ends with the Responses error event, numbered after the last event", async () => {
    seq = 0;
    const relay = responses([...opening(), delta("Hi")], "break");
    expect((await relay.waitForFirstContent()).ok).toBe(true);
    const { text, summary } = await drain(relay);
    const last = text.slice(text.lastIndexOf("event: error"));
    const data = JSON.parse(last.slice("event: error\ndata: ".length)) as Record<string, unknown>;
    expect(data).toMatchObject({ type: "error", code: "upstream_stream_broken", param: null, sequence_number: 5 });
    expect(summary.end).toBe("broken");
  });
});

describe("readResponsesUsage", () => {
  it("reads input, output, cached and reasoning tokens; null without counts", () => {
    expect(readResponsesUsage({ input_tokens: 5, output_tokens: 7, total_tokens: 12 })).toEqual({
      promptTokens: 5,
      completionTokens: 7,
      totalTokens: 12,
      cacheReadTokens: null,
      cacheWriteTokens: null,
      reasoningTokens: null,
    });
    expect(readResponsesUsage(null)).toBeNull();
    expect(readResponsesUsage({})).toBeNull();
  });
});

describe("readUsage", () => {
  it("keeps OpenAI's cached prompt tokens, and DeepSeek's prompt_cache_hit_tokens, as cache reads", () => {
    expect(
      readUsage({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 64 } }),
    ).toEqual({
      promptTokens: 100,
      completionTokens: 5,
      totalTokens: 105,
      cacheReadTokens: 64,
      cacheWriteTokens: null,
    });
    const deepseek = {
      prompt_tokens: 90,
      completion_tokens: 3,
      total_tokens: 93,
      prompt_cache_hit_tokens: 80,
      prompt_cache_miss_tokens: 10,
    };
    expect(readUsage(deepseek)).toMatchObject({ promptTokens: 90, cacheReadTokens: 80 });
    expect(readUsage({ prompt_tokens: 1 })).toMatchObject({ cacheReadTokens: null });
  });
});
