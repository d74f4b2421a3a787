/**
 * The request corpus (corpus/chat-requests.json): each chat body's exact Anthropic body, and a
 * round trip over every case: chat request -> Anthropic body -> an Anthropic answer built from that
 * body -> chat completion (JSON and streamed), checking that what went in comes back.
 */
import { describe, expect, it } from "vitest";
import { isRecord } from "@/lib/is-record";
import corpus from "./corpus/chat-requests.json";
import { translateChatRequest } from "./request";
import { anthropicChatTranslator } from "./response";

type Case = { name: string; chat: Record<string, unknown>; anthropic: Record<string, unknown> };
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON read at the paths each assertion names
type Msg = Record<string, any>;
const CASES = corpus as Case[];

function translated(chat: Record<string, unknown>) {
  const result = translateChatRequest(chat);
  if ("error" in result) throw new Error(`refused: ${result.error.message}`);
  return result;
}

const blocksOf = (content: unknown): Msg[] => (typeof content === "string" ? [{ type: "text", text: content }] : (content as Msg[]));

/** The roles Anthropic must see: tool messages are user turns, system ones leave, runs collapse. */
function expectedRoles(messages: Msg[]): string[] {
  const roles: string[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    if (m.role === "assistant" && !m.tool_calls?.length && (m.content === "" || m.content === null)) continue;
    const role = m.role === "assistant" ? "assistant" : "user";
    if (roles.at(-1) !== role) roles.push(role);
  }
  return roles;
}

/**
 * What a Messages API answer to `body` could be: a text naming what it saw, and the tool calls
 * of the conversation replayed (Anthropic's `tool_use` blocks, same ids and inputs).
 */
function answerFor(body: Msg): Record<string, unknown> {
  const uses = (body.messages as Msg[]).flatMap((m) => blocksOf(m.content).filter((b) => b.type === "tool_use"));
  const images = (body.messages as Msg[]).flatMap((m) => blocksOf(m.content).filter((b) => b.type === "image"));
  const content: Msg[] = [{ type: "text", text: `Saw ${images.length} images and ${uses.length} tool calls.` }];
  if (body.thinking) content.unshift({ type: "thinking", thinking: "Let me think.", signature: "sig-abc" });
  for (const use of uses) content.push({ type: "tool_use", id: use.id, name: use.name, input: use.input });
  return {
    id: "msg_01RoundTrip",
    type: "message",
    role: "assistant",
    model: body.model,
    content,
    stop_reason: uses.length > 0 ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 50, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 30 },
  };
}

/** The SSE events Anthropic streams for `answer` (its documented order), arguments in 3 pieces. */
function eventsFor(answer: Msg): [string, string][] {
  const events: [string, unknown][] = [];
  const usage = answer.usage;
  events.push([
    "message_start",
    { type: "message_start", message: { ...answer, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } },
  ]);
  events.push(["ping", { type: "ping" }]);
  (answer.content as Msg[]).forEach((block, index) => {
    if (block.type === "text") {
      events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }]);
      for (const piece of [block.text.slice(0, 5), block.text.slice(5)]) {
        events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } }]);
      }
    } else if (block.type === "thinking") {
      events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "thinking", thinking: "" } }]);
      events.push([
        "content_block_delta",
        { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: block.thinking } },
      ]);
      events.push([
        "content_block_delta",
        { type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } },
      ]);
    } else {
      events.push([
        "content_block_start",
        { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } },
      ]);
      const json = JSON.stringify(block.input);
      const third = Math.ceil(json.length / 3);
      for (const piece of ["", json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)]) {
        events.push([
          "content_block_delta",
          { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } },
        ]);
      }
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  events.push([
    "message_delta",
    {
      type: "message_delta",
      delta: { stop_reason: answer.stop_reason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    },
  ]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events.map(([name, data]) => [name, JSON.stringify(data)]);
}

/** A client's reading of a chat completion stream: the message it adds up to. */
function assemble(chunks: string[]): { message: Msg; finish: string | null; usage: Msg | null; ids: Set<string> } {
  expect(chunks.at(-1)).toBe("[DONE]");
  const message: Msg = { role: null, content: "", tool_calls: [] as Msg[] };
  let finish: string | null = null;
  let usage: Msg | null = null;
  const ids = new Set<string>();
  for (const text of chunks.slice(0, -1)) {
    const chunk = JSON.parse(text);
    expect(chunk.object).toBe("chat.completion.chunk");
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const d = choice.delta;
    if (d.role) message.role = d.role;
    if (d.content) message.content += d.content;
    if (d.reasoning_content) message.reasoning_content = (message.reasoning_content ?? "") + d.reasoning_content;
    for (const call of d.tool_calls ?? []) {
      message.tool_calls[call.index] ??= { id: call.id, type: call.type, function: { name: call.function.name, arguments: "" } };
      const at = message.tool_calls[call.index];
      at.function.arguments += call.function.arguments ?? "";
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { message, finish, usage, ids };
}

describe("the corpus translates to its exact Anthropic bodies", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(translated(c.chat).body).toEqual(c.anthropic);
  });
});

describe("round trip over the corpus: what went in comes back", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const chatMessages = c.chat.messages as Msg[];
    const { body, includeUsage } = translated(c.chat);
    const turns = body.messages as Msg[];

    // Roles: alternating, in the conversation's order.
    expect(turns.map((t) => t.role)).toEqual(expectedRoles(chatMessages));
    for (let i = 1; i < turns.length; i++) expect(turns[i]!.role).not.toBe(turns[i - 1]!.role);

    // System text: every system and developer text, in order.
    const systemTexts = chatMessages
      .filter((m) => m.role === "system" || m.role === "developer")
      .flatMap((m) => blocksOf(m.content).map((b) => b.text));
    const system = body.system === undefined ? [] : blocksOf(body.system).map((b) => b.text);
    expect(system).toEqual(systemTexts);

    // Tool calls: every call as a tool_use with its id, name and arguments; every result matched.
    const calls = chatMessages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
    const uses = turns.flatMap((t) => blocksOf(t.content).filter((b) => b.type === "tool_use"));
    expect(uses.map((u) => [u.id, u.name, u.input])).toEqual(
      calls.map((k: Msg) => [k.id, k.function.name, JSON.parse(k.function.arguments)]),
    );
    const results = turns.flatMap((t) => blocksOf(t.content).filter((b) => b.type === "tool_result"));
    expect(results.map((r) => r.tool_use_id)).toEqual(chatMessages.filter((m) => m.role === "tool").map((m) => m.tool_call_id));
    for (const r of results) expect(uses.map((u) => u.id)).toContain(r.tool_use_id);

    // Images: as many, in order, each with its data or URL.
    const images = chatMessages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((p: Msg) => p.type === "image_url") : []));
    const sent = turns.flatMap((t) => blocksOf(t.content).filter((b) => b.type === "image"));
    expect(sent.map((s) => s.source.url ?? `data:${s.source.media_type};base64,${s.source.data}`)).toEqual(
      images.map((p: Msg) => p.image_url.url),
    );

    // The answer back, as JSON: the tool calls replayed come back as the client sent them.
    const answer = answerFor(body);
    const translator = anthropicChatTranslator({ model: String(c.chat.model), includeUsage });
    const json = translator.json(answer);
    if ("problem" in json) throw new Error(json.problem);
    const message = (json.body.choices as Msg[])[0]!.message;
    expect(json.body).toMatchObject({ id: "msg_01RoundTrip", object: "chat.completion", model: c.chat.model });
    expect(message.content).toBe(`Saw ${images.length} images and ${calls.length} tool calls.`);
    const back = (message.tool_calls ?? []) as Msg[];
    expect(back.map((k) => [k.id, k.type, k.function.name, JSON.parse(k.function.arguments)])).toEqual(
      calls.map((k: Msg) => [k.id, "function", k.function.name, JSON.parse(k.function.arguments)]),
    );
    expect((json.body.choices as Msg[])[0]!.finish_reason).toBe(calls.length > 0 ? "tool_calls" : "stop");
    expect(json.usage).toEqual({ promptTokens: 80, completionTokens: 12, totalTokens: 92, cacheReadTokens: 30, cacheWriteTokens: 0 });

    // The same answer streamed adds up to the same message.
    const stream = translator.stream();
    const chunks = eventsFor(answer).flatMap(([name, data]) => stream.event(name, data));
    const streamed = assemble(chunks);
    expect(streamed.ids).toEqual(new Set(["msg_01RoundTrip"]));
    expect(streamed.message.role).toBe("assistant");
    expect(streamed.message.content).toBe(message.content);
    expect(streamed.message.reasoning_content).toBe(message.reasoning_content);
    expect(
      streamed.message.tool_calls.map((k: Msg) => ({ ...k, function: { ...k.function, arguments: JSON.parse(k.function.arguments) } })),
    ).toEqual(back.map((k) => ({ ...k, function: { ...k.function, arguments: JSON.parse(k.function.arguments) } })));
    expect(streamed.finish).toBe((json.body.choices as Msg[])[0]!.finish_reason);
    expect(streamed.usage).toEqual(includeUsage ? json.body.usage : null);
    expect(stream.usage()).toEqual(json.usage);
  });

  it("covers what the brief lists: system+developer, images, tools and choices, parallel results, stop, user, reasoning, formats", () => {
    const bodies = CASES.map((c) => translated(c.chat).body);
    const has = (pred: (b: Msg) => boolean) => expect(bodies.some(pred)).toBe(true);
    has((b) => Array.isArray(b.system) && b.system.length > 1);
    has((b) => JSON.stringify(b).includes('"type":"base64"') && JSON.stringify(b).includes('"type":"url"'));
    for (const type of ["auto", "any", "tool", "none"]) has((b) => b.tool_choice?.type === type);
    has((b) => (b.messages as Msg[]).some((m) => blocksOf(m.content).filter((x) => x.type === "tool_result").length > 1));
    has((b) => b.stop_sequences?.length === 1);
    has((b) => b.stop_sequences?.length > 1);
    has((b) => isRecord(b.metadata));
    has((b) => isRecord(b.thinking));
    has((b) => isRecord(b.output_config));
  });
});
