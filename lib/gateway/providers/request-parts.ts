/** Pieces every adapter's request shares: the JSON body, the content headers, header-safe credentials. */
import { type BuildErrorCode, invalidRequest } from "./errors";
import type { GatewayErrorLike } from "./types";

/** `content-type` and `accept` (SSE when the body asks to stream). */
export function jsonHeaders(body: Record<string, unknown>): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: body.stream === true ? "text/event-stream" : "application/json",
  };
}

/** The body as JSON text, or a 400 when it cannot be serialised (a BigInt, a cycle). */
export function serializeBody(body: Record<string, unknown>): { text: string } | { error: GatewayErrorLike } {
  try {
    return { text: JSON.stringify(body) };
  } catch {
    return invalidRequest("the request body cannot be serialised as JSON", "invalid_body");
  }
}

// Printable ASCII only: fetch rejects CR, LF, NUL and non-Latin-1 characters in header values.
const HEADER_SAFE = /^[\x20-\x7e]+$/;

/**
 * A 400 when a credential sent as a header is missing or cannot be sent. The message names the
 * field, never its value.
 */
export function checkHeaderValue(value: string | undefined, what: string, code: BuildErrorCode): { error: GatewayErrorLike } | undefined {
  if (value === undefined || value.trim() === "") return invalidRequest(`no ${what} was given for this target`, code);
  if (!HEADER_SAFE.test(value)) {
    return invalidRequest(`the ${what} contains characters that cannot be sent in an HTTP header`, code);
  }
  return undefined;
}
