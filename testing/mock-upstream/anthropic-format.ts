// Anthropic's Messages API wire format: answers, SSE streams, token counts, error bodies and headers.
import { randomBytes } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import { answerText, splitPieces, tokenCount, type StreamPlan } from "./formats";
import { isRecord } from "../../lib/is-record";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Anthropic's ids: a prefix and base62 characters (`msg_01...`, `toolu_01...`, `req_011...`). */
export function anthropicId(prefix: string, length = 24): string {
  let out = prefix;
  for (const b of randomBytes(length)) out += BASE62[b % 62];
  return out;
}

// ---------- errors ----------

export function anthropicError(type: string, message: string, requestId = anthropicId("req_011")): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: requestId });
}

/** The HTTP status Anthropic answers each error type with (its errors page). */
export const ANTHROPIC_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The message of an error event or body of each type. */
export const ANTHROPIC_ERROR_MESSAGES: Record<string, string> = {
  invalid_request_error: "There was an issue with the format or content of your request.",
  authentication_error: "invalid x-api-key",
  billing_error: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "The requested resource could not be found.",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error:
    "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: " +
    "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the " +
    "prompt length or the maximum tokens requested, or try again later.",
  api_error: "Internal server error",
  timeout_error: "Request timed out",
  overloaded_error: "Overloaded",
};

export const ANTHROPIC_MISSING_KEY = "x-api-key header is required";
export const ANTHROPIC_INVALID_KEY = "invalid x-api-key";
export const ANTHROPIC_MISSING_VERSION = "anthropic-version: header is required";

/** The error body for a scripted `status` fault: the type Anthropic answers that status with. */
export function anthropicStatusBody(status: number, model: string | undefined, requestId?: string): string {
  if (status === 404) return anthropicError("not_found_error", `model: ${model ?? "claude-unknown"}`, requestId);
  const type = Object.keys(ANTHROPIC_ERROR_STATUS).find((t) => ANTHROPIC_ERROR_STATUS[t] === status);
  if (type) return anthropicError(type, ANTHROPIC_ERROR_MESSAGES[type]!, requestId);
  return anthropicError(status >= 500 ? "api_error" : "invalid_request_error", `Mock upstream error (HTTP ${status}).`, requestId);
}

/** An SSE `error` event, as Anthropic sends one mid-stream. */
export function anthropicErrorEvent(type: string, message = ANTHROPIC_ERROR_MESSAGES[type] ?? "Mock upstream error"): string {
  return sseEvent("error", { type: "error", error: { type, message } });
}

// ---------- headers ----------

const RPM_LIMIT = 4000;
let served = 0;

/**
 * `request-id` (the `request_id` of an error body sent with these headers), the organization id and
 * the `anthropic-ratelimit-*` counters Anthropic sends on every answer.
 */
export function anthropicHeaders(contentType: string, requestId = anthropicId("req_011")): OutgoingHttpHeaders {
  const remaining = RPM_LIMIT - 1 - (served++ % RPM_LIMIT);
  const reset = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    "content-type": contentType,
    "request-id": requestId,
    "anthropic-organization-id": "2f0c7b4e-6d1a-4c2b-9e8f-0a1b2c3d4e5f",
    "anthropic-ratelimit-requests-limit": String(RPM_LIMIT),
    "anthropic-ratelimit-requests-remaining": String(remaining),
    "anthropic-ratelimit-requests-reset": reset,
    "anthropic-ratelimit-input-tokens-limit": "2000000",
    "anthropic-ratelimit-input-tokens-remaining": "1999000",
    "anthropic-ratelimit-input-tokens-reset": reset,
    "anthropic-ratelimit-output-tokens-limit": "400000",
    "anthropic-ratelimit-output-tokens-remaining": "399000",
    "anthropic-ratelimit-output-tokens-reset": reset,
    "anthropic-ratelimit-tokens-limit": "2400000",
    "anthropic-ratelimit-tokens-remaining": "2398000",
    "anthropic-ratelimit-tokens-reset": reset,
  };
}

/** Anthropic sends `retry-after` in whole seconds (no millisecond header): a scripted ms delay is rounded up. */
export function anthropicRetryHeaders(seconds?: number, ms?: number): OutgoingHttpHeaders {
  if (seconds !== undefined) return { "retry-after": String(seconds) };
  if (ms !== undefined) return { "retry-after": String(Math.ceil(ms / 1000)) };
  return {};
}

// ---------- requests ----------

type Block = Record<string, unknown>;

const blocksOf = (content: unknown): Block[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : Array.isArray(content) ? content.filter(isRecord) : [];

/** The characters a block contributes to the prompt (text, tool input and results, tool definitions). */
function blockChars(b: Block): number {
  if (typeof b.text === "string") return b.text.length;
  if (b.type === "tool_result") return blocksOf(b.content).reduce((n, x) => n + blockChars(x), 0);
  if (b.type === "tool_use") return JSON.stringify(b.input ?? {}).length;
  if (b.type === "image") return 4 * 400; // a small image: ~400 tokens
  if (typeof b.name === "string") return b.name.length + JSON.stringify(b.input_schema ?? {}).length + String(b.description ?? "").length;
  return 0;
}

/**
 * The prompt in Anthropic's cache order (tools, system, messages) as blocks, and where its last
 * `cache_control` breakpoint is (-1: none; a top-level `cache_control` marks the last block).
 */
function promptBlocks(body: Record<string, unknown>): { blocks: Block[]; breakpoint: number } {
  const blocks: Block[] = [];
  if (Array.isArray(body.tools)) blocks.push(...body.tools.filter(isRecord));
  blocks.push(...blocksOf(body.system));
  if (Array.isArray(body.messages)) for (const m of body.messages) if (isRecord(m)) blocks.push(...blocksOf(m.content));
  let breakpoint = -1;
  blocks.forEach((b, i) => {
    if (isRecord(b.cache_control)) breakpoint = i;
  });
  if (isRecord(body.cache_control) && blocks.length > 0) breakpoint = blocks.length - 1;
  return { blocks, breakpoint };
}

export interface AnthropicUsage {
  input: number;
  cacheCreation: number;
  cacheRead: number;
}

/**
 * Input tokens (`ceil(chars / 4)`, at least 1). With a cache breakpoint, the prefix up to it is
 * written to the mock's prompt cache the first time (`cache_creation_input_tokens`) and read from
 * it afterwards (`cache_read_input_tokens`); `input_tokens` counts the rest. No minimum length.
 */
export function anthropicInputUsage(body: Record<string, unknown>, cache: Set<string>): AnthropicUsage {
  const { blocks, breakpoint } = promptBlocks(body);
  const total = Math.max(1, tokenCount(blocks.reduce((n, b) => n + blockChars(b), 0)));
  if (breakpoint < 0) return { input: total, cacheCreation: 0, cacheRead: 0 };
  const prefix = blocks.slice(0, breakpoint + 1);
  const cached = Math.min(total, tokenCount(prefix.reduce((n, b) => n + blockChars(b), 0)));
  const key = `${String(body.model)}\n${JSON.stringify(prefix, (k, v) => (k === "cache_control" ? undefined : v))}`;
  const hit = cache.has(key);
  cache.add(key);
  return { input: total - cached, cacheCreation: hit ? 0 : cached, cacheRead: hit ? cached : 0 };
}

/** The text of the last user turn (its text blocks), what the answer quotes. */
function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== "user") continue;
    return blocksOf(m.content)
      .filter((b) => b.type === "text" && typeof b.text === "string")
      .map((b) => b.text)
      .join("");
  }
  return "";
}

/** A value of the schema's type: the first enum value, else "mock-<name>", 1, true, [] or {}. */
function sampleValue(name: string, schema: unknown): unknown {
  if (!isRecord(schema)) return `mock-${name}`;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return sampleInput(schema);
    case "null":
      return null;
    default:
      return `mock-${name}`;
  }
}

/** A tool input holding the schema's required properties, each with a value of its type. */
export function sampleInput(schema: unknown): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (!isRecord(schema)) return input;
  const props = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  for (const name of required) input[name] = sampleValue(name, props[name]);
  return input;
}

export type AnthropicBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/** What the mock "generated" for a Messages request. */
export interface AnthropicGeneration {
  content: AnthropicBlock[];
  stopReason: "end_turn" | "max_tokens" | "tool_use";
  outputTokens: number;
}

/** The tool the answer calls: the one `tool_choice` forces (`tool`, or `any`: the first), or `toolName` (a `tool_use` rule). */
function chosenTool(body: Record<string, unknown>, toolName: string | true | undefined): Block | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  if (tools.length === 0) return undefined;
  const choice = isRecord(body.tool_choice) ? body.tool_choice : undefined;
  const wanted = typeof toolName === "string" ? toolName : choice?.type === "tool" ? choice.name : undefined;
  if (wanted !== undefined) return tools.find((t) => t.name === wanted);
  return toolName === true || choice?.type === "any" ? tools[0] : undefined;
}

/**
 * The deterministic answer: a thinking block when thinking is enabled, then a `tool_use` when a
 * tool is forced (or a rule asks for one), else "Mock answer from anthropic (key ...abcd) to: <first
 * 40 characters of the last user text>", cut at `max_tokens` (`stop_reason: "max_tokens"`).
 */
export function anthropicGeneration(body: Record<string, unknown>, key: string, toolName?: string | true): AnthropicGeneration {
  const content: AnthropicBlock[] = [];
  let outputTokens = 0;
  const prompt = lastUserText(body);
  if (isRecord(body.thinking) && body.thinking.type === "enabled") {
    const thinking = `The user asks: ${prompt.slice(0, 40)}`;
    content.push({ type: "thinking", thinking, signature: Buffer.from(`mock-signature:${thinking}`).toString("base64") });
    outputTokens += tokenCount(thinking.length);
  }
  const tool = chosenTool(body, toolName);
  if (tool && typeof tool.name === "string") {
    const input = sampleInput(tool.input_schema);
    content.push({ type: "tool_use", id: anthropicId("toolu_01", 22), name: tool.name, input });
    return { content, stopReason: "tool_use", outputTokens: outputTokens + tokenCount(JSON.stringify(input).length) + 10 };
  }
  let text = answerText("anthropic", key, prompt);
  let stopReason: AnthropicGeneration["stopReason"] = "end_turn";
  const max = typeof body.max_tokens === "number" ? body.max_tokens : Number.POSITIVE_INFINITY;
  if (tokenCount(text.length) + outputTokens > max) {
    text = Array.from(text)
      .slice(0, Math.max(0, (max - outputTokens) * 4))
      .join("");
    stopReason = "max_tokens";
  }
  content.push({ type: "text", text });
  return { content, stopReason, outputTokens: outputTokens + tokenCount(text.length) };
}

// ---------- answers ----------

function usageJson(u: AnthropicUsage, output: number) {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheCreation,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheCreation, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    service_tier: "standard",
  };
}

const wireBlock = (b: AnthropicBlock) => (b.type === "text" ? { type: "text", text: b.text } : b);

export function anthropicMessageJson(model: string, gen: AnthropicGeneration, usage: AnthropicUsage): string {
  return JSON.stringify({
    id: anthropicId("msg_01", 22),
    type: "message",
    role: "assistant",
    model,
    content: gen.content.map(wireBlock),
    stop_reason: gen.stopReason,
    stop_sequence: null,
    usage: usageJson(usage, gen.outputTokens),
  });
}

export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The Messages event stream: `message_start`, then per block `content_block_start`, its deltas
 * (text in ~5 pieces, tool input as `input_json_delta` fragments after an empty one, thinking then
 * its `signature_delta`) and `content_block_stop`, a `ping` after the first block starts, then
 * `message_delta` (stop reason, cumulative usage) and `message_stop`. `head` is what comes before
 * any content (through the ping); each `content` frame is one delta, with the stop and start of the
 * blocks around it; `tail` is the last block's stop and the message's end.
 */
export function anthropicStream(model: string, gen: AnthropicGeneration, usage: AnthropicUsage): StreamPlan {
  const message = {
    id: anthropicId("msg_01", 22),
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageJson(usage, 1),
  };
  const head = [sseEvent("message_start", { type: "message_start", message })];
  const content: string[] = [];
  let pending = ""; // events that ride with the next delta frame
  gen.content.forEach((block, index) => {
    const start = (content_block: unknown) => sseEvent("content_block_start", { type: "content_block_start", index, content_block });
    const delta = (d: unknown) => sseEvent("content_block_delta", { type: "content_block_delta", index, delta: d });
    let deltas: string[];
    if (block.type === "text") {
      pending += start({ type: "text", text: "" });
      deltas = splitPieces(block.text).map((text) => delta({ type: "text_delta", text }));
    } else if (block.type === "thinking") {
      pending += start({ type: "thinking", thinking: "" });
      deltas = splitPieces(block.thinking, 3).map((thinking) => delta({ type: "thinking_delta", thinking }));
      deltas.push(delta({ type: "signature_delta", signature: block.signature }));
    } else {
      pending += start({ type: "tool_use", id: block.id, name: block.name, input: {} });
      deltas = ["", ...splitPieces(JSON.stringify(block.input), 3)].map((partial_json) =>
        delta({ type: "input_json_delta", partial_json }),
      );
    }
    if (index === 0) {
      head.push(pending, sseEvent("ping", { type: "ping" }));
      pending = "";
    }
    for (const d of deltas) {
      content.push(pending + d);
      pending = "";
    }
    pending = sseEvent("content_block_stop", { type: "content_block_stop", index });
  });
  const tail = [
    pending +
      sseEvent("message_delta", {
        type: "message_delta",
        delta: { stop_reason: gen.stopReason, stop_sequence: null },
        usage: {
          input_tokens: usage.input,
          cache_creation_input_tokens: usage.cacheCreation,
          cache_read_input_tokens: usage.cacheRead,
          output_tokens: gen.outputTokens,
        },
      }) +
      sseEvent("message_stop", { type: "message_stop" }),
  ];
  return { head, content, tail };
}

export function countTokensJson(usage: AnthropicUsage): string {
  return JSON.stringify({ input_tokens: usage.input + usage.cacheCreation + usage.cacheRead });
}

/** GET /v1/models with x-api-key: Anthropic's list shape (not OpenAI's). */
export const ANTHROPIC_MODELS_JSON = (() => {
  const data = [
    ["claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"],
    ["claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"],
    ["claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"],
  ].map(([id, display_name, created_at]) => ({ type: "model", id, display_name, created_at }));
  return JSON.stringify({ data, has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id });
})();

export const ANTHROPIC_SSE_GARBAGE =
  "event: message_start\ndata: this is not json\n\n" +
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":\n\n' +
  "event: content_block_delta\ndata: <html><body>502 Bad Gateway</body></html>\n\n";
