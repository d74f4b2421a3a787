/**
 * The error bodies of the OpenAI-compatible providers, read into OpenAI's
 * `{error:{message,type,param,code}}` (docs/GATEWAY.md §1 and §6). Most of them answer with
 * OpenAI's own shape, which `normalizeUpstreamError` already reads; a provider with a shape of its
 * own gives a reader here, tried first. A reader returns undefined for a body it does not
 * recognise, and the generic reading (then a quote of the text) takes over.
 */
import { isRecord } from "../../../is-record";
import { normalizeUpstreamError, truncateText } from "../errors";
import type { NormalizedError, OpenAiErrorBody } from "../types";

type ErrorFields = OpenAiErrorBody["error"];

/** A provider's own error shape, from the parsed body (any JSON value), or undefined when it is not that shape. */
export type ErrorReader = (parsed: unknown) => ErrorFields | undefined;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** A message that may be structured (Mistral's 422 validation errors carry `{detail: [...]}`): JSON text, bounded. */
function messageText(value: unknown): string | null {
  const plain = text(value);
  if (plain !== null) return plain;
  if (value === null || value === undefined) return null;
  return truncateText(JSON.stringify(value));
}

/** The upstream error in OpenAI's shape: the provider's own reader first, then the generic one (status kept). */
export function normalizeCompatError(label: string, status: number, bodyText: string, reader?: ErrorReader): NormalizedError {
  const own = reader?.(parseJson(bodyText));
  if (own) return { status, body: { error: own } };
  return normalizeUpstreamError(label, status, bodyText);
}

/**
 * Mistral: a top-level `{"object":"error","message":...,"type":...,"param":...,"code":...}` (its
 * 422 validation errors put an object in `message`), and `{"message":"Unauthorized","request_id":...}`
 * from its gateway on a bad key.
 */
export const readMistralError: ErrorReader = (parsed) => {
  if (!isRecord(parsed) || parsed.error !== undefined) return undefined;
  const message = messageText(parsed.message);
  if (message === null) return undefined;
  return { message, type: text(parsed.type), param: text(parsed.param), code: text(parsed.code) };
};

/**
 * Google's Gemini API, also on its OpenAI-compatible endpoint: `{"error":{"code":400,"message":...,
 * "status":"INVALID_ARGUMENT"}}`, at times wrapped in an array of one. `status` (the canonical
 * error name) becomes `code`; the numeric code repeats the HTTP status and is used only without it.
 */
export const readGoogleError: ErrorReader = (parsed) => {
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isRecord(first) || !isRecord(first.error)) return undefined;
  const inner = first.error;
  const message = messageText(inner.message);
  if (message === null || (inner.status === undefined && typeof inner.code !== "number")) return undefined;
  return { message, type: null, param: null, code: text(inner.status) ?? text(inner.code) };
};

/**
 * OpenRouter: `{"error":{"code":429,"message":...,"metadata":{...}}}`; when an underlying provider
 * failed, `metadata.provider_name` names it, and the message says so.
 */
export const readOpenRouterError: ErrorReader = (parsed) => {
  if (!isRecord(parsed) || !isRecord(parsed.error)) return undefined;
  const inner = parsed.error;
  const message = messageText(inner.message);
  if (message === null) return undefined;
  const metadata = isRecord(inner.metadata) ? inner.metadata : {};
  const provider = text(metadata.provider_name);
  return {
    message: provider ? `${message} (provider: ${provider})` : message,
    type: text(inner.type),
    param: null,
    code: text(inner.code),
  };
};

/** xAI: `{"code":"Client specified an invalid argument","error":"Incorrect API key provided: ..."}`. */
export const readXaiError: ErrorReader = (parsed) => {
  if (!isRecord(parsed) || typeof parsed.error !== "string" || parsed.error.trim() === "") return undefined;
  return { message: parsed.error, type: null, param: null, code: text(parsed.code) };
};
