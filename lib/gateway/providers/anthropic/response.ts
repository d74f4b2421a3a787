/**
 * Anthropic Messages answers as OpenAI chat completions (docs/GATEWAY.md §1.3): a `message` as a
 * `chat.completion`, and a Messages event stream, event by event, as `chat.completion.chunk` events
 * ending with "[DONE]". Built per request by the adapter (`UpstreamRequest.translate`), so it knows
 * whether the client asked for a usage chunk.
 */
import { isRecord } from "../../../is-record";
import { truncateText } from "../errors";
import type { ResponseTranslator, StreamTranslator, TokenUsage } from "../types";

export type TranslatorOptions = {
  /** The model the request named: the answer's `model` when Anthropic's answer lacks one. */
  model: string;
  /** `stream_options.include_usage`: the stream ends with a usage chunk (`choices: []`). */
  includeUsage: boolean;
};

/**
 * Anthropic's `stop_reason` as OpenAI's `finish_reason`. `pause_turn` (a long server-tool turn
 * paused, which Detour's translated requests never start) and an unknown reason end like a stop;
 * `model_context_window_exceeded` is out of room, like `max_tokens`.
 */
export function finishReason(stop: unknown): string {
  switch (stop) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

const count = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null);

/** Anthropic's usage counts, kept as reported. */
type Counts = { input: number | null; output: number | null; cacheWrite: number | null; cacheRead: number | null; thinking: number | null };

function readCounts(
  usage: unknown,
  into: Counts = { input: null, output: null, cacheWrite: null, cacheRead: null, thinking: null },
): Counts {
  if (!isRecord(usage)) return into;
  const set = (field: keyof Counts, value: unknown) => {
    const n = count(value);
    if (n !== null) into[field] = n;
  };
  set("input", usage.input_tokens);
  set("output", usage.output_tokens);
  set("cacheWrite", usage.cache_creation_input_tokens);
  set("cacheRead", usage.cache_read_input_tokens);
  if (isRecord(usage.output_tokens_details)) set("thinking", usage.output_tokens_details.thinking_tokens);
  return into;
}

/** Every input token counts as a prompt token: Anthropic's `input_tokens` excludes the cached ones. */
function tokenUsage(c: Counts): TokenUsage | null {
  if (c.input === null && c.output === null) return null;
  const prompt = (c.input ?? 0) + (c.cacheWrite ?? 0) + (c.cacheRead ?? 0);
  const completion = c.output ?? 0;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cacheReadTokens: c.cacheRead,
    cacheWriteTokens: c.cacheWrite,
  };
}

/**
 * Anthropic's `usage` (a message's, or a stream's `message_start` / `message_delta` one) as the
 * request log keeps it: for `/v1/messages` answers, which are relayed untranslated.
 */
export function anthropicTokenUsage(usage: unknown): TokenUsage | null {
  return tokenUsage(readCounts(usage));
}

function openAiUsage(c: Counts): Record<string, unknown> {
  const prompt = (c.input ?? 0) + (c.cacheWrite ?? 0) + (c.cacheRead ?? 0);
  const completion = c.output ?? 0;
  const usage: Record<string, unknown> = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: c.cacheRead ?? 0 },
  };
  if (c.thinking !== null) usage.completion_tokens_details = { reasoning_tokens: c.thinking };
  return usage;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A 2xx Messages answer as a chat completion, or what makes it unreadable. */
export function translateMessage(body: Record<string, unknown>, opts: TranslatorOptions): ReturnType<ResponseTranslator["json"]> {
  if (body.type !== "message") return { problem: `Anthropic's answer is not a message (type ${JSON.stringify(body.type ?? null)})` };
  if (typeof body.id !== "string") return { problem: "Anthropic's message has no id" };
  if (!Array.isArray(body.content)) return { problem: "Anthropic's message has no content array" };
  const texts: string[] = [];
  const thinking: string[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  for (const block of body.content) {
    if (!isRecord(block)) return { problem: "Anthropic's message content holds a block that is not an object" };
    if (block.type === "text") {
      if (typeof block.text !== "string") return { problem: "a text block of Anthropic's message has no text" };
      texts.push(block.text);
    } else if (block.type === "tool_use") {
      if (typeof block.id !== "string" || typeof block.name !== "string")
        return { problem: "a tool_use block of Anthropic's message lacks its id or name" };
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === "thinking" && typeof block.thinking === "string") {
      thinking.push(block.thinking);
    }
    // redacted_thinking and server-tool blocks have no chat completion form: left out.
  }
  const message: Record<string, unknown> = {
    role: "assistant",
    content: texts.length > 0 ? texts.join("") : toolCalls.length > 0 ? null : "",
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinking.length > 0) message.reasoning_content = thinking.join("");
  const counts = readCounts(body.usage);
  return {
    body: {
      id: body.id,
      object: "chat.completion",
      created: nowSeconds(),
      model: typeof body.model === "string" ? body.model : opts.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(body.stop_reason) }],
      usage: openAiUsage(counts),
    },
    usage: tokenUsage(counts),
  };
}

/** OpenAI's stream error event for an Anthropic `error` event or a problem reading the stream. */
function errorChunk(message: string, type: string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code: null } });
}

type BlockState = { kind: "text" } | { kind: "thinking" } | { kind: "tool"; toolIndex: number } | { kind: "other" };

/** One Messages event stream as chat completion chunks. */
export class AnthropicStreamTranslator implements StreamTranslator {
  private id = "";
  private model: string;
  private readonly created = nowSeconds();
  private started = false;
  private ended = false;
  private stopReason: unknown = null;
  private readonly counts: Counts = { input: null, output: null, cacheWrite: null, cacheRead: null, thinking: null };
  private readonly blocks = new Map<number, BlockState>();
  private toolCount = 0;

  constructor(private readonly opts: TranslatorOptions) {
    this.model = opts.model;
  }

  usage(): TokenUsage | null {
    return tokenUsage(this.counts);
  }

  private chunk(delta: Record<string, unknown>, finish: string | null = null): string {
    const o: Record<string, unknown> = {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
    if (this.opts.includeUsage) o.usage = null;
    return JSON.stringify(o);
  }

  private fail(message: string, type: string | null = null): string[] {
    this.ended = true;
    return [errorChunk(message, type)];
  }

  event(name: string | null, data: string): string[] {
    if (this.ended) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return this.fail(`Anthropic sent a stream event${name ? ` (${name})` : ""} whose data is not JSON: ${truncateText(data, 200)}`);
    }
    if (!isRecord(parsed)) return this.fail(`Anthropic sent a stream event${name ? ` (${name})` : ""} whose data is not a JSON object`);
    const type = name ?? (typeof parsed.type === "string" ? parsed.type : null);
    switch (type) {
      case "message_start":
        return this.messageStart(parsed);
      case "content_block_start":
        return this.blockStart(parsed);
      case "content_block_delta":
        return this.blockDelta(parsed);
      case "message_delta":
        if (!isRecord(parsed.delta)) return this.fail("Anthropic sent a message_delta event without a delta");
        if (parsed.delta.stop_reason !== undefined && parsed.delta.stop_reason !== null) this.stopReason = parsed.delta.stop_reason;
        // Cumulative counts: the latest wins.
        readCounts(parsed.usage, this.counts);
        return [];
      case "message_stop":
        return this.messageStop();
      case "error": {
        this.ended = true;
        const error = isRecord(parsed.error) ? parsed.error : {};
        const message = typeof error.message === "string" ? error.message : "Anthropic sent an error event without a message";
        return [errorChunk(message, typeof error.type === "string" ? error.type : null)];
      }
      default:
        // ping, content_block_stop, and event types added later (Anthropic's versioning policy
        // says clients must ignore unknown ones).
        return [];
    }
  }

  private messageStart(parsed: Record<string, unknown>): string[] {
    const message = parsed.message;
    if (!isRecord(message) || typeof message.id !== "string") return this.fail("Anthropic sent a message_start event without a message id");
    if (this.started) return [];
    this.started = true;
    this.id = message.id;
    if (typeof message.model === "string") this.model = message.model;
    readCounts(message.usage, this.counts);
    return [this.chunk({ role: "assistant", content: "" })];
  }

  private blockStart(parsed: Record<string, unknown>): string[] {
    const block = parsed.content_block;
    if (!this.started) return this.fail("Anthropic sent content_block_start before message_start");
    if (typeof parsed.index !== "number" || !isRecord(block))
      return this.fail("Anthropic sent a content_block_start event without an index or a content_block");
    switch (block.type) {
      case "text":
        this.blocks.set(parsed.index, { kind: "text" });
        return typeof block.text === "string" && block.text !== "" ? [this.chunk({ content: block.text })] : [];
      case "thinking":
        this.blocks.set(parsed.index, { kind: "thinking" });
        return typeof block.thinking === "string" && block.thinking !== "" ? [this.chunk({ reasoning_content: block.thinking })] : [];
      case "tool_use": {
        if (typeof block.id !== "string" || typeof block.name !== "string")
          return this.fail("Anthropic sent a tool_use block without an id or a name");
        const toolIndex = this.toolCount++;
        this.blocks.set(parsed.index, { kind: "tool", toolIndex });
        const call = { index: toolIndex, id: block.id, type: "function", function: { name: block.name, arguments: "" } };
        return [this.chunk({ tool_calls: [call] })];
      }
      default:
        this.blocks.set(parsed.index, { kind: "other" });
        return [];
    }
  }

  private blockDelta(parsed: Record<string, unknown>): string[] {
    const delta = parsed.delta;
    if (typeof parsed.index !== "number" || !isRecord(delta))
      return this.fail("Anthropic sent a content_block_delta event without an index or a delta");
    const block = this.blocks.get(parsed.index);
    if (!block) return this.fail(`Anthropic sent a content_block_delta for block ${parsed.index}, which was never started`);
    const text = (field: string): string | null => (typeof delta[field] === "string" ? (delta[field] as string) : null);
    switch (delta.type) {
      case "text_delta": {
        const t = text("text");
        if (t === null) return this.fail("Anthropic sent a text_delta without text");
        return t === "" ? [] : [this.chunk({ content: t })];
      }
      case "input_json_delta": {
        const t = text("partial_json");
        if (t === null || block.kind !== "tool")
          return this.fail("Anthropic sent an input_json_delta without partial_json or outside a tool_use block");
        return t === "" ? [] : [this.chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: t } }] })];
      }
      case "thinking_delta": {
        const t = text("thinking");
        if (t === null) return this.fail("Anthropic sent a thinking_delta without thinking");
        return t === "" ? [] : [this.chunk({ reasoning_content: t })];
      }
      default:
        // signature_delta (kept by Anthropic for its own verification), citations_delta, and newer delta types.
        return [];
    }
  }

  private messageStop(): string[] {
    if (!this.started) return this.fail("Anthropic sent message_stop before message_start");
    this.ended = true;
    const out = [this.chunk({}, finishReason(this.stopReason))];
    if (this.opts.includeUsage) {
      out.push(
        JSON.stringify({
          id: this.id,
          object: "chat.completion.chunk",
          created: this.created,
          model: this.model,
          choices: [],
          usage: openAiUsage(this.counts),
        }),
      );
    }
    out.push("[DONE]");
    return out;
  }
}

export function anthropicChatTranslator(opts: TranslatorOptions): ResponseTranslator {
  return {
    json: (body) => translateMessage(body, opts),
    stream: () => new AnthropicStreamTranslator(opts),
  };
}
