/**
 * OpenAI (GATEWAY.md §1): `https://api.openai.com/v1/<endpoint>`, `Authorization: Bearer <key>`;
 * a `custom_host` replaces `https://api.openai.com/v1` (trailing slashes tolerated). The body is
 * sent as is.
 */
import { invalidRequest, normalizeUpstreamError } from "../errors";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import type { BuildResult, Endpoint, ProviderAdapter, ProviderCredentials } from "../types";
import { joinUrl, parseBaseUrl } from "../url";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export function buildOpenAiRequest(endpoint: Endpoint, body: Record<string, unknown>, creds: ProviderCredentials): BuildResult {
  const base = parseBaseUrl(creds.customHost ?? OPENAI_BASE_URL);
  if ("problem" in base) return invalidRequest(`custom_host ${base.problem}`, "invalid_custom_host", "custom_host");
  const keyProblem = checkHeaderValue(creds.apiKey, "OpenAI API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const headers: Record<string, string> = { ...jsonHeaders(body), authorization: `Bearer ${creds.apiKey}` };
  for (const [name, value, what] of [
    ["openai-organization", creds.organization, "OpenAI organization"],
    ["openai-project", creds.project, "OpenAI project"],
  ] as const) {
    if (value === undefined) continue;
    const problem = checkHeaderValue(value, what, "invalid_provider_option");
    if (problem) return problem;
    headers[name] = value;
  }
  const text = serializeBody(body);
  if ("error" in text) return text;
  return { url: joinUrl(base.url, [], endpoint), method: "POST", headers, body: text.text };
}

export const openAiAdapter: ProviderAdapter = {
  id: "openai",
  buildRequest: buildOpenAiRequest,
  defaultBaseUrl: () => OPENAI_BASE_URL,
  normalizeError: (status, bodyText) => normalizeUpstreamError("OpenAI", status, bodyText),
  // An OpenAI key reaches whatever models its account has: not known without asking OpenAI.
  listModels: () => [],
};
