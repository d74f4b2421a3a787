/**
 * The request headers of GATEWAY.md §2, parsed once. Bad values are 400s that name the header.
 */
import { randomUUID } from "node:crypto";
import { badRequest } from "./errors";

export type DirectProvider = {
  provider: string;
  apiKey: string | null;
  resourceName?: string;
  deploymentId?: string;
  apiVersion?: string;
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
  const traceHeader = headers.get("x-portkey-trace-id")?.trim();
  if (traceHeader && traceHeader.length > MAX_TRACE_ID) {
    throw badRequest("invalid_trace_id", `x-portkey-trace-id is longer than ${MAX_TRACE_ID} characters.`);
  }
  const configHeader = headers.get("x-portkey-config")?.trim() || null;
  let config: RequestContext["config"] = null;
  if (configHeader) config = configHeader.startsWith("{") ? { kind: "inline", text: configHeader } : { kind: "id", slug: configHeader };

  const providerHeader = headers.get("x-portkey-provider")?.trim() || null;
  let direct: DirectProvider | null = null;
  if (providerHeader) {
    const auth = headers.get("authorization")?.trim() ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? null;
    direct = { provider: providerHeader, apiKey: bearer };
    const resource = headers.get("x-portkey-azure-resource-name")?.trim();
    const deployment = headers.get("x-portkey-azure-deployment-id")?.trim();
    const apiVersion = headers.get("x-portkey-azure-api-version")?.trim();
    if (resource) direct.resourceName = resource;
    if (deployment) direct.deploymentId = deployment;
    if (apiVersion) direct.apiVersion = apiVersion;
  }

  return {
    traceId: traceHeader || randomUUID(),
    metadata: parseMetadata(headers.get("x-portkey-metadata")),
    config,
    virtualKey: headers.get("x-portkey-virtual-key")?.trim() || null,
    direct,
    requestTimeoutMs: parseTimeout(headers.get("x-portkey-request-timeout")),
    customHost: headers.get("x-portkey-custom-host")?.trim() || null,
    cacheForceRefresh: headers.has("x-portkey-cache-force-refresh"),
  };
}

function parseMetadata(raw: string | null): Record<string, string> | null {
  if (!raw || !raw.trim()) return null;
  if (raw.length > MAX_METADATA_BYTES) throw badRequest("invalid_metadata", `x-portkey-metadata is larger than ${MAX_METADATA_BYTES} bytes.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest("invalid_metadata", "x-portkey-metadata must be a JSON object of string values; it is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("invalid_metadata", "x-portkey-metadata must be a JSON object of string values.");
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      throw badRequest("invalid_metadata", `x-portkey-metadata.${key} must be a string (got ${value === null ? "null" : typeof value}).`);
    }
    out[key] = value;
  }
  return out;
}

function parseTimeout(raw: string | null): number | null {
  if (raw === null || raw.trim() === "") return null;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 10 * 60 * 1000) {
    throw badRequest("invalid_request_timeout", `x-portkey-request-timeout must be a whole number of milliseconds from 1 to 600000 (got ${JSON.stringify(raw.slice(0, 40))}).`);
  }
  return ms;
}
