/**
 * assembleStream and assembleResponseJson over realistic answers: Responses events typed with the
 * openai SDK's own event types (so their shapes are OpenAI's), chat and completion chunks and
 * Anthropic events built by the mock upstream's serialisers (the shapes the gateway relays), a
 * stream cut at every byte, broken streams ending in an error, and garbage.
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Response, ResponseStreamEvent } from "openai/resources/responses/responses";
import { describe, expect, it } from "vitest";
import { anthropicErrorEvent, anthropicStream } from "../../testing/mock-upstream/anthropic-format";
import { chatStream, completionStream, type Envelope, type StreamPlan } from "../../testing/mock-upstream/formats";
import { logSearchText } from "./search-text";
import { assembleResponseJson, assembleStream, parseSseEvents, streamFormatOf } from "./stream-text";

/** Responses' SSE framing: `event: <type>` then the event as data. */
const sse = (events: ResponseStreamEvent[]): string => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
const planText = (plan: StreamPlan): string => [...plan.head, ...plan.content, ...plan.tail].join("");
const chunks = (list: ChatCompletionChunk[]): string => `${list.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("")}data: [DONE]\n\n`;

const RESPONSE_ID = "resp_68af4030592c81938ec0a5fbab4a3e9f05438e46b5f69a3b";

/** A Responses object in a given state (what response.created / .completed / .failed carry). */
function responseObject(status: Response["status"], extra: Partial<Response> = {}): Response {
  return {
    id: RESPONSE_ID,
    object: "response",
    created_at: 1756315696,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    model: "gpt-5-mini-2025-08-07",
    output: [],
    output_text: "",
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    ...extra,
  };
}

const USAGE = {
  input_tokens: 37,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 211,
  output_tokens_details: { reasoning_tokens: 192 },
  total_tokens: 248,
};

/** A text answer with a reasoning summary, as OpenAI streams it, sequence numbers in order. */
function responsesTextStream(): ResponseStreamEvent[] {
  let seq = 0;
  const n = () => seq++;
  const reasoningId = "rs_68af4030baa48193b0b43b4c2a176a1a05438e46b5f69a3b";
  const messageId = "msg_68af40337e58819392e935fb404414d005438e46b5f69a3b";
  return [
    { type: "response.created", sequence_number: n(), response: responseObject("in_progress") },
    { type: "response.in_progress", sequence_number: n(), response: responseObject("in_progress") },
    {
      type: "response.output_item.added",
      sequence_number: n(),
      output_index: 0,
      item: { id: reasoningId, type: "reasoning", summary: [] },
    },
    {
      type: "response.reasoning_summary_text.delta",
      sequence_number: n(),
      item_id: reasoningId,
      output_index: 0,
      summary_index: 0,
      delta: "**Counting letters**",
    },
    {
      type: "response.reasoning_summary_text.delta",
      sequence_number: n(),
      item_id: reasoningId,
      output_index: 0,
      summary_index: 0,
      delta: " in strawberry",
    },
    {
      type: "response.output_item.added",
      sequence_number: n(),
      output_index: 1,
      item: { id: messageId, type: "message", status: "in_progress", role: "assistant", content: [] },
    },
    {
      type: "response.content_part.added",
      sequence_number: n(),
      item_id: messageId,
      output_index: 1,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    },
    ...["There are ", "three r's", " in <b>strawberry</b>."].map(
      (delta): ResponseStreamEvent => ({
        type: "response.output_text.delta",
        sequence_number: n(),
        item_id: messageId,
        output_index: 1,
        content_index: 0,
        delta,
        logprobs: [],
      }),
    ),
    {
      type: "response.output_text.done",
      sequence_number: n(),
      item_id: messageId,
      output_index: 1,
      content_index: 0,
      text: "There are three r's in <b>strawberry</b>.",
      logprobs: [],
    },
    {
      type: "response.completed",
      sequence_number: n(),
      response: responseObject("completed", { usage: USAGE }),
    },
  ];
}

/** Two function calls, their arguments in fragments, then the end. */
function responsesToolStream(): ResponseStreamEvent[] {
  let seq = 0;
  const n = () => seq++;
  const call = (index: number, id: string, callId: string, name: string, args: string[]): ResponseStreamEvent[] => [
    {
      type: "response.output_item.added",
      sequence_number: n(),
      output_index: index,
      item: { id, type: "function_call", status: "in_progress", call_id: callId, name, arguments: "" },
    },
    ...args.map(
      (delta): ResponseStreamEvent => ({
        type: "response.function_call_arguments.delta",
        sequence_number: n(),
        item_id: id,
        output_index: index,
        delta,
      }),
    ),
    {
      type: "response.function_call_arguments.done",
      sequence_number: n(),
      item_id: id,
      output_index: index,
      name,
      arguments: args.join(""),
    },
  ];
  return [
    { type: "response.created", sequence_number: n(), response: responseObject("in_progress") },
    ...call(0, "fc_01", "call_weather_paris", "get_weather", ['{"loc', 'ation":"Pa', 'ris"}']),
    ...call(1, "fc_02", "call_weather_rome", "get_weather", ['{"location":', '"Rome"}']),
    { type: "response.completed", sequence_number: n(), response: responseObject("completed", { usage: USAGE }) },
  ];
}

const ENVELOPE: Envelope = {
  provider: "openai",
  model: "gpt-4o-2024-08-06",
  created: 1756315696,
  includeUsage: true,
  includeObfuscation: true,
  promptFilterChunk: false,
};

describe("assembleStream: Responses", () => {
  it("assembles the text, the reasoning summary, the usage and the final status", () => {
    const out = assembleStream("/v1/responses", sse(responsesTextStream()));
    expect(out).toMatchObject({
      format: "responses",
      text: "There are three r's in <b>strawberry</b>.",
      reasoning: "**Counting letters** in strawberry",
      status: "completed",
      ended: true,
      toolCalls: [],
      usage: { inputTokens: 37, outputTokens: 211, totalTokens: 248, reasoningTokens: 192 },
    });
    expect(out.error).toBeUndefined();
  });

  it("assembles function calls by item id, with their call ids", () => {
    const out = assembleStream("/v1/responses", sse(responsesToolStream()));
    expect(out.toolCalls).toEqual([
      { id: "call_weather_paris", name: "get_weather", arguments: '{"location":"Paris"}' },
      { id: "call_weather_rome", name: "get_weather", arguments: '{"location":"Rome"}' },
    ]);
    expect(out.text).toBe("");
  });

  it("keeps the arguments streamed so far when the stream is cut before the call's end", () => {
    const events = responsesToolStream();
    const cut = events.findIndex((e) => e.type === "response.function_call_arguments.done");
    const out = assembleStream("/v1/responses", sse(events.slice(0, cut)));
    expect(out.toolCalls).toEqual([{ id: "call_weather_paris", name: "get_weather", arguments: '{"location":"Paris"}' }]);
    expect(out.ended).toBe(false);
    expect(out.status).toBeUndefined();
  });

  it("reads an incomplete answer's status and reason", () => {
    const events = responsesTextStream().slice(0, -1);
    events.push({
      type: "response.incomplete",
      sequence_number: 99,
      response: responseObject("incomplete", { incomplete_details: { reason: "max_output_tokens" }, usage: USAGE }),
    });
    const out = assembleStream("/v1/responses", sse(events));
    expect(out).toMatchObject({ status: "incomplete (max_output_tokens)", ended: true, text: "There are three r's in <b>strawberry</b>." });
  });

  it("reads a failed answer's error", () => {
    const events: ResponseStreamEvent[] = [
      { type: "response.created", sequence_number: 0, response: responseObject("in_progress") },
      {
        type: "response.failed",
        sequence_number: 1,
        response: responseObject("failed", { error: { code: "server_error", message: "The model failed to generate a response." } }),
      },
    ];
    const out = assembleStream("/v1/responses", sse(events));
    expect(out).toMatchObject({
      status: "failed",
      ended: true,
      error: { code: "server_error", message: "The model failed to generate a response." },
    });
  });

  it("ends a broken stream with its error event, keeping the text before it", () => {
    const events = responsesTextStream().slice(0, 9);
    events.push({ type: "error", sequence_number: 9, code: "upstream_stream_broken", message: "the upstream's stream broke", param: null });
    const out = assembleStream("/v1/responses", sse(events));
    expect(out).toMatchObject({
      text: "There are three r's",
      ended: true,
      error: { code: "upstream_stream_broken", message: "the upstream's stream broke" },
    });
    expect(out.status).toBeUndefined();
  });

  it("reads Detour's OpenAI-shaped error event on a Responses stream", () => {
    const broken = `${sse(responsesTextStream().slice(0, 8))}data: ${JSON.stringify({
      error: { message: "Upstream stream broke after content", type: "server_error", param: null, code: "upstream_stream_broken" },
    })}\n\n`;
    expect(assembleStream("/v1/responses", broken)).toMatchObject({
      text: "There are ",
      error: { code: "upstream_stream_broken", message: "Upstream stream broke after content" },
    });
  });

  it("reads the stream of a stored response (GET /v1/responses/{id}?stream=true)", () => {
    expect(assembleStream("/v1/responses/{id}", sse(responsesTextStream())).text).toBe("There are three r's in <b>strawberry</b>.");
  });
});

describe("assembleStream: a stream cut short (the 32 KiB bound)", () => {
  const full = sse(responsesTextStream());
  const fullText = "There are three r's in <b>strawberry</b>.";

  it("at every cut point: never throws, the text is a prefix of the whole, the end is only read when present", () => {
    for (let cut = 0; cut <= full.length; cut++) {
      const out = assembleStream("/v1/responses", full.slice(0, cut));
      expect(fullText.startsWith(out.text)).toBe(true);
      expect(out.ended).toBe(cut === full.length);
    }
  });

  it("skips the last event when it was cut in its middle", () => {
    const at = full.indexOf('"delta":"three');
    const out = assembleStream("/v1/responses", full.slice(0, at + 10));
    expect(out.text).toBe("There are ");
    expect(out.ended).toBe(false);
  });

  it("a long chat answer cut at 32 KiB keeps every whole event's text", () => {
    const pieces = Array.from({ length: 2000 }, (_, i) => `word${i} `);
    const list = pieces.map(
      (content): ChatCompletionChunk => ({
        id: "chatcmpl-1",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-4o",
        choices: [{ index: 0, delta: { content }, finish_reason: null, logprobs: null }],
      }),
    );
    const body = chunks(list).slice(0, 32 * 1024);
    const out = assembleStream("/v1/chat/completions", body);
    expect(out.text.length).toBeGreaterThan(1000);
    expect(pieces.join("").startsWith(out.text)).toBe(true);
    expect(out.text.endsWith(" ")).toBe(true);
    expect(out.ended).toBe(false);
  });
});

describe("assembleStream: chat completions", () => {
  it("assembles the mock upstream's OpenAI stream: text, finish reason, usage, [DONE]", () => {
    const plan = chatStream(ENVELOPE, { texts: ["Mock answer from openai (key ...1111) to: Hello there"], promptTokens: 3 });
    const out = assembleStream("/v1/chat/completions", planText(plan));
    expect(out).toMatchObject({
      format: "chat",
      text: "Mock answer from openai (key ...1111) to: Hello there",
      status: "stop",
      ended: true,
      usage: { inputTokens: 3, reasoningTokens: 0 },
    });
    expect(out.usage?.totalTokens).toBe(3 + (out.usage?.outputTokens ?? 0));
  });

  it("assembles Azure's stream (its prompt filter chunk has no choices)", () => {
    const plan = chatStream(
      { ...ENVELOPE, provider: "azure", includeObfuscation: false, promptFilterChunk: true },
      { texts: ["Mock answer from azure"], promptTokens: 2 },
    );
    expect(assembleStream("/v1/chat/completions", planText(plan))).toMatchObject({ text: "Mock answer from azure", ended: true });
  });

  it("assembles tool calls by index, their name and id from the first fragment", () => {
    const chunk = (
      delta: ChatCompletionChunk.Choice.Delta,
      finish: ChatCompletionChunk.Choice["finish_reason"] = null,
    ): ChatCompletionChunk => ({
      id: "chatcmpl-2",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o",
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    const body = chunks([
      chunk({ role: "assistant", content: null }),
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }),
      chunk({}, "tool_calls"),
    ]);
    const out = assembleStream("/v1/chat/completions", body);
    expect(out.toolCalls).toEqual([
      { id: "call_a", name: "get_weather", arguments: '{"location":"Paris"}' },
      { id: "call_b", name: "get_time", arguments: '{"tz":"CET"}' },
    ]);
    expect(out).toMatchObject({ text: "", status: "tool_calls", ended: true });
  });

  it("ends a broken stream with Detour's error event, keeping the text before it", () => {
    const plan = chatStream(ENVELOPE, { texts: ["Mock answer from openai to: a question"], promptTokens: 3 });
    const broken = `${[...plan.head, ...plan.content.slice(0, 2)].join("")}data: ${JSON.stringify({
      error: { message: "The upstream's stream broke: socket hang up", type: "server_error", param: null, code: "upstream_stream_broken" },
    })}\n\n`;
    const out = assembleStream("/v1/chat/completions", broken);
    expect(out.error).toEqual({ code: "upstream_stream_broken", message: "The upstream's stream broke: socket hang up" });
    expect(out.ended).toBe(true);
    expect("Mock answer from openai to: a question".startsWith(out.text)).toBe(true);
    expect(out.text.length).toBeGreaterThan(0);
    expect(out.status).toBeUndefined();
  });

  it("reads a legacy completions stream's text", () => {
    const plan = completionStream(ENVELOPE, { texts: ["Once upon a time"], promptTokens: 4 });
    expect(assembleStream("/v1/completions", planText(plan))).toMatchObject({
      format: "completions",
      text: "Once upon a time",
      status: "stop",
      ended: true,
      usage: { inputTokens: 4 },
    });
  });
});

describe("assembleStream: Anthropic Messages", () => {
  const usage = { input: 20, cacheCreation: 5, cacheRead: 100 };

  it("assembles thinking, text and a tool call, with the stop reason and usage", () => {
    const plan = anthropicStream(
      "claude-sonnet-4-5",
      {
        content: [
          { type: "thinking", thinking: "The user wants the weather.", signature: "c2ln" },
          { type: "text", text: "Let me look that up." },
          { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { location: "Paris", unit: "celsius" } },
        ],
        stopReason: "tool_use",
        outputTokens: 42,
      },
      usage,
    );
    const out = assembleStream("/v1/messages", planText(plan));
    expect(out).toMatchObject({
      format: "anthropic",
      text: "Let me look that up.",
      reasoning: "The user wants the weather.",
      status: "tool_use",
      ended: true,
      usage: { inputTokens: 125, outputTokens: 42, totalTokens: 167, reasoningTokens: null },
    });
    expect(out.toolCalls).toEqual([{ id: "toolu_01A", name: "get_weather", arguments: '{"location":"Paris","unit":"celsius"}' }]);
  });

  it("ends a broken stream with its error event", () => {
    const plan = anthropicStream(
      "claude-sonnet-4-5",
      { content: [{ type: "text", text: "Half an answer" }], stopReason: "end_turn", outputTokens: 4 },
      usage,
    );
    const broken = [...plan.head, ...plan.content.slice(0, 2), anthropicErrorEvent("overloaded_error", "Overloaded")].join("");
    const out = assembleStream("/v1/messages", broken);
    expect(out.error).toEqual({ code: "overloaded_error", message: "Overloaded" });
    expect(out.ended).toBe(true);
    expect(out.text.length).toBeGreaterThan(0);
    expect("Half an answer".startsWith(out.text)).toBe(true);
  });
});

describe("assembleStream: what it is given", () => {
  it("reads the wire from the events when the path does not say", () => {
    expect(assembleStream("/v1/unknown", sse(responsesTextStream())).format).toBe("responses");
    const plan = chatStream(ENVELOPE, { texts: ["hi"], promptTokens: 1 });
    expect(assembleStream("/v1/unknown", planText(plan))).toMatchObject({ format: "chat", text: "hi" });
  });

  it("reads CRLF framing, comments and data split over several lines", () => {
    const body =
      ": keep-alive\r\n\r\n" +
      "event: response.output_text.delta\r\n" +
      'data: {"type":"response.output_text.delta",\r\n' +
      'data: "delta":"two lines"}\r\n\r\n';
    expect(assembleStream("/v1/responses", body).text).toBe("two lines");
  });

  it("ignores unknown events and events whose data is not JSON", () => {
    const body =
      `event: response.web_search_call.searching\ndata: {"type":"response.web_search_call.searching","item_id":"ws_1"}\n\n` +
      "event: response.output_text.delta\ndata: <html>502 Bad Gateway</html>\n\n" +
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"kept"}\n\n`;
    const out = assembleStream("/v1/responses", body);
    expect(out).toMatchObject({ text: "kept", events: 2, ended: false, toolCalls: [] });
  });

  it("never throws on garbage, and finds nothing in it", () => {
    const garbage = [
      null,
      "",
      "not an event stream at all",
      "data: {\n\n",
      'data: null\n\ndata: []\n\ndata: 42\n\ndata: "text"\n\n',
      'data: {"choices":"nope"}\n\ndata: {"choices":[null,1]}\n\ndata: {"choices":[{"delta":{"tool_calls":[null,{"function":7}]}}]}\n\n',
      'event: response.output_text.delta\ndata: {"delta":{"nested":true}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":"x","delta":{"type":"input_json_delta"}}\n\n',
      'data: {"type":"response.completed","response":"done"}\n\n',
      'data: {"error":"a string"}\n\n',
      "\u0000\u0001\uffff\n\n\n\n",
    ];
    for (const body of garbage) {
      const out = assembleStream("/v1/chat/completions", body);
      expect(out.text).toBe("");
    }
    expect(assembleStream("/v1/messages", 'data: {"type":"error"}\n\n').error).toEqual({ message: "the stream sent an error event" });
  });

  it("streamFormatOf maps each inference path to its wire", () => {
    expect(streamFormatOf("/v1/responses")).toBe("responses");
    expect(streamFormatOf("/v1/responses/{id}")).toBe("responses");
    expect(streamFormatOf("/v1/chat/completions")).toBe("chat");
    expect(streamFormatOf("/v1/completions")).toBe("completions");
    expect(streamFormatOf("/v1/messages")).toBe("anthropic");
    expect(streamFormatOf("/v1/messages/count_tokens")).toBeNull();
    expect(streamFormatOf("/v1/embeddings")).toBeNull();
  });

  it("parseSseEvents keeps only whole events", () => {
    expect(parseSseEvents("event: a\ndata: 1\n\nevent: b\ndata: 2")).toEqual([{ event: "a", data: "1" }]);
  });
});

describe("assembleResponseJson", () => {
  it("reads a Responses answer's output: text, function calls, reasoning summary, usage, status", () => {
    const body = responseObject("completed", {
      usage: USAGE,
      output: [
        { id: "rs_1", type: "reasoning", summary: [{ type: "summary_text", text: "Thinking about tools." }] },
        {
          id: "msg_1",
          type: "message",
          role: "assistant",
          status: "completed",
          content: [
            { type: "output_text", text: "Checking ", annotations: [] },
            { type: "output_text", text: "the weather.", annotations: [] },
          ],
        },
        {
          id: "fc_1",
          type: "function_call",
          call_id: "call_1",
          name: "get_weather",
          arguments: '{"location":"Paris"}',
          status: "completed",
        },
      ],
    });
    expect(assembleResponseJson(JSON.stringify(body))).toEqual({
      format: "responses",
      text: "Checking the weather.",
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"location":"Paris"}' }],
      reasoning: "Thinking about tools.",
      usage: { inputTokens: 37, outputTokens: 211, totalTokens: 248, reasoningTokens: 192 },
      status: "completed",
      ended: true,
      events: 0,
    });
  });

  it("reads a failed answer's error and a refusal", () => {
    const body = responseObject("failed", {
      error: { code: "server_error", message: "Something went wrong." },
      output: [
        {
          id: "msg_2",
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "refusal", refusal: "I can't help with that." }],
        },
      ],
    });
    expect(assembleResponseJson(JSON.stringify(body))).toMatchObject({
      status: "failed",
      refusal: "I can't help with that.",
      error: { code: "server_error", message: "Something went wrong." },
    });
  });

  it("is null for anything but a Responses answer", () => {
    for (const body of [null, "", "{", "[]", '{"object":"chat.completion","choices":[]}', '{"output":"text"}']) {
      expect(assembleResponseJson(body)).toBeNull();
    }
  });
});

describe("the search text of a stream (lib/logs/search-text.ts reads events without assembling them)", () => {
  const words = (text: string) => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const chatToolCalls = chunks([
    {
      id: "chatcmpl-2",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o",
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"locat' } }] },
          finish_reason: null,
          logprobs: null,
        },
      ],
    },
    {
      id: "chatcmpl-2",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o",
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ion":"Paris"}' } }] }, finish_reason: null, logprobs: null },
      ],
    },
  ]);
  const anthropic = anthropicStream(
    "claude-sonnet-4-5",
    {
      content: [
        { type: "thinking", thinking: "The user wants the weather.", signature: "c2ln" },
        { type: "text", text: "Let me look that up." },
        { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { location: "Paris", unit: "celsius" } },
      ],
      stopReason: "tool_use",
      outputTokens: 42,
    },
    { input: 20, cacheCreation: 5, cacheRead: 100 },
  );
  const brokenChat = `${planText(chatStream(ENVELOPE, { texts: ["Mock answer from openai to: a question"], promptTokens: 3 }))
    .split("\n\n")
    .slice(0, 3)
    .join(
      "\n\n",
    )}\n\ndata: ${JSON.stringify({ error: { message: "The upstream's stream broke: socket hang up", type: "server_error" } })}\n\n`;
  const cases: [string, string, string][] = [
    ["Responses text and reasoning", "/v1/responses", sse(responsesTextStream())],
    ["Responses function calls", "/v1/responses", sse(responsesToolStream())],
    [
      "chat text (obfuscated chunks)",
      "/v1/chat/completions",
      planText(chatStream(ENVELOPE, { texts: ["Mock answer: dragonfly wings"], promptTokens: 3 })),
    ],
    ["chat tool calls", "/v1/chat/completions", chatToolCalls],
    ["a broken chat stream", "/v1/chat/completions", brokenChat],
    ["completions", "/v1/completions", planText(completionStream(ENVELOPE, { texts: ["Once upon a time"], promptTokens: 4 }))],
    ["Anthropic thinking, text and a tool call", "/v1/messages", planText(anthropic)],
  ];

  it.each(cases)("%s: every word a person reads in the assembled answer is searchable, and no key or id", (_name, path, body) => {
    const answer = assembleStream(path, body);
    const shown = [
      answer.text,
      answer.reasoning,
      answer.refusal,
      ...answer.toolCalls.flatMap((c) => [c.name, c.arguments]),
      answer.error?.message,
    ]
      .filter((p): p is string => typeof p === "string")
      .join("\n");
    expect(shown.trim()).not.toBe("");
    const searched = words(logSearchText({ path, requestBody: null, responseBody: body }) ?? "");
    for (const word of words(shown)) expect(searched.has(word), `${word} in ${[...searched].join(" ")}`).toBe(true);
    for (const key of ["chatcmpl", "sequence_number", "obfuscation", "object", "role", "choices", "usage", "content_block_delta"])
      expect(searched.has(key), key).toBe(false);
  });
});
