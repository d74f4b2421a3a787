// Request bodies: JSON parsing, OpenAI-style validation, and the deterministic "generation".
import { OPENAI_BAD_JSON, openAiError } from "./errors";
import { answerText, tokenCount, type Generation } from "./formats";
import type { ApiPath, Provider } from "./types";
import { isRecord } from "../../lib/is-record";

export interface ParsedBody {
  body: Record<string, unknown>;
  model?: string;
  stream: boolean;
  includeUsage: boolean;
  /** `stream_options.include_obfuscation` is not false (OpenAI's default). */
  includeObfuscation: boolean;
}

export type ParseResult = { ok: true; value: ParsedBody } | { ok: false; status: number; body: string };

const fail = (body: string, status = 400): ParseResult => ({ ok: false, status, body });

function missing(param: string): ParseResult {
  return fail(openAiError(`Missing required parameter: '${param}'.`, "invalid_request_error", "missing_required_parameter", param));
}

/** `azureV1`: Azure's v1 API, which (like OpenAI) needs `model`: it names the deployment. */
export function parseRequestBody(raw: Buffer, provider: Provider, path: ApiPath, azureV1 = false): ParseResult {
  if (path === "models") return { ok: true, value: { body: {}, stream: false, includeUsage: false, includeObfuscation: false } };
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return fail(OPENAI_BAD_JSON);
  }
  if (!isRecord(body)) return fail(OPENAI_BAD_JSON);

  const model = typeof body.model === "string" && body.model !== "" ? body.model : undefined;
  // Azure's dated paths take the model from the deployment; OpenAI, the compatible providers and
  // Azure's v1 API require it.
  if ((provider !== "azure" || azureV1) && model === undefined) {
    return fail(openAiError("you must provide a model parameter", "invalid_request_error"));
  }
  if (path === "chat/completions") {
    if (body.messages === undefined) return missing("messages");
    if (!Array.isArray(body.messages)) {
      return fail(
        openAiError("Invalid type for 'messages': expected an array of objects.", "invalid_request_error", "invalid_type", "messages"),
      );
    }
    if (body.messages.length === 0) {
      return fail(
        openAiError(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
          "invalid_request_error",
          "empty_array",
          "messages",
        ),
      );
    }
  }
  if (path === "embeddings" && body.input === undefined) return missing("input");

  const stream = path !== "embeddings" && body.stream === true;
  const opts = body.stream_options;
  const includeUsage = stream && isRecord(opts) && opts.include_usage === true;
  const includeObfuscation = stream && !(isRecord(opts) && opts.include_obfuscation === false);
  return { ok: true, value: { body, model, stream, includeUsage, includeObfuscation } };
}

/** Text of a chat message's content: a string or an array of `{type:"text", text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let s = "";
  for (const part of content) if (isRecord(part) && typeof part.text === "string") s += part.text;
  return s;
}

export function chatGeneration(provider: Provider, key: string, body: Record<string, unknown>): Generation {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  let chars = 0;
  let lastUser = "";
  for (const m of messages) {
    if (!isRecord(m)) continue;
    const text = contentText(m.content);
    chars += text.length;
    if (m.role === "user") lastUser = text;
  }
  return limitOutput({ texts: [answerText(provider, key, lastUser)], promptTokens: Math.max(1, tokenCount(chars)) }, body);
}

/**
 * The request's output limit (`max_completion_tokens`, else `max_tokens`), as OpenAI applies it:
 * each text cut to that many tokens (4 characters each here), `finish_reason: "length"`.
 */
function limitOutput(gen: Generation, body: Record<string, unknown>): Generation {
  const limit = [body.max_completion_tokens, body.max_tokens].find((v) => typeof v === "number" && Number.isInteger(v) && v > 0) as
    | number
    | undefined;
  if (limit === undefined || gen.texts.every((t) => tokenCount(t.length) <= limit)) return gen;
  const cut = (t: string) => t.slice(0, limit * 4).replace(/[\uD800-\uDBFF]$/, ""); // never a lone high surrogate
  return { ...gen, texts: gen.texts.map(cut), finish: "length" };
}

/** Prompts or embedding inputs as strings (token arrays are stringified; their token count is their length). */
function textInputs(v: unknown): { texts: string[]; tokens: number } {
  const items: unknown[] = Array.isArray(v) && v.length > 0 && typeof v[0] !== "number" ? v : [v ?? ""];
  const texts: string[] = [];
  let tokens = 0;
  for (const item of items) {
    if (typeof item === "string") {
      texts.push(item);
      tokens += tokenCount(item.length);
    } else if (Array.isArray(item)) {
      texts.push(item.join(" "));
      tokens += item.length;
    } else {
      const s = JSON.stringify(item) ?? "";
      texts.push(s);
      tokens += tokenCount(s.length);
    }
  }
  return { texts, tokens: Math.max(1, tokens) };
}

export function completionGeneration(provider: Provider, key: string, body: Record<string, unknown>): Generation {
  const { texts, tokens } = textInputs(body.prompt);
  return limitOutput({ texts: texts.map((p) => answerText(provider, key, p)), promptTokens: tokens }, body);
}

export function embeddingInputs(body: Record<string, unknown>): { inputs: string[]; promptTokens: number; dims: number; base64: boolean } {
  const { texts, tokens } = textInputs(body.input);
  const d = body.dimensions;
  const dims = typeof d === "number" && Number.isInteger(d) && d > 0 && d <= 4096 ? d : 8;
  return { inputs: texts, promptTokens: tokens, dims, base64: body.encoding_format === "base64" };
}
