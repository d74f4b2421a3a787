/**
 * Anthropic (docs/GATEWAY.md §1.1): `https://api.anthropic.com/v1/<endpoint>` with `x-api-key: <key>`
 * and `anthropic-version` (default 2023-06-01; `anthropic_version` / `x-portkey-anthropic-version`),
 * plus `anthropic-beta` when the target names betas. A `custom_host` replaces
 * `https://api.anthropic.com`, without `/v1`, as the Anthropic SDK's base URL does.
 *
 * `/v1/chat/completions` is translated to the Messages API (request.ts) and its answer back
 * (response.ts, through `UpstreamRequest.translate`); `/v1/messages` and `/v1/messages/count_tokens`
 * send the body as it is. Legacy completions and embeddings are refused: Anthropic serves neither.
 */
import { endpointNotSupported, invalidRequest, normalizeUpstreamError } from "../errors";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import type { BuildResult, Endpoint, GatewayErrorLike, ProviderAdapter, ProviderCredentials, TargetFieldValues } from "../types";
import { joinUrl, parseBaseUrl } from "../url";
import { anthropicInfo, DEFAULT_ANTHROPIC_VERSION } from "./info";
import { translateChatRequest } from "./request";
import { anthropicChatTranslator } from "./response";
import { withChanges } from "../../../object";

export { DEFAULT_ANTHROPIC_VERSION } from "./info";
export { DEFAULT_MAX_TOKENS, THINKING_BUDGETS, translateChatRequest } from "./request";
export { anthropicTokenUsage, AnthropicStreamTranslator } from "./response";

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

export type AnthropicCredentials = ProviderCredentials & {
  /** Sent as `anthropic-version` (DEFAULT_ANTHROPIC_VERSION when absent). */
  anthropicVersion?: string;
  /** Sent as `anthropic-beta`: comma-separated beta names. */
  anthropicBeta?: string;
};

const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);

function applyTargetKeys(creds: AnthropicCredentials, from: TargetFieldValues | undefined): void {
  if (from === undefined) return;
  const version = text(from.anthropic_version);
  const beta = text(from.anthropic_beta);
  if (version) creds.anthropicVersion = version;
  if (beta) creds.anthropicBeta = beta;
}

/** A virtual key holds the secret (and custom host) only; the direct-mode headers, then the target's own keys, set the version and betas. */
export function anthropicCredentials(
  apiKey: string,
  _key: unknown,
  target: TargetFieldValues,
  direct?: TargetFieldValues,
): AnthropicCredentials {
  const creds: AnthropicCredentials = { provider: anthropicInfo.id, apiKey };
  applyTargetKeys(creds, direct);
  applyTargetKeys(creds, target);
  return creds;
}

/** The comma-separated beta names, trimmed, empty items dropped ("a, b,," -> "a,b"). */
export function betaHeader(value: string): string {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .join(",");
}

/** `x-api-key`, `anthropic-version` and `anthropic-beta`, or a 400 naming the one that cannot be sent. */
function authHeaders(creds: AnthropicCredentials): { headers: Record<string, string> } | { error: GatewayErrorLike } {
  const keyProblem = checkHeaderValue(creds.apiKey, "Anthropic API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const version = creds.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION;
  const versionProblem = checkHeaderValue(version, "anthropic_version", "invalid_provider_option");
  if (versionProblem) return versionProblem;
  const headers: Record<string, string> = { "x-api-key": creds.apiKey, "anthropic-version": version };
  if (creds.anthropicBeta !== undefined) {
    const beta = betaHeader(creds.anthropicBeta);
    const betaProblem = checkHeaderValue(beta, "anthropic_beta", "invalid_provider_option");
    if (betaProblem) return betaProblem;
    headers["anthropic-beta"] = beta;
  }
  return { headers };
}

function baseOf(creds: AnthropicCredentials): { url: URL } | { error: GatewayErrorLike } {
  const base = parseBaseUrl(creds.customHost ?? ANTHROPIC_BASE_URL);
  return "problem" in base ? invalidRequest(`custom_host ${base.problem}`, "invalid_custom_host", "custom_host") : base;
}

export function buildAnthropicRequest(endpoint: Endpoint, body: Record<string, unknown>, creds: AnthropicCredentials): BuildResult {
  if (endpoint !== "chat/completions" && endpoint !== "messages" && endpoint !== "messages/count_tokens") {
    return endpointNotSupported(
      anthropicInfo.label,
      endpoint,
      "It serves /v1/chat/completions (translated to its Messages API) and /v1/messages.",
    );
  }
  const base = baseOf(creds);
  if ("error" in base) return base;
  const auth = authHeaders(creds);
  if ("error" in auth) return auth;

  if (endpoint === "chat/completions") {
    const translated = translateChatRequest(body);
    if ("error" in translated) return translated;
    const text = serializeBody(translated.body);
    if ("error" in text) return text;
    return {
      url: joinUrl(base.url, [], "v1/messages"),
      method: "POST",
      headers: withChanges(jsonHeaders(translated.body), auth.headers),
      body: text.text,
      translate: anthropicChatTranslator({ model: String(translated.body.model), includeUsage: translated.includeUsage }),
    };
  }
  // messages, messages/count_tokens: Anthropic's own bodies, sent as they are.
  const text = serializeBody(body);
  if ("error" in text) return text;
  const headers = endpoint === "messages" ? jsonHeaders(body) : { "content-type": "application/json", accept: "application/json" };
  return { url: joinUrl(base.url, [], `v1/${endpoint}`), method: "POST", headers: withChanges(headers, auth.headers), body: text.text };
}

export const anthropicAdapter = {
  id: anthropicInfo.id,
  info: anthropicInfo,
  // An Anthropic key is the secret and an optional custom host: no fields of its own.
  keyFields: { shape: {}, aliases: {}, read: () => ({}), issues: () => [] },
  credentials: anthropicCredentials,
  buildRequest: buildAnthropicRequest,
  defaultBaseUrl: () => ANTHROPIC_BASE_URL,
  // On /v1/messages the client's SDK sends the version its body is written for, and the betas it
  // uses: those reach Anthropic as sent (over the target's anthropic_version / anthropic_beta).
  clientHeaders: { wire: "anthropic", names: ["anthropic-version", "anthropic-beta"] },
  // Anthropic upstreams differ by custom host only.
  upstreamKey: () => "",
  // Anthropic's `{"type":"error","error":{"type","message"},"request_id"}` keeps its type
  // (overloaded_error...) and message; param and code are null. The status is kept (529 too).
  normalizeError: (status, bodyText) => normalizeUpstreamError(anthropicInfo.label, status, bodyText),
  // An Anthropic key reaches whatever models its organisation has: not known without asking.
  listModels: (_creds: AnthropicCredentials): string[] => [],
  // GET /v1/models answers Anthropic's list shape: {data: [{type: "model", id, display_name, created_at}], has_more, first_id, last_id}.
  modelsRequest: (creds) => {
    const auth = authHeaders(creds);
    const headers = "error" in auth ? { "x-api-key": creds.apiKey, "anthropic-version": DEFAULT_ANTHROPIC_VERSION } : auth.headers;
    return {
      url: `${(creds.customHost ?? ANTHROPIC_BASE_URL).replace(/\/+$/, "")}/v1/models`,
      method: "GET",
      headers: withChanges(headers, { accept: "application/json" }),
    };
  },
} satisfies ProviderAdapter<AnthropicCredentials>;
