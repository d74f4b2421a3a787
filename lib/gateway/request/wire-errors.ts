/**
 * Error bodies in the client's wire (docs/GATEWAY.md §6). Detour builds every error in OpenAI's
 * shape (`{error:{message,type,param,code}}`); a client of Anthropic's Messages API
 * (`/v1/messages`) gets Anthropic's shape instead, `{"type":"error","error":{"type","message"}}`,
 * so its SDK reads the message and the error class as it does from Anthropic itself. An upstream
 * Anthropic error on that wire is relayed as Anthropic sent it.
 */
import { isRecord } from "../../is-record";
import type { OpenAiErrorBody, Wire } from "../providers/types";

/** Anthropic's error types by HTTP status (https://docs.anthropic.com/en/api/errors). */
const ANTHROPIC_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const ANTHROPIC_TYPE_NAMES = new Set(Object.values(ANTHROPIC_TYPES));

export function anthropicErrorType(status: number): string {
  return ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** An OpenAI-shaped error as Anthropic's: the type by status unless the body already names an Anthropic type. */
export function toAnthropicError(status: number, body: OpenAiErrorBody): { type: "error"; error: { type: string; message: string } } {
  const type = body.error.type && ANTHROPIC_TYPE_NAMES.has(body.error.type) ? body.error.type : anthropicErrorType(status);
  return { type: "error", error: { type, message: body.error.message } };
}

/**
 * The text of an error answer in `wire`. `raw` is the upstream's own body (redacted): relayed as
 * it is when it is already an Anthropic error and the client speaks Anthropic's wire.
 */
export function errorText(wire: Wire, status: number, body: OpenAiErrorBody, raw?: string): string {
  // OpenAI's chat and Responses APIs share one error shape.
  if (wire !== "anthropic") return JSON.stringify(body);
  if (raw !== undefined && isAnthropicError(raw)) return raw;
  return JSON.stringify(toAnthropicError(status, body));
}

function isAnthropicError(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && value.type === "error" && isRecord(value.error) && typeof value.error.message === "string";
  } catch {
    return false;
  }
}
