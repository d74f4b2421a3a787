/**
 * A logged answer as a person reads it: the text, the tool calls, the reasoning, the usage, the
 * final status and the error, assembled from the stored response body of a log row.
 *
 * - `assembleStream(path, body)`: the server-sent events Detour relayed (in the client's wire, as
 *   lib/gateway/request/sse-relay.ts records them), for OpenAI's Responses streams
 *   (`/v1/responses`), chat completion chunks (`/v1/chat/completions`), legacy completions
 *   (`/v1/completions`) and Anthropic's Messages events (`/v1/messages`). Another path is read by
 *   the shape of its events.
 * - `assembleResponseJson(body)`: a non-streamed Responses answer (`output[]`).
 *
 * The stored body is bounded (32 KiB): a stream may be cut in the middle of an event, and the last,
 * incomplete event is skipped. Events that are not JSON or not known are ignored; neither function
 * throws, whatever the text. Pure and browser-safe: the log detail page renders what it returns as
 * React text (never as HTML).
 */
import { isRecord } from "../is-record";

export type AssembledToolCall = {
  /** The id the client answers with: Responses' `call_id`, chat's `id`, Anthropic's `tool_use` id. */
  id?: string;
  name: string;
  /** As the model wrote it: JSON text, possibly incomplete when the stream was cut. */
  arguments: string;
};

/** Token counts as reported; null where the answer did not say. */
export type AssembledUsage = {
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  reasoningTokens: number | null;
};

export type AssembledError = { message: string; code?: string };

export type StreamFormat = "responses" | "chat" | "completions" | "anthropic";

export type AssembledAnswer = {
  /** Which wire the events were read as; null when no event was recognised. */
  format: StreamFormat | null;
  text: string;
  toolCalls: AssembledToolCall[];
  /** Reasoning text (Responses' reasoning summary or text, Anthropic's thinking, chat's `reasoning_content`). */
  reasoning?: string;
  /** A refusal written instead of an answer (OpenAI's `refusal`). */
  refusal?: string;
  usage?: AssembledUsage;
  /** Responses' `status`, chat's `finish_reason`, Anthropic's `stop_reason`. */
  status?: string;
  error?: AssembledError;
  /** The stream's own end was read ([DONE], `message_stop`, a final `response.*` event, an error). */
  ended: boolean;
  /** SSE events whose data was JSON (or [DONE]). */
  events: number;
};

type SseEvent = { event: string | null; data: string };

/** The events of an SSE text; the last one is kept only if the text ends with its blank line. */
export function parseSseEvents(text: string): SseEvent[] {
  const blocks = text.split(/\r?\n\r?\n/);
  // The text after the last blank line is an event cut short (or nothing): it is not one.
  blocks.pop();
  const out: SseEvent[] = [];
  for (const block of blocks) {
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) out.push({ event, data: data.join("\n") });
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const count = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const record = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

/** The wire a path's answers are in; null for a path that does not say. */
export function streamFormatOf(path: string): StreamFormat | null {
  const p = path.split("?")[0]!.replace(/\/+$/, "");
  if (p === "/v1/responses" || p.startsWith("/v1/responses/")) return "responses";
  if (p === "/v1/chat/completions") return "chat";
  if (p === "/v1/completions") return "completions";
  if (p === "/v1/messages") return "anthropic";
  return null;
}

/** The wire an event belongs to, by its shape (for a path that does not say). */
function formatOfEvent(event: string | null, data: Record<string, unknown>): StreamFormat | null {
  const type = str(data.type) ?? event ?? "";
  if (type.startsWith("response.")) return "responses";
  if (type.startsWith("message_") || type.startsWith("content_block_")) return "anthropic";
  if (data.object === "chat.completion.chunk") return "chat";
  if (data.object === "text_completion") return "completions";
  return null;
}

/** An error object of any wire (`{message, code?, type?}`) as one error; null when it has no message. */
function readError(value: unknown): AssembledError | null {
  if (!isRecord(value)) return null;
  const message = str(value.message);
  if (!message) return null;
  const code = str(value.code) ?? str(value.type);
  return code ? { message, code } : { message };
}

/** Builds the answer from one stream's events; one reducer per wire. */
class Assembler {
  text = "";
  reasoning = "";
  refusal = "";
  readonly toolCalls: AssembledToolCall[] = [];
  usage: AssembledUsage | undefined;
  status: string | undefined;
  error: AssembledError | undefined;
  ended = false;
  /** Responses: tool call by item id (and by output index, for deltas that only carry that). */
  private readonly callsByItem = new Map<string, AssembledToolCall>();
  private readonly callsByOutput = new Map<number, AssembledToolCall>();
  /** Chat: tool call by its `index`; Anthropic: tool call by content block index. */
  private readonly callsByIndex = new Map<number, AssembledToolCall>();

  constructor(public format: StreamFormat | null) {}

  read(event: string | null, data: Record<string, unknown>): void {
    // An error in any wire's shape: chat's `{"error": {...}}` (Detour's own broken-stream event on
    // OpenAI's wire too), Anthropic's `{type: "error", error: {...}}`, Responses' `{type: "error",
    // code, message}`.
    const error = readError(data.error) ?? (data.type === "error" || event === "error" ? readError(data) : null);
    if (error || data.type === "error" || event === "error") {
      this.fail(error ?? { message: "the stream sent an error event" });
      return;
    }
    this.format ??= formatOfEvent(event, data);
    switch (this.format) {
      case "responses":
        this.readResponses(event, data);
        break;
      case "chat":
        this.readChat(data);
        break;
      case "completions":
        this.readCompletions(data);
        break;
      case "anthropic":
        this.readAnthropic(event, data);
        break;
    }
  }

  done(): void {
    this.ended = true;
  }

  private fail(error: AssembledError): void {
    this.error = error;
    this.ended = true;
  }

  private readResponses(event: string | null, data: Record<string, unknown>): void {
    const type = str(data.type) ?? event;
    switch (type) {
      case "response.output_text.delta":
        this.text += str(data.delta) ?? "";
        break;
      case "response.refusal.delta":
        this.refusal += str(data.delta) ?? "";
        break;
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        this.reasoning += str(data.delta) ?? "";
        break;
      case "response.output_item.added": {
        const item = record(data.item);
        if (item.type !== "function_call") break;
        const call: AssembledToolCall = { name: str(item.name) ?? "", arguments: str(item.arguments) ?? "" };
        const callId = str(item.call_id);
        if (callId) call.id = callId;
        this.toolCalls.push(call);
        const itemId = str(item.id);
        if (itemId) this.callsByItem.set(itemId, call);
        const index = count(data.output_index);
        if (index !== null) this.callsByOutput.set(index, call);
        break;
      }
      case "response.function_call_arguments.delta": {
        const call = this.responsesCall(data);
        if (call) call.arguments += str(data.delta) ?? "";
        break;
      }
      case "response.function_call_arguments.done": {
        const call = this.responsesCall(data);
        const args = str(data.arguments);
        if (call && args !== undefined) call.arguments = args;
        break;
      }
      case "response.output_item.done": {
        const item = record(data.item);
        const call = item.type === "function_call" ? this.responsesCall({ item_id: item.id, output_index: data.output_index }) : undefined;
        const args = str(item.arguments);
        if (call && args !== undefined) call.arguments = args;
        break;
      }
      case "response.completed":
      case "response.incomplete":
      case "response.failed": {
        const response = record(data.response);
        const status = str(response.status) ?? type.slice("response.".length);
        const reason = str(record(response.incomplete_details).reason);
        this.status = reason ? `${status} (${reason})` : status;
        this.usage = readResponsesUsage(response.usage) ?? this.usage;
        const error = readError(response.error);
        if (error) this.error = error;
        this.ended = true;
        break;
      }
    }
  }

  private responsesCall(data: Record<string, unknown>): AssembledToolCall | undefined {
    const itemId = str(data.item_id);
    const index = count(data.output_index);
    return (itemId ? this.callsByItem.get(itemId) : undefined) ?? (index !== null ? this.callsByOutput.get(index) : undefined);
  }

  private readChat(data: Record<string, unknown>): void {
    this.readChatUsage(data.usage);
    const choice = firstChoice(data.choices);
    if (!choice) return;
    const delta = record(choice.delta);
    this.text += str(delta.content) ?? "";
    this.refusal += str(delta.refusal) ?? "";
    this.reasoning += str(delta.reasoning_content) ?? str(delta.reasoning) ?? "";
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((raw, position) => {
        const part = record(raw);
        const index = count(part.index) ?? position;
        const fn = record(part.function);
        let call = this.callsByIndex.get(index);
        if (!call) {
          call = { name: "", arguments: "" };
          this.callsByIndex.set(index, call);
          this.toolCalls.push(call);
        }
        const id = str(part.id);
        if (id) call.id = id;
        call.name += str(fn.name) ?? "";
        call.arguments += str(fn.arguments) ?? "";
      });
    }
    const finish = str(choice.finish_reason);
    if (finish) this.status = finish;
  }

  private readCompletions(data: Record<string, unknown>): void {
    this.readChatUsage(data.usage);
    const choice = firstChoice(data.choices);
    if (!choice) return;
    this.text += str(choice.text) ?? "";
    const finish = str(choice.finish_reason);
    if (finish) this.status = finish;
  }

  private readChatUsage(value: unknown): void {
    if (!isRecord(value)) return;
    this.usage = {
      inputTokens: count(value.prompt_tokens),
      outputTokens: count(value.completion_tokens),
      totalTokens: count(value.total_tokens),
      reasoningTokens: count(record(value.completion_tokens_details).reasoning_tokens),
    };
  }

  private readAnthropic(event: string | null, data: Record<string, unknown>): void {
    const type = str(data.type) ?? event;
    switch (type) {
      case "message_start":
        this.readAnthropicUsage(record(data.message).usage);
        break;
      case "content_block_start": {
        const block = record(data.content_block);
        const index = count(data.index);
        if (block.type === "tool_use" || block.type === "server_tool_use") {
          // The start carries `input: {}`; the input itself comes as input_json_delta fragments.
          const call: AssembledToolCall = { name: str(block.name) ?? "", arguments: "" };
          const id = str(block.id);
          if (id) call.id = id;
          this.toolCalls.push(call);
          if (index !== null) this.callsByIndex.set(index, call);
        } else if (block.type === "text") {
          this.text += str(block.text) ?? "";
        }
        break;
      }
      case "content_block_delta": {
        const delta = record(data.delta);
        if (delta.type === "text_delta") this.text += str(delta.text) ?? "";
        else if (delta.type === "thinking_delta") this.reasoning += str(delta.thinking) ?? "";
        else if (delta.type === "input_json_delta") {
          const index = count(data.index);
          const call = index !== null ? this.callsByIndex.get(index) : undefined;
          if (call) call.arguments += str(delta.partial_json) ?? "";
        }
        break;
      }
      case "message_delta": {
        const stop = str(record(data.delta).stop_reason);
        if (stop) this.status = stop;
        this.readAnthropicUsage(data.usage);
        break;
      }
      case "message_stop":
        this.ended = true;
        break;
    }
  }

  /**
   * Anthropic's usage: `message_start` has the input, `message_delta` the cumulative output (and
   * may repeat the input). The input counted is the whole prompt: `input_tokens` plus the tokens
   * read from and written to the prompt cache.
   */
  private readAnthropicUsage(value: unknown): void {
    if (!isRecord(value)) return;
    const parts = [value.input_tokens, value.cache_creation_input_tokens, value.cache_read_input_tokens].map(count);
    const input = parts.every((n) => n === null) ? null : parts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    const inputTokens = input ?? this.usage?.inputTokens ?? null;
    const outputTokens = count(value.output_tokens) ?? this.usage?.outputTokens ?? null;
    this.usage = {
      inputTokens,
      outputTokens,
      totalTokens: inputTokens !== null && outputTokens !== null ? inputTokens + outputTokens : null,
      reasoningTokens: null,
    };
  }

  result(events: number): AssembledAnswer {
    const out: AssembledAnswer = { format: this.format, text: this.text, toolCalls: this.toolCalls, ended: this.ended, events };
    if (this.reasoning) out.reasoning = this.reasoning;
    if (this.refusal) out.refusal = this.refusal;
    if (this.usage) out.usage = this.usage;
    if (this.status) out.status = this.status;
    if (this.error) out.error = this.error;
    return out;
  }
}

/** Choice 0 of a chunk (by its `index`, else the first). */
function firstChoice(choices: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(choices)) return undefined;
  const found = choices.find((c) => isRecord(c) && (c.index === 0 || c.index === undefined));
  return isRecord(found) ? found : undefined;
}

/** Responses' usage: `{input_tokens, output_tokens, total_tokens, output_tokens_details: {reasoning_tokens}}`. */
function readResponsesUsage(value: unknown): AssembledUsage | undefined {
  if (!isRecord(value)) return undefined;
  return {
    inputTokens: count(value.input_tokens),
    outputTokens: count(value.output_tokens),
    totalTokens: count(value.total_tokens),
    reasoningTokens: count(record(value.output_tokens_details).reasoning_tokens),
  };
}

/** A logged stream's events, assembled into the answer the client received. */
export function assembleStream(path: string, responseBody: string | null): AssembledAnswer {
  const assembler = new Assembler(streamFormatOf(path));
  let events = 0;
  for (const { event, data } of parseSseEvents(responseBody ?? "")) {
    if (data.trim() === "[DONE]") {
      events++;
      assembler.done();
      continue;
    }
    const json = parseJson(data);
    if (!isRecord(json)) continue;
    events++;
    assembler.read(event, json);
  }
  return assembler.result(events);
}

/**
 * A non-streamed Responses answer (`{object: "response", status, output: [...], usage, error}`):
 * the text of its `message` items' `output_text` parts, its `function_call` items, the text of its
 * `reasoning` items' summaries. Null when the body is not such an answer.
 */
export function assembleResponseJson(responseBody: string | null): AssembledAnswer | null {
  const json = parseJson(responseBody ?? "");
  if (!isRecord(json) || !Array.isArray(json.output)) return null;
  const out: AssembledAnswer = { format: "responses", text: "", toolCalls: [], ended: true, events: 0 };
  let reasoning = "";
  let refusal = "";
  for (const raw of json.output) {
    const item = record(raw);
    if (item.type === "message" && Array.isArray(item.content)) {
      for (const part of item.content.map(record)) {
        if (part.type === "output_text") out.text += str(part.text) ?? "";
        else if (part.type === "refusal") refusal += str(part.refusal) ?? "";
      }
    } else if (item.type === "function_call") {
      const call: AssembledToolCall = { name: str(item.name) ?? "", arguments: str(item.arguments) ?? "" };
      const callId = str(item.call_id);
      if (callId) call.id = callId;
      out.toolCalls.push(call);
    } else if (item.type === "reasoning") {
      for (const part of [item.summary, item.content].flatMap((list) => (Array.isArray(list) ? list.map(record) : []))) {
        const piece = str(part.text);
        if (piece) reasoning += reasoning ? `\n\n${piece}` : piece;
      }
    }
  }
  if (reasoning) out.reasoning = reasoning;
  if (refusal) out.refusal = refusal;
  const usage = readResponsesUsage(json.usage);
  if (usage) out.usage = usage;
  const status = str(json.status);
  if (status) out.status = status;
  const error = readError(json.error);
  if (error) out.error = error;
  return out;
}
