/**
 * The response translator against Anthropic's documented answers and event sequences (the
 * "Streaming Messages" page: basic text, tool use with input_json_delta, extended thinking, ping and
 * error events).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { anthropicChatTranslator, anthropicTokenUsage, finishReason } from "./response";

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

const created = NOW / 1000;
const translator = (includeUsage = false) => anthropicChatTranslator({ model: "claude-asked", includeUsage });

/** Feeds `event: name` / `data: json` pairs; returns the parsed chunks and whether [DONE] ended them. */
function run(events: [string | null, unknown][], includeUsage = false) {
  const stream = translator(includeUsage).stream();
  const out = events.flatMap(([name, data]) => stream.event(name, typeof data === "string" ? data : JSON.stringify(data)));
  const done = out.at(-1) === "[DONE]";
  return { chunks: out.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d)), done, usage: stream.usage(), raw: out };
}

const start = (usage: Record<string, unknown> = { input_tokens: 25, output_tokens: 1 }) =>
  [
    "message_start",
    {
      type: "message_start",
      message: {
        id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
        type: "message",
        role: "assistant",
        content: [],
        model: "claude-opus-4-1-20250805",
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    },
  ] as [string, unknown];
const blockStart = (index: number, content_block: unknown) =>
  ["content_block_start", { type: "content_block_start", index, content_block }] as [string, unknown];
const delta = (index: number, d: unknown) => ["content_block_delta", { type: "content_block_delta", index, delta: d }] as [string, unknown];
const blockStop = (index: number) => ["content_block_stop", { type: "content_block_stop", index }] as [string, unknown];
const messageDelta = (stop_reason: string, usage: Record<string, unknown>) =>
  ["message_delta", { type: "message_delta", delta: { stop_reason, stop_sequence: null }, usage }] as [string, unknown];
const stop: [string, unknown] = ["message_stop", { type: "message_stop" }];
const ping: [string, unknown] = ["ping", { type: "ping" }];

const ID = "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY";
const head = { id: ID, object: "chat.completion.chunk", created, model: "claude-opus-4-1-20250805" };
const choice = (d: unknown, finish: string | null = null) => ({
  ...head,
  choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
});

describe("stream translation", () => {
  it("the basic text stream: role chunk, text chunks, finish chunk, [DONE]; ping and stops drop out", () => {
    const { chunks, done, usage } = run([
      start(),
      blockStart(0, { type: "text", text: "" }),
      ping,
      delta(0, { type: "text_delta", text: "Hello" }),
      delta(0, { type: "text_delta", text: "!" }),
      blockStop(0),
      messageDelta("end_turn", { output_tokens: 15 }),
      stop,
    ]);
    expect(chunks).toEqual([
      choice({ role: "assistant", content: "" }),
      choice({ content: "Hello" }),
      choice({ content: "!" }),
      choice({}, "stop"),
    ]);
    expect(done).toBe(true);
    expect(usage).toEqual({ promptTokens: 25, completionTokens: 15, totalTokens: 40, cacheReadTokens: null, cacheWriteTokens: null });
  });

  it("tool use: text, then the tool call's id/name with empty arguments, then the argument fragments", () => {
    const fragments = ["", '{"location":', ' "San', " Francisc", "o,", ' CA"', ", ", '"unit": "fah', 'renheit"}'];
    const { chunks } = run([
      start({ input_tokens: 472, output_tokens: 2 }),
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "Okay" }),
      blockStop(0),
      blockStart(1, { type: "tool_use", id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", input: {} }),
      ...fragments.map((partial_json) => delta(1, { type: "input_json_delta", partial_json })),
      blockStop(1),
      messageDelta("tool_use", { output_tokens: 89 }),
      stop,
    ]);
    expect(chunks[2]).toEqual(
      choice({
        tool_calls: [
          { index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: "" } },
        ],
      }),
    );
    const args = chunks.slice(3, -1);
    expect(args).toEqual(
      fragments.filter(Boolean).map((arguments_) => choice({ tool_calls: [{ index: 0, function: { arguments: arguments_ } }] })),
    );
    expect(JSON.parse(fragments.join(""))).toEqual({ location: "San Francisco, CA", unit: "fahrenheit" });
    expect(chunks.at(-1)).toEqual(choice({}, "tool_calls"));
  });

  it("two tool calls count 0 and 1 whatever their content block index", () => {
    const { chunks } = run([
      start(),
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "Checking both." }),
      blockStop(0),
      blockStart(1, { type: "tool_use", id: "toolu_A", name: "get_weather", input: {} }),
      delta(1, { type: "input_json_delta", partial_json: '{"city":"Paris"}' }),
      blockStop(1),
      blockStart(2, { type: "tool_use", id: "toolu_B", name: "get_time", input: {} }),
      delta(2, { type: "input_json_delta", partial_json: '{"tz":' }),
      delta(2, { type: "input_json_delta", partial_json: '"CET"}' }),
      blockStop(2),
      messageDelta("tool_use", { output_tokens: 40 }),
      stop,
    ]);
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: "toolu_A", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":"Paris"}' } },
      { index: 1, id: "toolu_B", type: "function", function: { name: "get_time", arguments: "" } },
      { index: 1, function: { arguments: '{"tz":' } },
      { index: 1, function: { arguments: '"CET"}' } },
    ]);
  });

  it("extended thinking: thinking deltas as reasoning_content, the signature dropped, then the text", () => {
    const { chunks } = run([
      [
        "message_start",
        {
          type: "message_start",
          message: {
            id: "msg_01",
            type: "message",
            role: "assistant",
            content: [],
            model: "claude-opus-4-1-20250805",
            stop_reason: null,
            stop_sequence: null,
          },
        },
      ],
      blockStart(0, { type: "thinking", thinking: "" }),
      delta(0, { type: "thinking_delta", thinking: "Let me solve this step by step:\n\n1. First break down 27 * 453" }),
      delta(0, { type: "thinking_delta", thinking: "\n2. 453 = 400 + 50 + 3" }),
      delta(0, { type: "signature_delta", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..." }),
      blockStop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "27 * 453 = 12,231" }),
      blockStop(1),
      messageDelta("end_turn", { output_tokens: 100 }),
      stop,
    ]);
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "Let me solve this step by step:\n\n1. First break down 27 * 453" },
      { reasoning_content: "\n2. 453 = 400 + 50 + 3" },
      { content: "27 * 453 = 12,231" },
      {},
    ]);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(["msg_01"]));
  });

  it("an error event mid-stream becomes OpenAI's error chunk and ends the translation (no [DONE])", () => {
    const { raw, done } = run([
      start(),
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "Hel" }),
      ["error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }],
      delta(0, { type: "text_delta", text: "lo" }),
      stop,
    ]);
    expect(done).toBe(false);
    expect(raw).toHaveLength(3);
    expect(JSON.parse(raw[2]!)).toEqual({ error: { message: "Overloaded", type: "overloaded_error", param: null, code: null } });
  });

  it("usage with cache tokens: the usage chunk (choices []) when asked, usage null on the others", () => {
    const { chunks, usage } = run(
      [
        start({ input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 1800, output_tokens: 1 }),
        blockStart(0, { type: "text", text: "" }),
        delta(0, { type: "text_delta", text: "Hi" }),
        blockStop(0),
        messageDelta("max_tokens", { output_tokens: 50 }),
        stop,
      ],
      true,
    );
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks.at(-2)).toEqual({ ...choice({}, "length"), usage: null });
    expect(chunks.at(-1)).toEqual({
      ...head,
      choices: [],
      usage: { prompt_tokens: 2010, completion_tokens: 50, total_tokens: 2060, prompt_tokens_details: { cached_tokens: 1800 } },
    });
    expect(usage).toEqual({ promptTokens: 2010, completionTokens: 50, totalTokens: 2060, cacheReadTokens: 1800, cacheWriteTokens: 200 });
  });

  it("takes the event type from the data when the event has no name", () => {
    const { chunks, done } = run([
      [null, start()[1]],
      [null, { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      [null, { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x" } }],
      [null, { type: "message_stop" }],
    ]);
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([{ role: "assistant", content: "" }, { content: "x" }, {}]);
    expect(done).toBe(true);
  });

  it("ignores event and delta types added later (Anthropic's versioning policy)", () => {
    const { chunks, done } = run([
      start(),
      ["some_future_event", { type: "some_future_event" }],
      blockStart(0, { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }),
      delta(0, { type: "some_future_delta", x: 1 }),
      blockStop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "citations_delta", citation: {} }),
      messageDelta("end_turn", { output_tokens: 3 }),
      stop,
    ]);
    expect(chunks).toHaveLength(2);
    expect(done).toBe(true);
  });

  it.each([
    [["content_block_delta", "not json {"], /^Anthropic sent a stream event \(content_block_delta\) whose data is not JSON: not json \{$/],
    [["message_start", { type: "message_start", message: {} }], /^Anthropic sent a message_start event without a message id$/],
    [
      ["content_block_delta", { type: "content_block_delta", index: 7, delta: { type: "text_delta", text: "x" } }],
      /block 7, which was never started/,
    ],
    [["message_delta", { type: "message_delta" }], /^Anthropic sent a message_delta event without a delta$/],
    [
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{" } }],
      /outside a tool_use block/,
    ],
  ])("an event it cannot read -> an error chunk naming the problem: %j", (event, message) => {
    const events: [string, unknown][] = [start(), blockStart(0, { type: "text", text: "" }), event as [string, unknown], stop];
    const { raw } = run(events);
    const last = JSON.parse(raw.at(-1)!);
    expect(last.error.message).toMatch(message);
    expect(last.error).toMatchObject({ type: null, param: null, code: null });
  });

  it("refuses a stream that does not open with message_start", () => {
    const { raw } = run([blockStart(0, { type: "text", text: "" })]);
    expect(JSON.parse(raw[0]!).error.message).toBe("Anthropic sent content_block_start before message_start");
  });
});

describe("JSON translation", () => {
  const answer = {
    id: "msg_01XFDUDYJgAACzvnptvVoYEL",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [
      { type: "thinking", thinking: "The user wants weather.", signature: "sig" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "Let me check ", citations: null },
      { type: "text", text: "the weather.", citations: null },
      {
        type: "tool_use",
        id: "toolu_01A09q90qw90lq917835lq9",
        name: "get_weather",
        input: { location: "San Francisco, CA", unit: "celsius" },
      },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: {
      input_tokens: 100,
      cache_creation_input_tokens: 20,
      cache_read_input_tokens: 300,
      output_tokens: 60,
      output_tokens_details: { thinking_tokens: 25 },
      service_tier: "standard",
    },
  };

  it("builds a chat.completion with Anthropic's id, joined text, tool calls, reasoning and full usage", () => {
    const result = translator().json(answer);
    expect(result).toEqual({
      body: {
        id: "msg_01XFDUDYJgAACzvnptvVoYEL",
        object: "chat.completion",
        created,
        model: "claude-sonnet-4-5-20250929",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "Let me check the weather.",
              refusal: null,
              tool_calls: [
                {
                  id: "toolu_01A09q90qw90lq917835lq9",
                  type: "function",
                  function: { name: "get_weather", arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
                },
              ],
              reasoning_content: "The user wants weather.",
            },
            logprobs: null,
            finish_reason: "tool_calls",
          },
        ],
        usage: {
          prompt_tokens: 420,
          completion_tokens: 60,
          total_tokens: 480,
          prompt_tokens_details: { cached_tokens: 300 },
          completion_tokens_details: { reasoning_tokens: 25 },
        },
      },
      usage: { promptTokens: 420, completionTokens: 60, totalTokens: 480, cacheReadTokens: 300, cacheWriteTokens: 20 },
    });
  });

  it("gives content null for tool calls alone, an empty string for no content at all", () => {
    const tools = translator().json({ ...answer, content: [answer.content[4]] });
    const empty = translator().json({ ...answer, content: [], stop_reason: "max_tokens" });
    if ("problem" in tools || "problem" in empty) throw new Error("unexpected problem");
    expect((tools.body.choices as { message: { content: unknown } }[])[0]!.message.content).toBeNull();
    expect((empty.body.choices as unknown[])[0]).toMatchObject({ message: { content: "" }, finish_reason: "length" });
  });

  it("reads a passthrough message's usage for the log, cache reads and writes apart", () => {
    expect(anthropicTokenUsage(answer.usage)).toEqual({
      promptTokens: 420,
      completionTokens: 60,
      totalTokens: 480,
      cacheReadTokens: 300,
      cacheWriteTokens: 20,
    });
    expect(anthropicTokenUsage({ input_tokens: 5, output_tokens: 2 })).toEqual({
      promptTokens: 5,
      completionTokens: 2,
      totalTokens: 7,
      cacheReadTokens: null,
      cacheWriteTokens: null,
    });
    expect(anthropicTokenUsage(undefined)).toBeNull();
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["pause_turn", "stop"],
    [null, "stop"],
  ])("stop_reason %s -> finish_reason %s", (stopReason, finish) => {
    expect(finishReason(stopReason)).toBe(finish);
  });

  it.each([
    [{ type: "error", error: { type: "api_error", message: "x" } }, 'Anthropic\'s answer is not a message (type "error")'],
    [{ ...answer, id: 5 }, "Anthropic's message has no id"],
    [{ ...answer, content: "text" }, "Anthropic's message has no content array"],
    [{ ...answer, content: [{ type: "tool_use", input: {} }] }, "a tool_use block of Anthropic's message lacks its id or name"],
  ])("refuses an answer it cannot read: %j", (body, problem) => {
    expect(translator().json(body as Record<string, unknown>)).toEqual({ problem });
  });
});
