import { describe, expect, it } from "vitest";
import { translateChatRequest } from "./request";

const base = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] };

function body(extra: Record<string, unknown>) {
  const result = translateChatRequest({ ...base, ...extra });
  if ("error" in result) throw new Error(`refused: ${result.error.message}`);
  return result.body;
}

function refusal(chat: Record<string, unknown>) {
  const result = translateChatRequest(chat);
  if (!("error" in result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.body)}`);
  return result.error;
}

describe("parameters Anthropic cannot honour are refused, naming them", () => {
  it.each([
    [{ n: 2 }, "n", "n must be 1: Anthropic answers with one choice"],
    [{ logprobs: true }, "logprobs", "logprobs is not available from Anthropic"],
    [{ top_logprobs: 3 }, "top_logprobs", "top_logprobs is not available from Anthropic"],
    [{ frequency_penalty: 0.5 }, "frequency_penalty", "frequency_penalty has no Anthropic equivalent (only 0 is accepted)"],
    [{ presence_penalty: -1 }, "presence_penalty", "presence_penalty has no Anthropic equivalent (only 0 is accepted)"],
    [{ logit_bias: { "50256": -100 } }, "logit_bias", "logit_bias has no Anthropic equivalent"],
    [{ modalities: ["text", "audio"] }, "modalities", 'modalities must be ["text"]: Anthropic answers with text only'],
    [{ audio: { voice: "alloy", format: "mp3" } }, "audio", "audio is not available from Anthropic (text answers only)"],
    [{ verbosity: "low" }, "verbosity", "verbosity has no Anthropic equivalent (only medium is accepted)"],
    [
      { web_search_options: {} },
      "web_search_options",
      "web_search_options has no translation to Anthropic (its web search is a server tool)",
    ],
    [{ functions: [{ name: "f" }] }, "functions", "functions is OpenAI's deprecated form of tools: send tools instead"],
    [{ function_call: "auto" }, "function_call", "function_call is OpenAI's deprecated form of tool_choice: send tool_choice instead"],
    [{ temperature: 1.5 }, "temperature", "temperature 1.5 is above 1, the highest temperature Anthropic accepts"],
    [
      { reasoning_effort: "max" },
      "reasoning_effort",
      "reasoning_effort max has no fixed thinking budget on Anthropic: use xhigh (32768 tokens) or lower",
    ],
    [{ response_format: { type: "json_object" } }, "response_format", expect.stringContaining("json_object has no Anthropic equivalent")],
    [
      {
        tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [] } },
        tools: [{ type: "function", function: { name: "f" } }],
      },
      "tool_choice",
      "tool_choice of type allowed_tools has no Anthropic equivalent",
    ],
    [
      { tools: [{ type: "custom", custom: { name: "grammar" } }] },
      "tools[0].type",
      'tools[0].type is "custom": only function tools translate to Anthropic',
    ],
    [{ some_new_param: 1 }, "some_new_param", "some_new_param is not an OpenAI chat parameter Detour can translate for Anthropic"],
    [
      { reasoning_effort: "low", temperature: 0.2 },
      "temperature",
      "temperature cannot be combined with reasoning_effort on Anthropic (extended thinking needs temperature 1)",
    ],
    [{ reasoning_effort: "low", top_k: 5 }, "top_k", "top_k cannot be combined with reasoning_effort on Anthropic"],
    [
      { reasoning_effort: "high", tools: [{ type: "function", function: { name: "f" } }], tool_choice: "required" },
      "tool_choice",
      "tool_choice cannot force a tool together with reasoning_effort on Anthropic: use auto or none",
    ],
  ])("%j -> 400 unsupported_parameter at %s", (extra, param, message) => {
    expect(refusal({ ...base, ...extra })).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      type: "invalid_request_error",
      param,
      message,
    });
  });

  it.each([
    [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }, "is an audio part: Anthropic does not read audio"],
    [{ type: "file", file: { file_id: "file-1" } }, "is a file part: Detour does not translate files for Anthropic"],
  ])("refuses a %j content part", (part, why) => {
    const error = refusal({ ...base, messages: [{ role: "user", content: [{ type: "text", text: "see" }, part] }] });
    expect(error).toMatchObject({
      code: "unsupported_parameter",
      param: "messages[0].content[1]",
      message: `messages[0].content[1] ${why}`,
    });
  });

  it("refuses an image type Anthropic cannot read, naming the types it can", () => {
    const error = refusal({
      ...base,
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }],
    });
    expect(error.code).toBe("unsupported_parameter");
    expect(error.message).toBe(
      'messages[0].content[0].image_url.url has media type "image/bmp"; Anthropic reads image/jpeg, image/png, image/gif, image/webp',
    );
  });
});

describe("malformed input gets a 400 invalid_body naming the field", () => {
  it.each([
    [{ messages: [] }, "messages", "messages must hold at least one message"],
    [{ messages: "hi" }, "messages", "messages must be an array of messages"],
    [
      { messages: [{ role: "system", content: "only rules" }] },
      "messages",
      "messages must hold a user, assistant or tool message (Anthropic needs a turn besides the system prompt)",
    ],
    [{ model: "" }, "model", "model must be a non-empty string (the Anthropic model name)"],
    [
      { messages: [{ role: "robot", content: "x" }] },
      "messages[0].role",
      "messages[0].role must be one of system, developer, user, assistant, tool",
    ],
    [{ messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id", "messages[0].tool_call_id must be a non-empty string"],
    [{ max_tokens: 0 }, "max_tokens", "max_tokens must be an integer >= 1"],
    [{ max_completion_tokens: 1.5 }, "max_completion_tokens", "max_completion_tokens must be an integer >= 1"],
    [{ stop: [1] }, "stop", "stop must be a string or an array of strings"],
    [{ reasoning_effort: "extreme" }, "reasoning_effort", "reasoning_effort must be one of none, minimal, low, medium, high, xhigh"],
    [{ tool_choice: "required" }, "tool_choice", "tool_choice needs tools: there is no tool to choose"],
    [
      { response_format: { type: "json_schema", json_schema: { name: "x" } } },
      "response_format.json_schema.schema",
      "response_format.json_schema.schema must be a JSON schema object",
    ],
    [
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }] }] },
      "messages[0].content[0].image_url.url",
      "messages[0].content[0].image_url.url must be an http(s) URL or a base64 data URL",
    ],
    [
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,rawbytes" } }] }] },
      "messages[0].content[0].image_url.url",
      "messages[0].content[0].image_url.url must be a base64 data URL (data:image/png;base64,...)",
    ],
  ])("%j -> %s", (extra, param, message) => {
    expect(refusal({ ...base, ...extra })).toMatchObject({ status: 400, code: "invalid_body", param, message });
  });

  it("refuses tool call arguments that are not JSON, or not an object", () => {
    const call = (args: string) => ({
      ...base,
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: args } }] },
      ],
    });
    expect(refusal(call('{"city": "Par'))).toMatchObject({
      code: "invalid_body",
      param: "messages[1].tool_calls[0].function.arguments",
      message: "messages[1].tool_calls[0].function.arguments is not valid JSON (Anthropic needs the tool input as an object)",
    });
    expect(refusal(call("[1,2]")).message).toBe(
      "messages[1].tool_calls[0].function.arguments must be a JSON object (Anthropic's tool input is an object)",
    );
  });
});

describe("translation rules", () => {
  it("takes max_completion_tokens over max_tokens", () => {
    expect(body({ max_tokens: 10, max_completion_tokens: 20 }).max_tokens).toBe(20);
  });

  it("lets thinking combine with temperature 1 and with tool_choice auto", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    expect(body({ reasoning_effort: "low", temperature: 1, tools, tool_choice: "auto" })).toMatchObject({
      temperature: 1,
      tool_choice: { type: "auto" },
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
  });

  it("maps every reasoning effort to its documented budget; none sends no thinking", () => {
    expect(body({ reasoning_effort: "none" }).thinking).toBeUndefined();
    for (const [effort, budget] of [
      ["minimal", 1024],
      ["low", 2048],
      ["medium", 8192],
      ["high", 16384],
      ["xhigh", 32768],
    ] as const) {
      expect(body({ reasoning_effort: effort })).toMatchObject({
        thinking: { type: "enabled", budget_tokens: budget },
        max_tokens: budget + 4096,
      });
      expect(body({ reasoning_effort: effort, max_tokens: budget + 1 }).max_tokens).toBe(budget + 1);
      expect(body({ reasoning_effort: effort, max_tokens: budget }).max_tokens).toBe(2 * budget);
    }
  });

  it("accepts the neutral values of refused parameters and nulls everywhere", () => {
    const b = body({
      n: null,
      temperature: null,
      top_p: null,
      stop: null,
      tools: null,
      tool_choice: null,
      logprobs: null,
      user: null,
      stream: null,
    });
    expect(b).toEqual({ model: base.model, max_tokens: 4096, messages: base.messages });
  });

  it("turns parallel_tool_calls false into disable_parallel_tool_use, not on tool_choice none", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    expect(body({ tools, parallel_tool_calls: false }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(body({ tools, tool_choice: "required", parallel_tool_calls: false }).tool_choice).toEqual({
      type: "any",
      disable_parallel_tool_use: true,
    });
    expect(body({ tools, tool_choice: "none", parallel_tool_calls: false }).tool_choice).toEqual({ type: "none" });
    expect(body({ tools, parallel_tool_calls: true }).tool_choice).toBeUndefined();
    expect(body({ tool_choice: "auto", parallel_tool_calls: false }).tool_choice).toBeUndefined();
  });

  it("keeps assistant refusals as text and empty tool arguments as an empty input", () => {
    const b = body({
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: [{ type: "refusal", refusal: "I can't help with that." }],
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "" } }],
        },
        { role: "tool", tool_call_id: "c1", content: "" },
      ],
    });
    expect(b.messages).toEqual([
      { role: "user", content: "x" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "I can't help with that." },
          { type: "tool_use", id: "c1", name: "f", input: {} },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "c1", content: "" }] },
    ]);
  });

  it("says only whether the stream should end with usage when streaming", () => {
    const usage = (extra: Record<string, unknown>) => {
      const r = translateChatRequest({ ...base, ...extra });
      return "error" in r ? r.error.message : r.includeUsage;
    };
    expect(usage({ stream: true, stream_options: { include_usage: true } })).toBe(true);
    expect(usage({ stream: true, stream_options: { include_usage: false, include_obfuscation: false } })).toBe(false);
    expect(usage({ stream: false, stream_options: { include_usage: true } })).toBe(false);
    expect(usage({ stream: true })).toBe(false);
  });

  it("never throws, whatever the body holds", () => {
    for (const weird of [
      {},
      { messages: [null] },
      { model: 1, messages: [{ role: "user", content: 5 }] },
      { ...base, tools: [{ type: "function" }] },
    ]) {
      expect(() => translateChatRequest(weird as Record<string, unknown>)).not.toThrow();
      expect("error" in translateChatRequest(weird as Record<string, unknown>)).toBe(true);
    }
  });
});
