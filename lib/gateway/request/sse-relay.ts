/**
 * Server-sent events from an upstream stream, relayed event by event in the client's wire format
 * (OpenAI's chat/completions chunks, or Anthropic's Messages events). Events before the first
 * content event (Azure's prompt_filter_results event, the role-only delta every OpenAI and Azure
 * chat stream opens with, empty deltas; Anthropic's message_start and ping) are held; until content
 * arrives the relay can still be abandoned (the router then falls back, and the held events go
 * nowhere). The held events are sent ahead of the first content event, in order; from then on
 * nothing is held back past the blank line that ends an event, and a broken upstream becomes an
 * SSE error event for the caller, never a silent end. Usage and the answering model are read on
 * the way through.
 *
 * An upstream that answers in another format than the client's (Anthropic answering a chat
 * completion) comes with a `StreamTranslator`: each upstream event is translated first, and the
 * relay then reads the translated events as the client's wire (providers/types.ts).
 *
 * OpenAI Responses content: any event but `response.created`, `response.in_progress`, `response.queued`,
 * an `output_item.added` / `content_part.added` / `reasoning_summary_part.added` with nothing in it yet,
 * and a built-in tool's progress events (`*.in_progress`, `*.searching`, `*.interpreting`, `*.generating`).
 * `response.failed` and `error` before content fail the attempt; `response.failed` after content ends
 * the stream as relayed (like an error). Events are read by their `event:` name; only `response.created`,
 * the terminal events (`response.completed`, `.incomplete`, `.failed`) and `error` are parsed after content.
 *
 * OpenAI content: text (non-empty `content`, `refusal` or completions `text`), `tool_calls`,
 * `function_call` (or any other non-empty delta field), a non-null `finish_reason`, a non-null
 * `usage`, or `[DONE]`. Anthropic content: `content_block_*` (but a text or thinking block's empty
 * opening `content_block_start`), `message_delta`, `message_stop`.
 * An error event (OpenAI's `{"error":{...}}`, Anthropic's `event: error`) before content fails the
 * attempt (it falls back like a broken stream); after content it is relayed and ends the stream.
 * OpenAI events are only parsed as JSON until the first content event; after it, only those that
 * carry `"usage":{` or `"error":{` (or until the model is known). Anthropic events are parsed by
 * name: message_start, message_delta and error only.
 */
import type { Readable } from "node:stream";
import { isRecord } from "../../is-record";
import { errorBody } from "../../errors";
import type { ChunkSource } from "../../http/stream-response";
import type { StreamTranslator, TokenUsage, Wire } from "../providers/types";
import { endWait, startWait, upstreamWait, type Waits } from "./waits";

/** @deprecated name: the token counts of a stream are a `TokenUsage`. */
export type StreamUsage = TokenUsage;

export type StreamSummary = {
  /** "done": the upstream ended its stream; "broken": it failed after content; "client_closed": the caller left. */
  end: "done" | "broken" | "client_closed";
  usage: TokenUsage | null;
  model: string | null;
  /** A Responses stream's response id (from `response.created`). */
  responseId: string | null;
  /** A Responses stream's response ran in the background (`background: true` in its final state). */
  background: boolean;
  errorMessage: string | null;
  /** The relayed text, bounded, for the request log. */
  logText: string;
  logTruncated: boolean;
  /** Events read in the client's wire: a stream cut before its usage estimates its output from them (about one token each). */
  events: number;
};

const EVENT_END = /\r?\n\r?\n/;

type Options = {
  /** Drop the usage-only chunk (`choices: []` with `usage`): Detour asked for it, the caller did not. */
  stripUsageChunk: boolean;
  maxLogBytes: number;
  /**
   * Bound on the events held before the first content event (default 1 MiB). An upstream that sends
   * more than this without content is relayed as it is from there on (no fallback), so memory stays bounded.
   */
  maxHeldBytes?: number;
  /** The client's wire (default OpenAI's). */
  wire?: Wire;
  /** Translates each upstream event into the client's wire first (an upstream of another format). */
  translate?: StreamTranslator;
  /** Told the id of a Responses stream's response as soon as `response.created` carries it. */
  onResponseId?: (id: string) => void;
  /** The request's waits: each read of the upstream's next bytes counts there (waits.ts). */
  waits?: Waits;
};

const MAX_HELD_BYTES = 1024 * 1024;

/** What ends a stream properly, per wire (named in the error of a stream that stopped without it). */
const STREAM_END: Record<Wire, string> = { openai: "[DONE]", anthropic: "message_stop", responses: "response.completed" };

/** A Responses event's `sequence_number`, read without parsing the event. */
const SEQUENCE = /"sequence_number":\s*(\d+)/;

/** A built-in tool's progress events (`response.web_search_call.searching`...): not content. */
const TOOL_PROGRESS = /\.(in_progress|searching|interpreting|generating)$/;

/** What one event (in the client's wire) is to the relay: not content (held before the first content event), content, or the upstream's error event. */
const Verdict = { Empty: 0, Content: 1, Error: 2 } as const;
type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** What of an upstream body is still read after its stream's end marker (SseRelay.readToEnd). */
const REST_BYTES = 64 * 1024;
const REST_MS = 5_000;

export class SseRelay {
  private buffer = "";
  private readonly ready: string[] = [];
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly wire: Wire;
  private usage: TokenUsage | null = null;
  private events = 0;
  private model: string | null = null;
  private logText = "";
  private logTruncated = false;
  /** The upstream ended its stream ([DONE], message_stop). */
  private sawDone = false;
  /** The upstream's error event, once relayed: the stream ends after it. */
  private upstreamError: string | null = null;
  private finished = false;
  /** Data lines before the first content event that were not JSON (an upstream sending garbage). */
  private garbage = 0;
  /** Characters of the events held so far, while waiting for the first content event. */
  private held = 0;
  /**
   * A Responses stream: its response's id, and the data of the last event read, whose
   * `sequence_number` Detour's error event continues (read only if the stream breaks).
   */
  private responseId: string | null = null;
  private lastData: string | null = null;
  private background = false;

  constructor(
    private readonly body: Readable,
    private readonly options: Options,
  ) {
    this.iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.wire = options.wire ?? "openai";
  }

  /**
   * Reads until the first event that carries content (see the top of this file), holding the
   * events before it. Resolves false when the stream ends, fails or sends an error before that:
   * the attempt counts as broken and the held events are dropped with the relay.
   */
  async waitForFirstContent(): Promise<{ ok: true } | { ok: false; message: string }> {
    const maxHeld = this.options.maxHeldBytes ?? MAX_HELD_BYTES;
    try {
      for (;;) {
        const next = await upstreamWait(this.options.waits, this.iterator.next());
        if (next.done) return { ok: false, message: `its stream ended before the first content chunk${this.describeHeld()}` };
        const found = this.absorb(next.value.toString("utf8"), true);
        // An error in the same read after the first content event is relayed after it (see absorb).
        if (found) return { ok: true };
        if (this.upstreamError !== null) {
          return { ok: false, message: `its stream sent an error before the first content chunk: ${this.upstreamError}` };
        }
        if (this.held + this.buffer.length > maxHeld) return { ok: true };
      }
    } catch (err) {
      return { ok: false, message: `its stream broke before the first content chunk: ${(err as Error).message}` };
    }
  }

  private describeHeld(): string {
    const parts: string[] = [];
    const empty = this.ready.length - this.garbage;
    if (empty > 0) parts.push(`${empty} event${empty === 1 ? "" : "s"} without content`);
    if (this.garbage) parts.push(`${this.garbage} data lines were not JSON`);
    return parts.length ? ` (${parts.join("; ")})` : "";
  }

  /**
   * Splits complete events off the buffer into `ready`; returns true when one of them has content.
   * Once one has, the rest of this read is inspected as after content (no JSON parse per event).
   * Stops at an upstream error event: nothing after it is relayed.
   */
  private absorb(text: string, lookForContent: boolean): boolean {
    this.buffer += text;
    let content = false;
    for (;;) {
      if (this.upstreamError !== null) {
        this.buffer = "";
        break;
      }
      const match = EVENT_END.exec(this.buffer);
      if (!match) break;
      const event = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const verdict = this.options.translate
        ? this.translated(event, lookForContent && !content)
        : this.inspect(event, lookForContent && !content);
      if (verdict === Verdict.Content) content = true;
      else if (lookForContent && !content) this.held += event.length;
    }
    return content;
  }

  /** Translates one upstream event and reads what it became. */
  private translated(event: string, lookForContent: boolean): Verdict {
    const { name, data } = fieldsOf(event);
    if (data === null) return Verdict.Empty;
    let verdict: Verdict = Verdict.Empty;
    for (const out of this.options.translate!.event(name, data)) {
      if (this.upstreamError !== null) break;
      const v = this.inspect(`data: ${out}`, lookForContent && verdict !== Verdict.Content);
      if (v === Verdict.Content) verdict = v;
    }
    return verdict;
  }

  /** Reads one event of the client's wire; queues it unless it must be stripped. */
  private inspect(event: string, lookForContent: boolean): Verdict {
    this.events++;
    const verdict =
      this.wire === "anthropic"
        ? this.inspectAnthropic(event, lookForContent)
        : this.wire === "responses"
          ? this.inspectResponses(event, lookForContent)
          : this.inspectOpenAi(event, lookForContent);
    if (verdict === Verdict.Error) {
      // Before content the attempt fails (nothing is relayed); after it the error is the last event.
      if (!lookForContent) this.ready.push(`${event}\n\n`);
    }
    return verdict;
  }

  private inspectOpenAi(event: string, lookForContent: boolean): Verdict {
    const data = dataOf(event);
    let keep = true;
    let verdict: Verdict = Verdict.Empty;
    if (data === "[DONE]") {
      this.sawDone = true;
      verdict = Verdict.Content;
    } else if (data !== null && (lookForContent || this.model === null || data.includes('"usage":{') || data.includes('"error":{'))) {
      const json = safeParse(data);
      if (json) {
        if (json.error != null) {
          this.upstreamError = errorMessageOf(json.error);
          return Verdict.Error;
        }
        const choices = Array.isArray(json.choices) ? json.choices : null;
        if (this.model === null && typeof json.model === "string" && json.model) this.model = json.model;
        const usage = readUsage(json.usage);
        if (usage) {
          this.usage = usage;
          if (this.options.stripUsageChunk && choices !== null && choices.length === 0) keep = false;
        }
        if (lookForContent && carriesContent(json, choices)) verdict = Verdict.Content;
      } else if (lookForContent) {
        this.garbage++;
      }
    }
    if (keep) this.ready.push(`${event}\n\n`);
    return verdict;
  }

  /** Anthropic's Messages events, by name: https://docs.anthropic.com/en/docs/build-with-claude/streaming */
  private inspectAnthropic(event: string, lookForContent: boolean): Verdict {
    const { name, data } = fieldsOf(event);
    let verdict: Verdict = Verdict.Content;
    switch (name) {
      case "content_block_start": {
        // A text or thinking block opens empty: like OpenAI's role chunk, it is not content yet.
        if (lookForContent && data !== null && isEmptyBlock(safeParse(data)?.content_block)) verdict = Verdict.Empty;
        break;
      }
      case "message_start": {
        const message = data === null ? null : safeParse(data)?.message;
        if (isRecord(message)) {
          if (typeof message.model === "string" && message.model) this.model = message.model;
          this.usage = mergeUsage(this.usage, readAnthropicUsage(message.usage));
        }
        verdict = Verdict.Empty;
        break;
      }
      case "ping":
        verdict = Verdict.Empty;
        break;
      case "message_delta": {
        const json = data === null ? null : safeParse(data);
        if (json) this.usage = mergeUsage(this.usage, readAnthropicUsage(json.usage));
        break;
      }
      case "message_stop":
        this.sawDone = true;
        break;
      case "error": {
        const json = data === null ? null : safeParse(data);
        this.upstreamError = errorMessageOf(json?.error ?? json);
        return Verdict.Error;
      }
      case null:
        if (data !== null && safeParse(data) === null) this.garbage++;
        verdict = Verdict.Empty;
        break;
    }
    this.ready.push(`${event}\n\n`);
    return verdict;
  }

  /** OpenAI's Responses API events, by name: https://platform.openai.com/docs/api-reference/responses-streaming */
  private inspectResponses(event: string, lookForContent: boolean): Verdict {
    const { name: named, data } = fieldsOf(event);
    if (data !== null) this.lastData = data;
    let json: Record<string, unknown> | null | undefined;
    let name = named;
    if (name === null && data !== null) {
      json = safeParse(data);
      name = typeof json?.type === "string" ? json.type : null;
    }
    const parsed = (): Record<string, unknown> | null => {
      if (json === undefined) json = data === null ? null : safeParse(data);
      return json;
    };
    let verdict: Verdict = Verdict.Content;
    switch (name) {
      case "response.created":
      case "response.queued":
      case "response.in_progress": {
        const response = parsed()?.response;
        if (isRecord(response)) {
          if (this.model === null && typeof response.model === "string" && response.model) this.model = response.model;
          if (this.responseId === null && typeof response.id === "string" && response.id) {
            this.responseId = response.id;
            this.options.onResponseId?.(response.id);
          }
        }
        verdict = Verdict.Empty;
        break;
      }
      case "response.output_item.added":
        if (lookForContent && !itemCarriesContent(parsed()?.item)) verdict = Verdict.Empty;
        break;
      case "response.content_part.added":
      case "response.reasoning_summary_part.added":
        if (lookForContent && isEmptyPart(parsed()?.part)) verdict = Verdict.Empty;
        break;
      case "response.completed":
      case "response.incomplete":
      case "response.failed": {
        const response = parsed()?.response;
        if (isRecord(response)) {
          this.usage = readResponsesUsage(response.usage) ?? this.usage;
          this.background = response.background === true;
          if (typeof response.model === "string" && response.model) this.model = response.model;
        }
        this.sawDone = true;
        if (name === "response.failed") {
          // Before content it fails the attempt (fallback); after it, it is relayed and the stream ends on it.
          this.upstreamError = `response.failed: ${errorMessageOf(isRecord(response) ? response.error : null)}`;
          if (lookForContent) return Verdict.Error;
        }
        break;
      }
      case "error":
        this.upstreamError = errorMessageOf(parsed());
        return Verdict.Error;
      case null:
        if (data !== null && parsed() === null) this.garbage++;
        verdict = Verdict.Empty;
        break;
      default:
        if (lookForContent && TOOL_PROGRESS.test(name)) verdict = Verdict.Empty;
    }
    this.ready.push(`${event}\n\n`);
    return verdict;
  }

  private record(text: string): void {
    if (this.logTruncated) return;
    if (this.logText.length + text.length > this.options.maxLogBytes) {
      this.logText += text.slice(0, this.options.maxLogBytes - this.logText.length);
      this.logTruncated = true;
    } else {
      this.logText += text;
    }
  }

  /** Detour's error event in the client's wire, for a stream that broke after it started. */
  private brokenEvent(message: string): string {
    const body = errorBody("upstream_stream_broken", message);
    if (this.wire === "responses") {
      const last = this.lastData === null ? null : SEQUENCE.exec(this.lastData);
      const event = {
        type: "error",
        code: body.error.code,
        message: body.error.message,
        param: null,
        sequence_number: last ? Number(last[1]) + 1 : 0,
      };
      return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
    }
    if (this.wire === "anthropic") {
      const anthropic = { type: "error", error: { type: "api_error", message: body.error.message } };
      return `event: error\ndata: ${JSON.stringify(anthropic)}\n\n`;
    }
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  private finalUsage(): TokenUsage | null {
    return this.options.translate?.usage() ?? this.usage;
  }

  /**
   * The caller's stream as a pull source: the events read so far, then the rest as they come; each
   * pull gives the next text to send, null once the stream is over (after `onEnd` has run). Detour's
   * server writes it to the socket itself; anyone else reads it as a Web stream over it
   * (lib/http/stream-response.ts: StreamResponse, chunkStream).
   */
  source(onEnd: (summary: StreamSummary) => void): ChunkSource {
    let over = false;
    const finish = (end: StreamSummary["end"], errorMessage: string | null) => {
      over = true;
      if (this.finished) return;
      this.finished = true;
      onEnd({
        end,
        usage: this.finalUsage(),
        model: this.model,
        responseId: this.responseId,
        background: this.background,
        errorMessage,
        logText: this.logText,
        logTruncated: this.logTruncated,
        events: this.events,
      });
    };
    return {
      pull: async () => {
        if (over) return null;
        try {
          while (this.ready.length === 0) {
            if (this.upstreamError !== null) {
              this.body.destroy();
              finish("broken", `The upstream sent an error after the stream started: ${this.upstreamError}`);
              return null;
            }
            if (this.sawDone) {
              this.readToEnd();
              finish("done", null);
              return null;
            }
            // The wait counted inline: a relayed stream reads many times, each read one promise.
            const waits = this.options.waits;
            if (waits) startWait(waits);
            let next: IteratorResult<Buffer>;
            try {
              next = await this.iterator.next();
            } finally {
              if (waits) endWait(waits);
            }
            if (next.done) throw new Error(`the upstream stream ended without ${STREAM_END[this.wire]}`);
            this.absorb(next.value.toString("utf8"), false);
          }
          const out = this.ready.splice(0, this.ready.length).join("");
          this.record(out);
          return out;
        } catch (err) {
          if (over) return null; // cancelled while waiting for the upstream
          const message = `The upstream stream broke after it started: ${(err as Error).message}`;
          const event = this.brokenEvent(message);
          this.record(event);
          this.body.destroy();
          finish("broken", message);
          return event; // the last text: the next pull says the stream is over
        }
      },
      cancel: () => {
        // The caller went away: stop reading, which closes the upstream connection.
        this.body.destroy();
        finish("client_closed", "the client closed the stream");
      },
    };
  }

  /**
   * After the stream's end marker, the rest of the upstream body, in the background: its HTTP end
   * (the chunked encoding's last chunk) comes with the marker or right after it. Destroyed before
   * that, undici's body aborts its request (making an error, stack and all) and closes the
   * connection, whose answer is unfinished: the next request to that provider opens another (a TLS
   * handshake, with a real one). At most REST_BYTES more within REST_MS; past either, closed.
   * Not undici's `dump()`: it counts the whole body against its limit (a long stream would be cut
   * at once) and reads through 'data' events, while this relay's iterator holds the stream.
   */
  private readToEnd(): void {
    const body = this.body;
    if (body.readableEnded || body.destroyed) return;
    const timer = setTimeout(() => body.destroy(), REST_MS);
    timer.unref();
    void (async () => {
      let bytes = 0;
      try {
        for (;;) {
          const next = await this.iterator.next();
          if (next.done) break;
          bytes += next.value.length;
          if (bytes > REST_BYTES) {
            body.destroy();
            break;
          }
        }
      } catch {
        // Broken after its end marker: the caller's stream is whole; undici closed the connection.
      } finally {
        clearTimeout(timer);
      }
    })();
  }

  /** Abandons the stream (a fallback moved on, or the request ended). */
  discard(): void {
    this.body.destroy();
  }
}

/**
 * Whether a parsed event is content: a non-null usage, or a choice with a non-null
 * finish_reason, non-empty completions `text`, or a delta with anything beyond its role and empty
 * values (`content: ""`, `refusal: null`, `tool_calls: []`). A role-only delta, an empty delta,
 * Azure's prompt_filter_results event and content_filter_results-only choices are not.
 */
export function carriesContent(json: Record<string, unknown>, choices: unknown[] | null): boolean {
  if (json.usage != null) return true;
  if (choices === null) return false;
  for (const choice of choices) {
    if (typeof choice !== "object" || choice === null) continue;
    const c = choice as Record<string, unknown>;
    if (c.finish_reason != null) return true;
    if (typeof c.text === "string" && c.text !== "") return true;
    const delta = c.delta;
    if (typeof delta !== "object" || delta === null) continue;
    for (const [key, value] of Object.entries(delta)) {
      if (key === "role" || value === null || value === "") continue;
      if (Array.isArray(value) && value.length === 0) continue;
      return true;
    }
  }
  return false;
}

function dataOf(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith("data:")) {
      const value = line.slice(line[5] === " " ? 6 : 5);
      data = data === null ? value : `${data}\n${value}`;
    }
  }
  return data;
}

/** An event's `event:` name (null when it has none) and its `data:` lines joined. */
function fieldsOf(event: string): { name: string | null; data: string | null } {
  let name: string | null = null;
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith("data:")) {
      const value = line.slice(line[5] === " " ? 6 : 5);
      data = data === null ? value : `${data}\n${value}`;
    } else if (line.startsWith("event:")) {
      name = line.slice(line[6] === " " ? 7 : 6);
    }
  }
  return { name, data };
}

function safeParse(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** A content block that opens with nothing in it: `{"type":"text","text":""}`, `{"type":"thinking","thinking":""}`. */
function isEmptyBlock(block: unknown): boolean {
  if (!isRecord(block)) return false;
  if (block.type === "text") return block.text === "" || block.text === undefined;
  if (block.type === "thinking") return block.thinking === "" || block.thinking === undefined;
  return false;
}

/**
 * Whether a Responses output item arrives with something in it: a message with non-empty text or
 * refusal, a function call with arguments, a reasoning item with summary text. A built-in tool's
 * call (web search, file search...) opens empty and is content once its progress events end.
 */
function itemCarriesContent(item: unknown): boolean {
  if (!isRecord(item)) return false;
  switch (item.type) {
    case "message":
      return Array.isArray(item.content) && item.content.some((part) => !isEmptyPart(part));
    case "function_call":
    case "custom_tool_call":
      return (typeof item.arguments === "string" && item.arguments !== "") || (typeof item.input === "string" && item.input !== "");
    case "reasoning":
      return Array.isArray(item.summary) && item.summary.some((part) => !isEmptyPart(part));
    default:
      return false;
  }
}

/** A content or summary part with no text yet (`{"type":"output_text","text":""}`). */
function isEmptyPart(part: unknown): boolean {
  if (!isRecord(part)) return true;
  if (typeof part.text === "string") return part.text === "";
  if (typeof part.refusal === "string") return part.refusal === "";
  return false;
}

function errorMessageOf(error: unknown): string {
  if (isRecord(error)) {
    const message = typeof error.message === "string" ? error.message : null;
    const type = typeof error.type === "string" ? error.type : typeof error.code === "string" ? error.code : null;
    if (message && type) return `${type}: ${message}`;
    if (message || type) return (message ?? type)!;
  }
  if (typeof error === "string" && error) return error;
  return "an error event without a message";
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * OpenAI's usage object (chat, completions and embeddings): cached prompt tokens are reads
 * (`prompt_tokens_details.cached_tokens`; DeepSeek reports them as `prompt_cache_hit_tokens`).
 */
export function readUsage(value: unknown): TokenUsage | null {
  if (typeof value !== "object" || value === null) return null;
  const u = value as Record<string, unknown>;
  const details = u.prompt_tokens_details;
  const completionDetails = u.completion_tokens_details;
  const usage: TokenUsage = {
    promptTokens: num(u.prompt_tokens),
    completionTokens: num(u.completion_tokens),
    totalTokens: num(u.total_tokens),
    cacheReadTokens: (isRecord(details) ? num(details.cached_tokens) : null) ?? num(u.prompt_cache_hit_tokens),
    cacheWriteTokens: null,
  };
  const reasoning = isRecord(completionDetails) ? num(completionDetails.reasoning_tokens) : null;
  if (reasoning !== null) usage.reasoningTokens = reasoning;
  return usage.promptTokens === null && usage.completionTokens === null && usage.totalTokens === null ? null : usage;
}

/**
 * The Responses API's usage object: `input_tokens` (cached ones included, `input_tokens_details.cached_tokens`),
 * `output_tokens` (reasoning included, `output_tokens_details.reasoning_tokens`), `total_tokens`.
 */
export function readResponsesUsage(value: unknown): TokenUsage | null {
  if (!isRecord(value)) return null;
  const input = num(value.input_tokens);
  const output = num(value.output_tokens);
  if (input === null && output === null) return null;
  const inDetails = value.input_tokens_details;
  const outDetails = value.output_tokens_details;
  return {
    promptTokens: input,
    completionTokens: output,
    totalTokens: num(value.total_tokens) ?? (input ?? 0) + (output ?? 0),
    cacheReadTokens: isRecord(inDetails) ? num(inDetails.cached_tokens) : null,
    cacheWriteTokens: null,
    reasoningTokens: isRecord(outDetails) ? num(outDetails.reasoning_tokens) : null,
  };
}

/**
 * Anthropic's usage object (message_start's message, message_delta, a Messages answer): its
 * `input_tokens` leave out the cached ones, so the prompt is input + cache reads + cache writes.
 */
export function readAnthropicUsage(value: unknown): TokenUsage | null {
  if (!isRecord(value)) return null;
  const input = num(value.input_tokens);
  const output = num(value.output_tokens);
  const read = num(value.cache_read_input_tokens);
  const write = num(value.cache_creation_input_tokens);
  if (input === null && output === null && read === null && write === null) return null;
  const prompt = input === null && read === null && write === null ? null : (input ?? 0) + (read ?? 0) + (write ?? 0);
  return {
    promptTokens: prompt,
    completionTokens: output,
    totalTokens: prompt === null && output === null ? null : (prompt ?? 0) + (output ?? 0),
    cacheReadTokens: read,
    cacheWriteTokens: write,
  };
}

/** Later counts replace earlier ones field by field (message_delta's cumulative counts over message_start's). */
function mergeUsage(before: TokenUsage | null, next: TokenUsage | null): TokenUsage | null {
  if (!next) return before;
  if (!before) return next;
  const promptTokens = next.promptTokens ?? before.promptTokens;
  const completionTokens = next.completionTokens ?? before.completionTokens;
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens === null && completionTokens === null ? null : (promptTokens ?? 0) + (completionTokens ?? 0),
    cacheReadTokens: next.cacheReadTokens ?? before.cacheReadTokens,
    cacheWriteTokens: next.cacheWriteTokens ?? before.cacheWriteTokens,
  };
}
