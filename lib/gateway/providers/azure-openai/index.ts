/**
 * Azure OpenAI (docs/GATEWAY.md §1.1), in the two forms Azure serves:
 *
 * - dated: `https://{host}/openai/deployments/{deployment}/{endpoint}?api-version={YYYY-MM-DD[-preview]}`,
 *   the OpenAI body reused as is (`model` stays in it; Azure answers with the deployment's model);
 * - v1 (api-version `v1` or `preview`, or a custom host ending in `/openai/v1`):
 *   `https://{host}/openai/v1/{endpoint}` with the chosen deployment's name as the body's `model`,
 *   no api-version query (`?api-version=preview` for `preview`). v1 is OpenAI's own request shape,
 *   so the deployment travels where OpenAI puts the model.
 *
 * Both with `api-key: <key>` (the v1 API takes `Authorization: Bearer` too; `api-key` keeps one
 * auth header for both forms and one header name to redact). `{host}` is the resource's
 * (`{name}.openai.azure.com`, or the Azure AI Foundry host `{name}.services.ai.azure.com` given in
 * full as resource_name: forms.ts); a `custom_host` replaces `https://{host}/openai`, or is the v1
 * base itself when it ends in `/openai/v1`. The deployment is chosen the same way in both forms
 * (deployments.ts); only where it goes differs.
 *
 * The Responses API: v1 `https://{host}/openai/v1/responses...`; dated `https://{host}/openai/responses...?api-version=`
 * (not below a deployment: the body's `model` names the deployment in both forms). The dated form serves
 * it from api-version 2025-03-01-preview on: an older or non-preview version is replaced by
 * `AZURE_RESPONSES_API_VERSION`. The calls on one stored response need no deployment.
 */
import { endpointNotSupported, invalidRequest, normalizeUpstreamError } from "../errors";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import { OPENAI_ENDPOINTS, resourceCallParts } from "../openai";
import {
  type BuildResult,
  type Endpoint,
  endpointPath,
  type GatewayErrorLike,
  type ProviderAdapter,
  RESPONSES_ENDPOINTS,
  type ResourceCall,
} from "../types";
import { isUnsafeSegment, joinUrl, parseBaseUrl } from "../url";
import { azureCredentials, type AzureCredentials } from "./credentials";
import { chooseAzureDeployment, deploymentModelName } from "./deployments";
import {
  AZURE_V1,
  AZURE_V1_PREVIEW,
  azureResourceHost,
  canonicalApiVersion,
  DEFAULT_AZURE_API_VERSION,
  isAzureV1BaseUrl,
  isAzureV1Version,
  RESOURCE_NAME_FORMS,
} from "./forms";
import { apiVersionConflict, azureOpenAiInfo } from "./info";
import { azureKeyFields } from "./key-fields";
import { withChanges } from "../../../object";

export { DEFAULT_AZURE_API_VERSION, chooseAzureDeployment, deploymentModelName } from "./deployments";
export type { AzureCredentials } from "./credentials";

type AzureBase = { url: URL /** The base is already Azure's v1 base URL (a custom host ending in /openai/v1). */; v1: boolean };

/** The base URL: `custom_host` when given, else the resource's endpoint; or a 400. */
function azureBase(creds: AzureCredentials): AzureBase | { error: GatewayErrorLike } {
  if (creds.customHost !== undefined) {
    const parsed = parseBaseUrl(creds.customHost);
    if ("problem" in parsed) return invalidRequest(`custom_host ${parsed.problem}`, "invalid_custom_host", "custom_host");
    return { url: parsed.url, v1: isAzureV1BaseUrl(parsed.url.href) };
  }
  const resource = creds.resourceName?.trim();
  if (!resource) {
    return invalidRequest(
      "an Azure OpenAI target needs resource_name (https://{resource_name}.openai.azure.com) or custom_host",
      "missing_resource_name",
      "resource_name",
    );
  }
  const base = azureResourceBaseUrl(resource);
  const parsed = base === undefined ? undefined : parseBaseUrl(base);
  if (parsed === undefined || "problem" in parsed) {
    return invalidRequest(
      `resource_name ${JSON.stringify(resource.slice(0, 80))} is not an Azure resource name: give ${RESOURCE_NAME_FORMS}`,
      "invalid_resource_name",
      "resource_name",
    );
  }
  return { url: parsed.url, v1: false };
}

/**
 * The resource's own endpoint, `https://{host}/openai` (host from forms.ts: `{name}.openai.azure.com`,
 * or the full Azure OpenAI / Foundry host given), or undefined when `resource` is no resource name.
 */
export function azureResourceBaseUrl(resource: string): string | undefined {
  const host = azureResourceHost(resource);
  return host === undefined ? undefined : `https://${host}/openai`;
}

/** The dated form's Responses API version when the target's own is older or not a preview (Azure's docs use it). */
export const AZURE_RESPONSES_API_VERSION = "2025-04-01-preview";

/** `version` when the dated Responses API serves it (a preview from 2025-03-01 on), else `AZURE_RESPONSES_API_VERSION`. */
export function azureResponsesApiVersion(version: string): string {
  return /^\d{4}-\d{2}-\d{2}-preview$/.test(version) && version >= "2025-03-01-preview" ? version : AZURE_RESPONSES_API_VERSION;
}

export function buildAzureRequest(
  endpoint: Endpoint,
  body: Record<string, unknown>,
  creds: AzureCredentials,
  call?: ResourceCall,
): BuildResult {
  if (!OPENAI_ENDPOINTS.has(endpoint)) return endpointNotSupported(azureOpenAiInfo.label, endpoint);
  const base = azureBase(creds);
  if ("error" in base) return base;
  if (call) return buildAzureResourceCall(endpoint, call, base, creds);
  const responses = RESPONSES_ENDPOINTS.has(endpoint);
  const choice = chooseAzureDeployment(body.model, creds, base.v1 ? AZURE_V1 : DEFAULT_AZURE_API_VERSION);
  if ("error" in choice) return choice;
  const apiVersion = canonicalApiVersion(choice.apiVersion);
  const v1 = isAzureV1Version(apiVersion);
  if (base.v1 && !v1) {
    const problem = apiVersionConflict(apiVersion, creds.customHost) ?? "custom_host ends in /openai/v1";
    return invalidRequest(`the deployment ${JSON.stringify(choice.deployment)}: ${problem}`, "invalid_custom_host", "custom_host");
  }
  // Dated: the deployment is a path segment, so it must not climb out of it. v1: it is a JSON string.
  if (!v1 && !responses && isUnsafeSegment(choice.deployment)) {
    return invalidRequest(`deployment name ${JSON.stringify(choice.deployment)} is not valid`, "invalid_deployment", "deployment_id");
  }
  const keyProblem = checkHeaderValue(creds.apiKey, "Azure OpenAI API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const text = serializeBody(v1 || responses ? withChanges(body, { model: choice.deployment }) : body);
  if ("error" in text) return text;
  const sentVersion = v1 || !responses ? apiVersion : azureResponsesApiVersion(apiVersion);
  const url = v1
    ? joinUrl(base.url, base.v1 ? [] : ["v1"], endpoint, apiVersion === AZURE_V1_PREVIEW ? { "api-version": AZURE_V1_PREVIEW } : {})
    : responses
      ? joinUrl(base.url, [], endpoint, { "api-version": sentVersion })
      : joinUrl(base.url, ["deployments", choice.deployment], endpoint, { "api-version": apiVersion });
  return {
    url,
    method: "POST",
    headers: withChanges(jsonHeaders(body), { "api-key": creds.apiKey }),
    body: text.text,
    deployment: choice.deployment,
    apiVersion: sentVersion,
  };
}

/**
 * A call on one stored response: the target's api-version (the key's, else v1 for a v1 custom host,
 * else the dated default) picks the form; no deployment, no body.
 */
function buildAzureResourceCall(endpoint: Endpoint, call: ResourceCall, base: AzureBase, creds: AzureCredentials): BuildResult {
  const apiVersion = canonicalApiVersion(creds.apiVersion?.trim() || (base.v1 ? AZURE_V1 : DEFAULT_AZURE_API_VERSION));
  const v1 = isAzureV1Version(apiVersion);
  if (base.v1 && !v1) {
    const problem = apiVersionConflict(apiVersion, creds.customHost) ?? "custom_host ends in /openai/v1";
    return invalidRequest(problem, "invalid_custom_host", "custom_host");
  }
  const keyProblem = checkHeaderValue(creds.apiKey, "Azure OpenAI API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const path = endpointPath(endpoint, call);
  const sentVersion = v1 ? apiVersion : azureResponsesApiVersion(apiVersion);
  // The api-version is the target's, never the caller's.
  const query = call.query.filter(([name]) => name !== "api-version");
  const url = v1
    ? joinUrl(
        base.url,
        base.v1 ? [] : ["v1"],
        path,
        apiVersion === AZURE_V1_PREVIEW ? [...query, ["api-version", AZURE_V1_PREVIEW]] : query,
      )
    : joinUrl(base.url, [], path, [...query, ["api-version", sentVersion]]);
  const parts = resourceCallParts(call);
  return { url, method: parts.method, headers: withChanges(parts.headers, { "api-key": creds.apiKey }), apiVersion: sentVersion };
}

export const azureOpenAiAdapter = {
  id: azureOpenAiInfo.id,
  info: azureOpenAiInfo,
  keyFields: azureKeyFields,
  credentials: azureCredentials,
  buildRequest: buildAzureRequest,
  defaultBaseUrl: (creds) => (creds.resourceName ? azureResourceBaseUrl(creds.resourceName) : undefined),
  // The circuit breaker tells Azure upstreams apart by resource and fixed deployment.
  upstreamKey: (creds) => `${creds.resourceName ?? ""}\0${creds.deploymentId ?? ""}`,
  normalizeError: (status, bodyText) => normalizeUpstreamError(azureOpenAiInfo.label, status, bodyText),
  /**
   * The model names the key's deployments answer to (a fixed deployment_id serves whatever is asked: []).
   * Also for the v1 API: its GET /openai/v1/models lists the models the resource offers, not the
   * deployments a request can reach, and on v1 the body's `model` must name a deployment.
   */
  modelOfDeployment: (answered, creds) => {
    const deployment = creds.deployments?.find((d) => d.deploymentName === answered);
    return deployment ? deploymentModelName(deployment) : undefined;
  },
  listModels: (creds) => (creds.deploymentId ? [] : [...new Set((creds.deployments ?? []).map(deploymentModelName).filter(Boolean))]),
} satisfies ProviderAdapter<AzureCredentials>;
