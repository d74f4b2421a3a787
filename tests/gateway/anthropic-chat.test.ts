/**
 * OpenAI-SDK code rescued by Claude (docs/GATEWAY.md §1.3): a fallback config OpenAI -> Azure ->
 * Anthropic (the last target's model set by `override_params`) driven by the real `openai` and
 * `portkey-ai` SDKs, JSON and streaming, with tools. OpenAI and Azure answer 503 from the mock;
 * Anthropic answers. What the SDK assembles (text, tool-call names and arguments, usage) must equal
 * what Anthropic's mock sends for the same translated request, asked directly.
 */
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { translateChatRequest } from "../../lib/gateway/providers/anthropic";
import { startHarness, type Harness } from "../../testing/gateway-harness";

type AnthropicAnswer = {
  content: ({ type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown })[];
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
};

const CLAUDE_KEY = "sk-ant-chat-rescue-0000cccc";
const TOOLS = [
  {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Current weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city", "unit"] },
    },
  },
];

describe("OpenAI -> Azure -> Anthropic with the openai and portkey-ai SDKs", () => {
  let h: Harness;
  let config: string;

  beforeAll(async () => {
    h = await startHarness();
    const openai = await h.openaiKey("OpenAI primary");
    const azure = await h.azureKey("Azure secondary");
    const claude = await h.vk({ name: "Claude rescue", provider: "anthropic", secret: CLAUDE_KEY, customHost: h.mock.url });
    config = await h.config("three providers", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openai }, { virtual_key: azure }, { virtual_key: claude, override_params: { model: "claude-sonnet-4-5" } }],
    });
  });
  afterAll(async () => h?.close());
  beforeEach(() => {
    h.mock.reset();
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 503 } });
  });

  /** What Anthropic's mock answers for the chat body as Detour translates it (asked directly, not through Detour). */
  async function anthropicDirect(chat: Record<string, unknown>): Promise<AnthropicAnswer> {
    const translated = translateChatRequest({ ...chat, model: "claude-sonnet-4-5", stream: false });
    if ("error" in translated) throw new Error(translated.error.message);
    const res = await fetch(`${h.mock.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": CLAUDE_KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(translated.body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as AnthropicAnswer;
  }

  const openaiClient = () =>
    new OpenAI({ apiKey: h.apiKey, baseURL: h.baseURL, defaultHeaders: { "x-portkey-config": config }, maxRetries: 0 });

  function expectThreeAttempts() {
    expect(h.mock.requests().map((r) => [r.provider, r.status])).toEqual([
      ["openai", 503],
      ["azure", 503],
      ["anthropic", 200],
    ]);
  }

  it("openai SDK, JSON: Claude's text and usage, finish_reason stop, three attempts logged", async () => {
    const chat = { model: "gpt-4o", messages: [{ role: "user" as const, content: "Rescue me, Claude" }] };
    const { data, response } = await openaiClient().chat.completions.create(chat).withResponse();
    expectThreeAttempts();
    h.mock.reset();
    const direct = await anthropicDirect(chat);
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]?.message.content).toBe((direct.content[0] as { text: string }).text);
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: direct.usage.input_tokens, completion_tokens: direct.usage.output_tokens });
    expect(response.headers.get("x-portkey-fallback")).toBe("true");
    const log = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ provider: "anthropic", fallbackUsed: true, status: 200, path: "/v1/chat/completions" });
    expect(log.attempts.map((a) => [a.provider, a.status])).toEqual([
      ["openai", 503],
      ["azure-openai", 503],
      ["anthropic", 200],
    ]);
    expect(log.cost).toBeGreaterThan(0);
  });

  it("openai SDK, JSON with tools: the tool call's name and arguments are Claude's tool_use", async () => {
    const chat = {
      model: "gpt-4o",
      messages: [{ role: "user" as const, content: "Weather in Paris?" }],
      tools: TOOLS,
      tool_choice: { type: "function" as const, function: { name: "get_weather" } },
    };
    const data = await openaiClient().chat.completions.create(chat);
    expectThreeAttempts();
    h.mock.reset();
    const direct = await anthropicDirect(chat);
    const use = direct.content.find((b) => b.type === "tool_use") as { name: string; input: unknown };
    const call = data.choices[0]?.message.tool_calls?.[0];
    expect(data.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ type: "function", function: { name: use.name }, id: expect.stringMatching(/^toolu_/) });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual(use.input);
    expect(data.usage).toMatchObject({ prompt_tokens: direct.usage.input_tokens, completion_tokens: direct.usage.output_tokens });
  });

  it("openai SDK, streaming with tools: the stream helper assembles the same tool call and usage", async () => {
    const chat = {
      model: "gpt-4o",
      messages: [{ role: "user" as const, content: "Weather in Lyon, streamed?" }],
      tools: TOOLS,
      tool_choice: "required" as const,
      stream_options: { include_usage: true },
    };
    const stream = openaiClient().chat.completions.stream(chat);
    const final = await stream.finalChatCompletion();
    expectThreeAttempts();
    h.mock.reset();
    const direct = await anthropicDirect(chat);
    const use = direct.content.find((b) => b.type === "tool_use") as { name: string; input: unknown };
    const call = final.choices[0]?.message.tool_calls?.[0] as { function: { name: string; arguments: string } };
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call.function.name).toBe(use.name);
    expect(JSON.parse(call.function.arguments)).toEqual(use.input);
    expect(final.usage).toMatchObject({ prompt_tokens: direct.usage.input_tokens, completion_tokens: direct.usage.output_tokens });
  });

  it("portkey-ai SDK, streaming text: the chunks assemble Claude's answer; the stream ends with [DONE] and is logged", async () => {
    const chat = { model: "gpt-4o", messages: [{ role: "user" as const, content: "Stream the rescue" }] };
    const client = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config, traceID: "trace-claude-stream" });
    const stream = await client.chat.completions.create({ ...chat, stream: true });
    let text = "";
    let finish: string | null | undefined = null;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id ?? "");
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expectThreeAttempts();
    h.mock.reset();
    const direct = await anthropicDirect(chat);
    expect(text).toBe((direct.content[0] as { text: string }).text);
    expect(finish).toBe("stop");
    expect(ids.size).toBe(1); // every chunk carries the same id
    // The row is written after the stream ends (batched): wait for it by trace id.
    let log = await h.db.requestLog.findFirst({ where: { traceId: "trace-claude-stream" } });
    for (let i = 0; !log && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await h.db.requestLog.findFirst({ where: { traceId: "trace-claude-stream" } });
    }
    expect(log).toMatchObject({ provider: "anthropic", stream: true, fallbackUsed: true, completionTokens: direct.usage.output_tokens });
    expect(log?.responseBody?.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("portkey-ai SDK, JSON: the same rescue through Portkey's client", async () => {
    const client = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config });
    const res = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Portkey rescue" }] });
    expect(res.choices[0]?.message?.content).toContain("Mock answer from anthropic (key ...cccc) to: Portkey rescue");
    expectThreeAttempts();
  });
});
