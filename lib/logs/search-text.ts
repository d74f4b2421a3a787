/**
 * The words of a logged request and response that `q` searches (docs/GATEWAY.md §8), stored in
 * `RequestLog.searchText` by the log writer and indexed by the database (PostgreSQL: a GIN index
 * over its tsvector; SQLite: the FTS5 table "RequestLogSearch"; migration 0016_log_search).
 *
 * What is taken: the text a person wrote or read, not the JSON around it. From JSON bodies, the
 * string values of the fields that carry text (`content`, `text`, `input`, `instructions`,
 * `prompt`, `system`, `refusal`, `arguments`, `message`, ...) wherever they are (chat messages and
 * their content parts, Responses' `input` and `output`, Anthropic's blocks, embeddings' `input`,
 * an error's `message`); never keys, ids, model names, roles, numbers, or images and files given
 * as `data:` URLs. A streamed answer (server-sent events) is assembled first (lib/logs/stream-text.ts),
 * so its words are whole, not one per chunk. A body cut at the logging limit is not valid JSON: its
 * complete `"field": "text"` pairs are read instead.
 *
 * Bounded, so that a large body costs the writer and the index little: the request's first
 * REQUEST_HEAD and last REQUEST_TAIL characters of text (a long conversation's system prompt and
 * its latest turns), the response's first RESPONSE_HEAD characters; cut at a space. Null when
 * there is no text (bodies not logged, an embeddings answer, a body without text fields).
 *
 * Pure and browser-safe; never throws, whatever the bodies hold.
 */
import { isRecord } from "../is-record";
import { assembleStream } from "./stream-text";

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
  if (streamPath !== null && /^(data|event|id|retry):|^:/.test(trimmed)) return streamText(streamPath, body);
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

function streamText(path: string, body: string): string {
  const answer = assembleStream(path, body);
  const parts = [
    answer.reasoning,
    answer.refusal,
    answer.text,
    ...answer.toolCalls.flatMap((c) => [c.name, c.arguments]),
    answer.error?.message,
  ];
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join("\n");
}

function usable(s: string): boolean {
  return s.trim() !== "" && !/^data:[^,]{0,100};base64,/.test(s);
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
