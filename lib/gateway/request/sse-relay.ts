/**
 * Server-sent events from an upstream stream, relayed event by event. Events before the first
 * content event (Azure's prompt_filter_results event, the role-only delta every OpenAI and Azure
 * chat stream opens with, empty deltas) are held; until content arrives the relay can still be
 * abandoned (the router then falls back, and the held events go nowhere). The held events are
 * sent ahead of the first content event, in order; from then on nothing is held back past the
 * blank line that ends an event, and a broken upstream becomes an SSE error event for the
 * caller, never a silent end. Usage and the answering model are read on the way through.
 *
 * Content: text (non-empty `content`, `refusal` or completions `text`), `tool_calls`,
 * `function_call` (or any other non-empty delta field), a non-null `finish_reason`, a non-null
 * `usage`, a non-null `error`, or `[DONE]`. Events are only parsed as JSON until the first content
 * event; after it, only those that carry `"usage":{` (or until the model is known).
 */
import type { Readable } from "node:stream";
import { isRecord } from "../../is-record";
import { errorBody } from "../../errors";

export type StreamUsage = { promptTokens: number | null; completionTokens: number | null; totalTokens: number | null };

export type StreamSummary = {
  /** "done": the upstream sent [DONE]; "broken": it failed after content; "client_closed": the caller left. */
  end: "done" | "broken" | "client_closed";
  usage: StreamUsage | null;
  model: string | null;
  errorMessage: string | null;
  /** The relayed text, bounded, for the request log. */
  logText: string;
  logTruncated: boolean;
};

const encoder = new TextEncoder();
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
};

const MAX_HELD_BYTES = 1024 * 1024;

export class SseRelay {
  private buffer = "";
  private readonly ready: string[] = [];
  private readonly iterator: AsyncIterator<Buffer>;
  private usage: StreamUsage | null = null;
  private model: string | null = null;
  private logText = "";
  private logTruncated = false;
  private sawDone = false;
  private finished = false;
  /** Data lines before the first content event that were not JSON (an upstream sending garbage). */
  private garbage = 0;
  /** Characters of the events held so far, while waiting for the first content event. */
  private held = 0;

  constructor(
    private readonly body: Readable,
    private readonly options: Options,
  ) {
    this.iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /**
   * Reads until the first event that carries content (see the top of this file), holding the
   * events before it. Resolves false when the stream ends or fails before that: the attempt
   * counts as broken and the held events are dropped with the relay.
   */
  async waitForFirstContent(): Promise<{ ok: true } | { ok: false; message: string }> {
    const maxHeld = this.options.maxHeldBytes ?? MAX_HELD_BYTES;
    try {
      for (;;) {
        const next = await this.iterator.next();
        if (next.done) return { ok: false, message: `its stream ended before the first content chunk${this.describeHeld()}` };
        const found = this.absorb(next.value.toString("utf8"), true);
        if (found || this.held + this.buffer.length > maxHeld) return { ok: true };
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
   */
  private absorb(text: string, lookForContent: boolean): boolean {
    this.buffer += text;
    let content = false;
    for (;;) {
      const match = EVENT_END.exec(this.buffer);
      if (!match) break;
      const event = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (this.inspect(event, lookForContent && !content)) content = true;
      else if (lookForContent && !content) this.held += event.length;
    }
    return content;
  }

  /** Reads one event; queues it unless it must be stripped. Returns whether it carries content. */
  private inspect(event: string, lookForContent: boolean): boolean {
    const data = dataOf(event);
    let keep = true;
    let content = false;
    if (data === "[DONE]") {
      this.sawDone = true;
      content = true;
    } else if (data !== null && (lookForContent || data.includes('"usage":{') || this.model === null)) {
      const json = safeParse(data);
      if (json) {
        const choices = Array.isArray(json.choices) ? json.choices : null;
        if (this.model === null && typeof json.model === "string" && json.model) this.model = json.model;
        const usage = readUsage(json.usage);
        if (usage) {
          this.usage = usage;
          if (this.options.stripUsageChunk && choices !== null && choices.length === 0) keep = false;
        }
        if (lookForContent) content = carriesContent(json, choices);
      } else if (lookForContent) {
        this.garbage++;
      }
    }
    if (keep) this.ready.push(`${event}\n\n`);
    return content;
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

  /** The caller's stream: the events read so far, then the rest as they come. */
  toReadableStream(onEnd: (summary: StreamSummary) => void): ReadableStream<Uint8Array> {
    const finish = (end: StreamSummary["end"], errorMessage: string | null) => {
      if (this.finished) return;
      this.finished = true;
      onEnd({ end, usage: this.usage, model: this.model, errorMessage, logText: this.logText, logTruncated: this.logTruncated });
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            while (this.ready.length === 0) {
              if (this.sawDone) {
                controller.close();
                this.body.destroy();
                finish("done", null);
                return;
              }
              const next = await this.iterator.next();
              if (next.done) throw new Error("the upstream stream ended without [DONE]");
              this.absorb(next.value.toString("utf8"), false);
            }
            const out = this.ready.splice(0, this.ready.length).join("");
            this.record(out);
            controller.enqueue(encoder.encode(out));
          } catch (err) {
            const message = `The upstream stream broke after it started: ${(err as Error).message}`;
            const event = `data: ${JSON.stringify(errorBody("upstream_stream_broken", message))}\n\n`;
            this.record(event);
            controller.enqueue(encoder.encode(event));
            controller.close();
            this.body.destroy();
            finish("broken", message);
          }
        },
        cancel: () => {
          // The caller went away: stop reading, which closes the upstream connection.
          this.body.destroy();
          finish("client_closed", "the client closed the stream");
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Abandons the stream (a fallback moved on, or the request ended). */
  discard(): void {
    this.body.destroy();
  }
}

/**
 * Whether a parsed event is content: a non-null usage or error, or a choice with a non-null
 * finish_reason, non-empty completions `text`, or a delta with anything beyond its role and empty
 * values (`content: ""`, `refusal: null`, `tool_calls: []`). A role-only delta, an empty delta,
 * Azure's prompt_filter_results event and content_filter_results-only choices are not.
 */
export function carriesContent(json: Record<string, unknown>, choices: unknown[] | null): boolean {
  if (json.usage != null || json.error != null) return true;
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

function safeParse(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

export function readUsage(value: unknown): StreamUsage | null {
  if (typeof value !== "object" || value === null) return null;
  const u = value as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const usage = { promptTokens: num(u.prompt_tokens), completionTokens: num(u.completion_tokens), totalTokens: num(u.total_tokens) };
  return usage.promptTokens === null && usage.completionTokens === null && usage.totalTokens === null ? null : usage;
}
