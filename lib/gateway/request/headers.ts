/**
 * The request headers of docs/GATEWAY.md §2, parsed once. Bad values are 400s that name the header.
 *
 * Header values are UTF-8 text: Node hands them over as latin1 (one character per byte, the same on
 * scripts/server.ts through @hono/node-server and in `next dev` route files), so every x-portkey-*
 * value read here is decoded as UTF-8 when its bytes are valid UTF-8 (`{"user":"Zoë 🚀"}`), and kept
 * as it came otherwise. A value sent back as a header (the trace id) goes through `toHeaderValue`.
 */
import { randomUUID } from "node:crypto";
import { DetourError } from "../../errors";
import { PROVIDER_DIRECT_HEADERS } from "../providers/catalog";
import { isReservedMetadataKey, RESERVED_METADATA_KEYS } from "./metadata-keys";

export type DirectProvider = {
  provider: string;
  apiKey: string | null;
  /** The providers' own direct-mode headers that were sent (`x-portkey-azure-resource-name`...), by target key. */
  fields?: Record<string, string>;
};

export type RequestContext = {
  traceId: string;
  metadata: Record<string, string> | null;
  /** `x-portkey-config`: a saved config id, or inline JSON text. */
  config: { kind: "id"; slug: string } | { kind: "inline"; text: string } | null;
  virtualKey: string | null;
  direct: DirectProvider | null;
  requestTimeoutMs: number | null;
  customHost: string | null;
  cacheForceRefresh: boolean;
};

const MAX_TRACE_ID = 256;
const MAX_METADATA_BYTES = 8 * 1024;

export function parseRequestContext(headers: Headers): RequestContext {
  const traceHeader = textHeader(headers, "x-portkey-trace-id");
  if (traceHeader && traceHeader.length > MAX_TRACE_ID) {
    throw new DetourError("invalid_trace_id", `x-portkey-trace-id is longer than ${MAX_TRACE_ID} characters.`);
  }
  const configHeader = textHeader(headers, "x-portkey-config");
  let config: RequestContext["config"] = null;
  if (configHeader) config = isJsonText(configHeader) ? { kind: "inline", text: configHeader } : { kind: "id", slug: configHeader };

  const providerHeader = textHeader(headers, "x-portkey-provider");
  let direct: DirectProvider | null = null;
  if (providerHeader) {
    // The provider key: Authorization: Bearer (OpenAI's SDKs), else x-api-key (Anthropic's).
    const auth = headers.get("authorization")?.trim() ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() || headers.get("x-api-key")?.trim() || null;
    direct = { provider: providerHeader, apiKey: bearer };
    for (const [name, key] of PROVIDER_DIRECT_HEADERS) {
      const value = textHeader(headers, name);
      if (!value) continue;
      direct.fields ??= {};
      direct.fields[key] = value;
    }
  }

  return {
    traceId: traceHeader || randomUUID(),
    metadata: parseMetadata(headers.get("x-portkey-metadata")),
    config,
    virtualKey: textHeader(headers, "x-portkey-virtual-key"),
    direct,
    requestTimeoutMs: parseTimeout(headers.get("x-portkey-request-timeout")),
    customHost: textHeader(headers, "x-portkey-custom-host"),
    cacheForceRefresh: headers.has("x-portkey-cache-force-refresh"),
  };
}

/** A header's value as UTF-8 text, trimmed; null when absent or blank. */
function textHeader(headers: Headers, name: string): string | null {
  const raw = headers.get(name);
  return raw === null ? null : decodeHeaderValue(raw).trim() || null;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a range from U+0000: any character outside ASCII
const NON_ASCII = /[^\u0000-\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a range from U+0000: any character outside Latin-1
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A header value as Node delivers it (latin1: one character per byte) decoded as UTF-8 when its
 * bytes are valid UTF-8; otherwise (a real latin1 byte such as a lone 0xE9) unchanged. ASCII, the
 * common case, is returned at once.
 */
export function decodeHeaderValue(raw: string): string {
  if (!NON_ASCII.test(raw) || BEYOND_LATIN1.test(raw)) return raw;
  try {
    return utf8.decode(Uint8Array.from(raw, (char) => char.charCodeAt(0)));
  } catch {
    return raw;
  }
}

/** Text to send as a header value: its UTF-8 bytes, one character each (what Headers and Node accept). */
export function toHeaderValue(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  let out = "";
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}

/**
 * Whether an x-portkey-config value is JSON (an inline config, valid or not) rather than a saved
 * config's id (`pc-...`): an object or array, or any other JSON value (a number, `null`, a quoted
 * string), which is an invalid config (400), not an unknown id (404). Only values that can start
 * JSON are parsed, so a config id costs no exception.
 */
export function isJsonText(text: string): boolean {
  const first = text[0] ?? "";
  if (first === "{" || first === "[") return true;
  if (!/^["\-0-9tfn]/.test(first)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseMetadata(header: string | null): Record<string, string> | null {
  if (!header?.trim()) return null;
  // The limit counts bytes: Node's latin1 string has one character per byte.
  if (header.length > MAX_METADATA_BYTES)
    throw new DetourError("invalid_metadata", `x-portkey-metadata is larger than ${MAX_METADATA_BYTES} bytes.`);
  const raw = decodeHeaderValue(header);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DetourError("invalid_metadata", "x-portkey-metadata must be a JSON object of string values; it is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DetourError("invalid_metadata", "x-portkey-metadata must be a JSON object of string values.");
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (isReservedMetadataKey(key)) {
      throw new DetourError(
        "invalid_metadata",
        `x-portkey-metadata key ${JSON.stringify(key)} is not allowed (reserved: ${RESERVED_METADATA_KEYS.join(", ")}).`,
      );
    }
    if (typeof value !== "string") {
      throw new DetourError(
        "invalid_metadata",
        `x-portkey-metadata.${key} must be a string (got ${value === null ? "null" : typeof value}).`,
      );
    }
    out[key] = value;
  }
  return out;
}

function parseTimeout(raw: string | null): number | null {
  if (raw === null || raw.trim() === "") return null;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 10 * 60 * 1000) {
    throw new DetourError(
      "invalid_request_timeout",
      `x-portkey-request-timeout must be a whole number of milliseconds from 1 to 600000 (got ${JSON.stringify(raw.slice(0, 40))}).`,
    );
  }
  return ms;
}
