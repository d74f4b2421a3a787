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
 */
import { endpointNotSupported, invalidRequest, normalizeUpstreamError } from "../errors";
import { OPENAI_ENDPOINTS } from "../openai";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import type { BuildResult, Endpoint, GatewayErrorLike, ProviderAdapter } from "../types";
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

export function buildAzureRequest(endpoint: Endpoint, body: Record<string, unknown>, creds: AzureCredentials): BuildResult {
  if (!OPENAI_ENDPOINTS.has(endpoint)) return endpointNotSupported(azureOpenAiInfo.label, endpoint);
  const base = azureBase(creds);
  if ("error" in base) return base;
  const choice = chooseAzureDeployment(body.model, creds, base.v1 ? AZURE_V1 : DEFAULT_AZURE_API_VERSION);
  if ("error" in choice) return choice;
  const apiVersion = canonicalApiVersion(choice.apiVersion);
  const v1 = isAzureV1Version(apiVersion);
  if (base.v1 && !v1) {
    const problem = apiVersionConflict(apiVersion, creds.customHost) ?? "custom_host ends in /openai/v1";
    return invalidRequest(`the deployment ${JSON.stringify(choice.deployment)}: ${problem}`, "invalid_custom_host", "custom_host");
  }
  // Dated: the deployment is a path segment, so it must not climb out of it. v1: it is a JSON string.
  if (!v1 && isUnsafeSegment(choice.deployment)) {
    return invalidRequest(`deployment name ${JSON.stringify(choice.deployment)} is not valid`, "invalid_deployment", "deployment_id");
  }
  const keyProblem = checkHeaderValue(creds.apiKey, "Azure OpenAI API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const text = serializeBody(v1 ? { ...body, model: choice.deployment } : body);
  if ("error" in text) return text;
  const url = v1
    ? joinUrl(base.url, base.v1 ? [] : ["v1"], endpoint, apiVersion === AZURE_V1_PREVIEW ? { "api-version": AZURE_V1_PREVIEW } : {})
    : joinUrl(base.url, ["deployments", choice.deployment], endpoint, { "api-version": apiVersion });
  return {
    url,
    method: "POST",
    headers: { ...jsonHeaders(body), "api-key": creds.apiKey },
    body: text.text,
    deployment: choice.deployment,
    apiVersion,
  };
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
  listModels: (creds) => (creds.deploymentId ? [] : [...new Set((creds.deployments ?? []).map(deploymentModelName).filter(Boolean))]),
} satisfies ProviderAdapter<AzureCredentials>;
