/**
 * The adapter shared by the providers whose API is OpenAI's shape (docs/GATEWAY.md §1): the body is
 * sent as is to `<base>/<endpoint>` with `Authorization: Bearer <key>`, where the base is the
 * target's `custom_host`, else the provider's default base URL (a provider without one refuses a
 * target without `custom_host`). What differs between them is data: which of Detour's endpoints the
 * provider serves (the others are refused with 400 `endpoint_not_supported` before any upstream
 * call), where it lists its models, and the shape of its error bodies (./errors.ts).
 */
import { endpointNotSupported, invalidRequest } from "../errors";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import type { BuildResult, Endpoint, KeyFields, ProviderAdapter, ProviderCredentials, ProviderId, UpstreamRequest } from "../types";
import { joinUrl, parseBaseUrl } from "../url";
import { customHostRequiredMessage, type CompatInfo } from "./define-info";
import { normalizeCompatError, type ErrorReader } from "./errors";
import { withChanges } from "../../../object";

/** The OpenAI-format endpoints a compatible provider may serve (Anthropic's never). */
export type CompatEndpoint = Extract<Endpoint, "chat/completions" | "completions" | "embeddings">;

export type CompatAdapterSpec<Id extends ProviderId> = {
  info: CompatInfo<Id>;
  /** The endpoints it serves; every other one is refused. */
  endpoints: readonly CompatEndpoint[];
  /** Said after "<label> does not serve /v1/<endpoint>." for a refused endpoint (where the feature lives instead). */
  refusals?: Partial<Record<Endpoint, string>>;
  /** `GET /v1/models`: the path below the base that lists the models, or null when the provider has no such list. */
  modelsPath: string | null;
  /** Its own error body shape, when it is not OpenAI's. */
  readError?: ErrorReader;
};

/** Bearer key, body as is: the request every compatible provider takes, or a 400. */
function buildCompatRequest<Id extends ProviderId>(
  spec: CompatAdapterSpec<Id>,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  creds: ProviderCredentials,
): BuildResult {
  const { info } = spec;
  if (!(spec.endpoints as readonly Endpoint[]).includes(endpoint))
    return endpointNotSupported(info.label, endpoint, spec.refusals?.[endpoint]);
  const where = creds.customHost ?? info.baseUrl;
  if (where === undefined) {
    return invalidRequest(`custom_host ${customHostRequiredMessage(info.id, info.hostExample)}`, "missing_custom_host", "custom_host");
  }
  const base = parseBaseUrl(where);
  if ("problem" in base) return invalidRequest(`custom_host ${base.problem}`, "invalid_custom_host", "custom_host");
  const keyProblem = checkHeaderValue(creds.apiKey, `${info.label} API key`, "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const text = serializeBody(body);
  if ("error" in text) return text;
  return {
    url: joinUrl(base.url, [], endpoint),
    method: "POST",
    headers: withChanges(jsonHeaders(body), { authorization: `Bearer ${creds.apiKey}` }),
    body: text.text,
  };
}

/**
 * `GET <base>/<modelsPath>` with the key. Without any host (a provider with no default and a target
 * with no custom host, which the config and key rules refuse) the URL is empty: the upstream call
 * then fails and `GET /v1/models` lists nothing for this target.
 */
function modelsRequest(base: string | undefined, path: string, apiKey: string): UpstreamRequest {
  const parsed = base === undefined ? undefined : parseBaseUrl(base);
  const url = parsed && "url" in parsed ? joinUrl(parsed.url, [], path) : "";
  return { url, method: "GET", headers: { authorization: `Bearer ${apiKey}`, accept: "application/json" } };
}

/** The virtual-key rules: secret plus custom host, the host required when the provider has no default. */
function compatKeyFields(info: CompatInfo): KeyFields {
  return {
    shape: {},
    aliases: {},
    read: () => ({}),
    issues: (key) =>
      info.baseUrl === undefined && key.provider === info.id && !key.customHost
        ? [{ path: ["custom_host"], message: customHostRequiredMessage(info.id, info.hostExample) }]
        : [],
  };
}

export function defineCompatAdapter<Id extends ProviderId>(spec: CompatAdapterSpec<Id>) {
  const { info, modelsPath } = spec;
  const adapter: ProviderAdapter & { id: Id } = {
    id: info.id,
    info,
    keyFields: compatKeyFields(info),
    credentials: (apiKey) => ({ provider: info.id, apiKey }),
    buildRequest: (endpoint, body, creds) => buildCompatRequest(spec, endpoint, body, creds),
    defaultBaseUrl: () => info.baseUrl,
    // Upstreams of one provider differ by custom host only (the caller's part of a circuit id).
    upstreamKey: () => "\0",
    normalizeError: (status, bodyText) => normalizeCompatError(info.label, status, bodyText, spec.readError),
    // A key reaches whatever models its account has: not known without asking the provider.
    listModels: () => [],
  };
  if (modelsPath !== null) adapter.modelsRequest = (creds) => modelsRequest(creds.customHost ?? info.baseUrl, modelsPath, creds.apiKey);
  return adapter;
}
