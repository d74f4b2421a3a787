/**
 * Errors of the provider layer: refusals built before any upstream call, and upstream error
 * answers mapped to OpenAI's `{error:{message,type,param,code}}` (docs/GATEWAY.md §6).
 */
import type { NormalizedError, OpenAiErrorBody } from "./types";
import { type CodeWithStatus, DetourError } from "../../errors";
import { isRecord } from "../../is-record";

/** Longest upstream text quoted in a normalised message. */
export const MAX_QUOTED_BODY_CHARS = 500;

/** The codes of a refused build: each may be answered with 400. */
export type BuildErrorCode = CodeWithStatus<400>;

/** A 400 Detour answers itself (bad target or credentials), with a stable machine-readable code. */
export function invalidRequest(message: string, code: BuildErrorCode, param: string | null = null): { error: DetourError } {
  return { error: new DetourError(code, message, { status: 400, param }) };
}

/** The 400 for an endpoint the target's provider does not serve: names both (docs/GATEWAY.md §1). */
export function endpointNotSupported(providerLabel: string, endpoint: string, detail?: string): { error: DetourError } {
  const more = detail ? ` ${detail}` : "";
  return invalidRequest(`${providerLabel} does not serve /v1/${endpoint}.${more}`, "endpoint_not_supported");
}

function stringOrNull(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** Whitespace collapsed, cut at `max` characters with a marker. */
export function truncateText(text: string, max = MAX_QUOTED_BODY_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max)}... (truncated, ${flat.length} characters)`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The error fields found in a parsed body, or undefined when it holds none. Handles OpenAI's
 * shape, Azure's `{"error":{"code":"404","message":...}}` (no type/param), `{"error":"text"}`
 * and Azure API Management's top-level `{"statusCode":401,"message":...}`.
 */
function readErrorFields(parsed: unknown): OpenAiErrorBody["error"] | undefined {
  if (!isRecord(parsed)) return undefined;
  const inner = parsed.error;
  if (typeof inner === "string" && inner.trim()) return { message: inner, type: null, param: null, code: null };
  if (isRecord(inner)) {
    const message = stringOrNull(inner.message);
    const code = stringOrNull(inner.code);
    if (message === null && code === null) return undefined;
    return {
      message: message ?? `error code ${code}`,
      type: stringOrNull(inner.type),
      param: stringOrNull(inner.param),
      code,
    };
  }
  const message = stringOrNull(parsed.message);
  if (message === null) return undefined;
  return { message, type: stringOrNull(parsed.type), param: null, code: stringOrNull(parsed.code) };
}

/**
 * An upstream error answer in OpenAI's shape. The status is kept as is; fields the provider did
 * not send are null (Azure sends no `type`); a body that is not a recognisable error (HTML,
 * plain text, empty) becomes a message quoting it, truncated to MAX_QUOTED_BODY_CHARS.
 */
export function normalizeUpstreamError(providerLabel: string, status: number, bodyText: string): NormalizedError {
  const fields = readErrorFields(parseJson(bodyText));
  if (fields) return { status, body: { error: fields } };
  const quoted = truncateText(bodyText);
  const message = quoted
    ? `${providerLabel} returned HTTP ${status}: ${quoted}`
    : `${providerLabel} returned HTTP ${status} with an empty body`;
  return { status, body: { error: { message, type: null, param: null, code: null } } };
}
