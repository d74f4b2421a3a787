/**
 * OpenAI (docs/GATEWAY.md §1): `https://api.openai.com/v1/<endpoint>`, `Authorization: Bearer <key>`;
 * a `custom_host` replaces `https://api.openai.com/v1` (trailing slashes tolerated). The body is
 * sent as is. The calls on one stored response (`/responses/{id}`...) carry the id in the path,
 * their query as received, and no body.
 */
import { endpointNotSupported, invalidRequest, normalizeUpstreamError } from "../errors";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import { type BuildResult, type Endpoint, endpointPath, type ProviderAdapter, type ProviderCredentials, type ResourceCall } from "../types";
import { joinUrl, parseBaseUrl } from "../url";
import { openAiInfo } from "./info";
import { withChanges } from "../../../object";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export type OpenAiCredentials = ProviderCredentials & {
  /** Sent as `OpenAI-Organization`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. */
  project?: string;
};

/** The endpoints OpenAI serves (Anthropic's are refused: a config sends those to Anthropic targets). */
export const OPENAI_ENDPOINTS: ReadonlySet<Endpoint> = new Set([
  "chat/completions",
  "completions",
  "embeddings",
  "responses",
  "responses/input_tokens",
  "responses/{id}",
  "responses/{id}/cancel",
  "responses/{id}/input_items",
]);

/**
 * The headers and body of a call on one stored response: `accept` says SSE when the query asks to
 * stream (a resumed background stream), and there is no body (cancel takes none).
 */
export function resourceCallParts(call: ResourceCall): { headers: Record<string, string>; method: ResourceCall["method"] } {
  return {
    headers: {
      accept: call.query.some(([name, value]) => name === "stream" && value === "true") ? "text/event-stream" : "application/json",
    },
    method: call.method,
  };
}

export function buildOpenAiRequest(
  endpoint: Endpoint,
  body: Record<string, unknown>,
  creds: OpenAiCredentials,
  call?: ResourceCall,
): BuildResult {
  if (!OPENAI_ENDPOINTS.has(endpoint)) return endpointNotSupported(openAiInfo.label, endpoint);
  const base = parseBaseUrl(creds.customHost ?? OPENAI_BASE_URL);
  if ("problem" in base) return invalidRequest(`custom_host ${base.problem}`, "invalid_custom_host", "custom_host");
  const keyProblem = checkHeaderValue(creds.apiKey, "OpenAI API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const parts = call ? resourceCallParts(call) : null;
  const headers: Record<string, string> = withChanges(parts ? parts.headers : jsonHeaders(body), {
    authorization: `Bearer ${creds.apiKey}`,
  });
  for (const [name, value, what] of [
    ["openai-organization", creds.organization, "OpenAI organization"],
    ["openai-project", creds.project, "OpenAI project"],
  ] as const) {
    if (value === undefined) continue;
    const problem = checkHeaderValue(value, what, "invalid_provider_option");
    if (problem) return problem;
    headers[name] = value;
  }
  if (call) return { url: joinUrl(base.url, [], endpointPath(endpoint, call), call.query), method: call.method, headers };
  const text = serializeBody(body);
  if ("error" in text) return text;
  return { url: joinUrl(base.url, [], endpoint), method: "POST", headers, body: text.text };
}

export const openAiAdapter = {
  id: openAiInfo.id,
  info: openAiInfo,
  // An OpenAI key is the secret and an optional custom host: no fields of its own.
  keyFields: { shape: {}, aliases: {}, read: () => ({}), issues: () => [] },
  credentials: (apiKey) => ({ provider: openAiInfo.id, apiKey }),
  buildRequest: buildOpenAiRequest,
  defaultBaseUrl: () => OPENAI_BASE_URL,
  // OpenAI upstreams differ by custom host only; the two empty fields keep the circuit ids of the
  // days when every target's id hashed a resource name and a deployment.
  upstreamKey: () => "\0",
  normalizeError: (status, bodyText) => normalizeUpstreamError(openAiInfo.label, status, bodyText),
  // An OpenAI key reaches whatever models its account has: not known without asking OpenAI.
  listModels: (_creds: OpenAiCredentials): string[] => [],
  modelsRequest: (creds) => ({
    url: `${(creds.customHost ?? OPENAI_BASE_URL).replace(/\/+$/, "")}/models`,
    method: "GET",
    headers: { authorization: `Bearer ${creds.apiKey}`, accept: "application/json" },
  }),
} satisfies ProviderAdapter<OpenAiCredentials>;
