/**
 * The OpenTelemetry GenAI semantic conventions as Detour fills them (docs/GATEWAY.md §13): the
 * operation of each endpoint, the provider names, the span name, and the opt-in content attributes
 * (`gen_ai.input.messages`, `gen_ai.output.messages`) built from the log row's bodies, which are
 * already redacted and bounded. Pure functions, no SDK: unit-tested in genai.test.ts.
 */
import { isRecord } from "../is-record";
import type { Endpoint } from "../gateway/providers/types";
import type { AnswerFacts } from "./types";

/** `gen_ai.operation.name` of each endpoint: the conventions' values, else Detour's own (documented). */
const OPERATIONS: Record<Endpoint, string> = {
  "chat/completions": "chat",
  messages: "chat",
  responses: "chat",
  completions: "text_completion",
  embeddings: "embeddings",
  "messages/count_tokens": "count_tokens",
  "responses/input_tokens": "count_tokens",
  "responses/{id}": "get_response",
  "responses/{id}/cancel": "cancel_response",
  "responses/{id}/input_items": "list_input_items",
};

export function operationName(endpoint: Endpoint): string {
  return OPERATIONS[endpoint];
}

/** `gen_ai.provider.name`: the conventions' well-known values; the other providers by Detour's id. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  "azure-openai": "azure.ai.openai",
  anthropic: "anthropic",
  google: "gcp.gemini",
  groq: "groq",
  "mistral-ai": "mistral_ai",
  deepseek: "deepseek",
  "x-ai": "x_ai",
  "perplexity-ai": "perplexity",
};

export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** `{gen_ai.operation.name} {gen_ai.request.model}`, or the operation alone when no model is named. */
export function spanName(operation: string, model: string | null): string {
  return model ? `${operation} ${model}` : operation;
}

/** The response id, model and finish reasons of a JSON answer (OpenAI chat/completions, Anthropic, Responses API). */
export function answerFacts(json: Record<string, unknown>): AnswerFacts {
  const responseId = typeof json.id === "string" && json.id ? json.id : null;
  const responseModel = typeof json.model === "string" && json.model ? json.model : null;
  let finishReasons: string[] | null = null;
  if (Array.isArray(json.choices)) {
    finishReasons = [];
    for (const c of json.choices) if (isRecord(c) && typeof c.finish_reason === "string") finishReasons.push(c.finish_reason);
  } else if (typeof json.stop_reason === "string") {
    finishReasons = [json.stop_reason];
  } else if (json.object === "response" && typeof json.status === "string") {
    finishReasons = [json.status];
  }
  return { responseId, responseModel, finishReasons: finishReasons?.length ? finishReasons : null };
}

type Part = { type: "text"; content: string } | { type: string; [k: string]: unknown };
type Message = { role: string; parts: Part[]; finish_reason?: string };

function parseJson(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** A message's content as parts: a string is one text part; OpenAI's and Anthropic's text blocks are text parts. */
function parts(content: unknown): Part[] {
  if (typeof content === "string") return [{ type: "text", content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((block): Part[] => {
    if (!isRecord(block)) return [];
    if ((block.type === "text" || block.type === "input_text" || block.type === "output_text") && typeof block.text === "string")
      return [{ type: "text", content: block.text }];
    return typeof block.type === "string" ? [{ type: block.type }] : [];
  });
}

/**
 * `gen_ai.input.messages` (JSON) from the request body as logged: chat `messages`, Anthropic's
 * `system` + `messages`, the Responses API's `input`; null when the body is cut or has none.
 */
export function inputMessages(requestBody: string | null): string | null {
  const body = parseJson(requestBody);
  if (!body) return null;
  const messages: Message[] = [];
  if (body.system !== undefined) messages.push({ role: "system", parts: parts(body.system) });
  if (typeof body.instructions === "string") messages.push({ role: "system", parts: parts(body.instructions) });
  const list = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : null;
  if (typeof body.input === "string") messages.push({ role: "user", parts: parts(body.input) });
  for (const m of list ?? []) if (isRecord(m) && typeof m.role === "string") messages.push({ role: m.role, parts: parts(m.content) });
  return messages.length ? JSON.stringify(messages) : null;
}

/** `gen_ai.output.messages` (JSON) from a JSON answer as logged: chat choices, Anthropic's content, the Responses API's output messages. */
export function outputMessages(responseBody: string | null): string | null {
  const body = parseJson(responseBody);
  if (!body) return null;
  const messages: Message[] = [];
  if (Array.isArray(body.choices)) {
    for (const c of body.choices) {
      if (!isRecord(c) || !isRecord(c.message)) continue;
      const m: Message = { role: typeof c.message.role === "string" ? c.message.role : "assistant", parts: parts(c.message.content) };
      if (typeof c.finish_reason === "string") m.finish_reason = c.finish_reason;
      messages.push(m);
    }
  } else if (body.type === "message" && Array.isArray(body.content)) {
    const m: Message = { role: "assistant", parts: parts(body.content) };
    if (typeof body.stop_reason === "string") m.finish_reason = body.stop_reason;
    messages.push(m);
  } else if (Array.isArray(body.output)) {
    for (const item of body.output)
      if (isRecord(item) && item.type === "message") messages.push({ role: "assistant", parts: parts(item.content) });
  }
  return messages.length ? JSON.stringify(messages) : null;
}
