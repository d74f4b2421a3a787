/**
 * The words of a logged request and response that `q` searches (docs/GATEWAY.md §8), stored in
 * `RequestLog.searchText` by the log writer and indexed by the database (PostgreSQL: its tsvector
 * stored in the generated column "searchVector" with a GIN index over it, migration
 * 0019_log_search_vector; SQLite: the FTS5 table "RequestLogSearch", migration 0016_log_search).
 *
 * What is taken: the text a person wrote or read, not the JSON around it. From JSON bodies, the
 * string values of the fields that carry text (`content`, `text`, `input`, `instructions`,
 * `prompt`, `system`, `refusal`, `arguments`, `message`, ...) wherever they are (chat messages and
 * their content parts, Responses' `input` and `output`, Anthropic's blocks, embeddings' `input`,
 * an error's `message`); never keys, ids, model names, roles, numbers, or images and files given
 * as `data:` URLs. A streamed answer (server-sent events) is read in one pass over its text, without
 * parsing each event: the string values of the text fields of OpenAI's chat and completions chunks,
 * Responses' events and Anthropic's events, in order, a run of the same field joined without a
 * separator, so a word split over chunks is whole ("drag" + "on"). This takes the words a person
 * reads in lib/logs/stream-text.ts's assembled answer (lib/logs/search-text.test.ts checks that
 * for each wire) at a fraction of its cost: it runs in the log writer's flush, on the event loop,
 * for every logged stream. (Choices of an `n > 1` chat stream interleave, and a word may then join
 * across them.) A body cut at the logging limit is not valid JSON: its complete
 * `"field": "text"` pairs are read instead.
 *
 * Bounded, so that a large body costs the writer and the index little: the request's first
 * REQUEST_HEAD and last REQUEST_TAIL characters of text (a long conversation's system prompt and
 * its latest turns), the response's first RESPONSE_HEAD characters; cut at a space. Null when
 * there is no text (bodies not logged, an embeddings answer, a body without text fields).
 *
 * Pure and browser-safe; never throws, whatever the bodies hold.
 */
import { isRecord } from "../is-record";

export const SEARCH_TEXT_LIMITS = { requestHead: 2048, requestTail: 2048, responseHead: 4096 } as const;

/** Fields whose string values are text (an array under one of them: each string in it too). */
const TEXT_FIELDS = new Set([
  "content",
  "text",
  "input",
  "instructions",
  "prompt",
  "system",
  "refusal",
  "arguments",
  "message",
  "reasoning_content",
  "thinking",
  "output_text",
  "partial_json",
]);

/** Stop collecting once this much is gathered (the caps cut it further). */
const COLLECT_LIMIT = 64 * 1024;

export type SearchTextSource = { path: string; requestBody: string | null; responseBody: string | null };

export function logSearchText(log: SearchTextSource): string | null {
  const request = clip(bodyText(log.requestBody, null), SEARCH_TEXT_LIMITS.requestHead, SEARCH_TEXT_LIMITS.requestTail);
  const response = clip(bodyText(log.responseBody, log.path), SEARCH_TEXT_LIMITS.responseHead, 0);
  const text = [request, response].filter(Boolean).join("\n");
  return text === "" ? null : text;
}

/** The text of one body; `streamPath` for a response (it may be a stream). */
function bodyText(body: string | null, streamPath: string | null): string {
  if (!body) return "";
  const trimmed = body.trimStart();
  if (streamPath !== null && /^(data|event|id|retry):|^:/.test(trimmed)) return streamText(body);
  const parts: string[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    fromPairs(body, parts);
    return parts.join("\n");
  }
  collect(parsed, null, parts, { size: 0 });
  return parts.join("\n");
}

/**
 * The text fields' string values in events: chat/completions `content`, `text`, `refusal`,
 * `reasoning_content`, a tool call's `name` and `arguments`; Responses' `delta`, `text`,
 * `arguments`; Anthropic's `text`, `thinking`, `partial_json`, `name`; an error's `message`.
 * Only string values match (`"delta": {...}` does not); a value is JSON-unescaped only when it
 * holds a backslash.
 */
const STREAM_TEXT =
  /"(content|text|delta|refusal|reasoning_content|thinking|arguments|partial_json|name|message)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

function streamText(body: string): string {
  let out = "";
  let field: string | null = null;
  for (const m of body.matchAll(STREAM_TEXT)) {
    const raw = m[2]!;
    if (raw === "") continue;
    let value = raw;
    if (raw.includes("\\")) {
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        continue;
      }
    }
    if (DATA_URL.test(value)) continue;
    // The run goes on, whitespace too ("dragon" + " " + "fly"); a new field starts a line.
    if (m[1] === field) out += value;
    else if (value.trim() !== "") {
      out += out === "" ? value : `\n${value}`;
      field = m[1]!;
    }
    if (out.length >= COLLECT_LIMIT) break;
  }
  return out;
}

const DATA_URL = /^data:[^,]{0,100};base64,/;

function usable(s: string): boolean {
  return s.trim() !== "" && !DATA_URL.test(s);
}

function collect(value: unknown, field: string | null, out: string[], acc: { size: number }): void {
  if (acc.size >= COLLECT_LIMIT) return;
  if (typeof value === "string") {
    if (field !== null && TEXT_FIELDS.has(field) && usable(value)) {
      out.push(value);
      acc.size += value.length;
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, field, out, acc);
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) collect(v, k, out, acc);
  }
}

/** A body that is not JSON (cut at the limit): its complete `"field": "string"` pairs of text fields. */
function fromPairs(body: string, out: string[]): void {
  let size = 0;
  for (const m of body.matchAll(/"([a-z_]+)"\s*:\s*("(?:[^"\\]|\\.)*")/g)) {
    if (!TEXT_FIELDS.has(m[1]!)) continue;
    let s: unknown;
    try {
      s = JSON.parse(m[2]!);
    } catch {
      continue;
    }
    if (typeof s === "string" && usable(s)) {
      out.push(s);
      size += s.length;
      if (size >= COLLECT_LIMIT) return;
    }
  }
}

/** The first `head` and last `tail` characters, each cut at a space; the whole text when it fits. */
function clip(text: string, head: number, tail: number): string {
  const t = text.trim();
  if (t.length <= head + tail) return t;
  const first = cutAfter(t.slice(0, head));
  const last = tail > 0 ? cutBefore(t.slice(t.length - tail)) : "";
  return last ? `${first}\n${last}` : first;
}

function cutAfter(s: string): string {
  const at = s.search(/\s\S*$/);
  return at > 0 ? s.slice(0, at) : s;
}

function cutBefore(s: string): string {
  const at = s.search(/\s/);
  return at >= 0 && at < s.length - 1 ? s.slice(at + 1) : s;
}
