/**
 * Azure OpenAI (docs/GATEWAY.md §1):
 * `https://{resource}.openai.azure.com/openai/deployments/{deployment}/{endpoint}?api-version={v}`
 * with `api-key: <key>`; a `custom_host` replaces `https://{resource}.openai.azure.com/openai`.
 * The OpenAI body is reused as is (`model` stays in it; Azure ignores it and answers with the
 * deployment's model). Only the URL, the auth header and the deployment choice differ from OpenAI.
 */
import { endpointNotSupported, invalidRequest, normalizeUpstreamError } from "../errors";
import { OPENAI_ENDPOINTS } from "../openai";
import { checkHeaderValue, jsonHeaders, serializeBody } from "../request-parts";
import type { BuildResult, Endpoint, GatewayErrorLike, ProviderAdapter } from "../types";
import { isUnsafeSegment, joinUrl, parseBaseUrl } from "../url";
import { azureCredentials, type AzureCredentials } from "./credentials";
import { chooseAzureDeployment, deploymentModelName } from "./deployments";
import { azureOpenAiInfo, isAzureResourceName } from "./info";
import { azureKeyFields } from "./key-fields";

export { DEFAULT_AZURE_API_VERSION, chooseAzureDeployment, deploymentModelName } from "./deployments";
export type { AzureCredentials } from "./credentials";

/** The base URL: `custom_host` when given, else the resource's endpoint; or a 400. */
function azureBase(creds: AzureCredentials): { url: URL } | { error: GatewayErrorLike } {
  if (creds.customHost !== undefined) {
    const parsed = parseBaseUrl(creds.customHost);
    return "problem" in parsed ? invalidRequest(`custom_host ${parsed.problem}`, "invalid_custom_host", "custom_host") : parsed;
  }
  const resource = creds.resourceName?.trim();
  if (!resource) {
    return invalidRequest(
      "an Azure OpenAI target needs resource_name (https://{resource_name}.openai.azure.com) or custom_host",
      "missing_resource_name",
      "resource_name",
    );
  }
  if (!isAzureResourceName(resource)) {
    return invalidRequest(
      `resource_name ${JSON.stringify(resource.slice(0, 80))} is not an Azure resource name (letters, digits and hyphens)`,
      "invalid_resource_name",
      "resource_name",
    );
  }
  const parsed = parseBaseUrl(azureResourceBaseUrl(resource));
  return "problem" in parsed ? invalidRequest("invalid resource_name", "invalid_resource_name", "resource_name") : parsed;
}

/** The resource's own endpoint, https://{resource}.openai.azure.com/openai. */
export function azureResourceBaseUrl(resource: string): string {
  return `https://${resource.toLowerCase()}.openai.azure.com/openai`;
}

export function buildAzureRequest(endpoint: Endpoint, body: Record<string, unknown>, creds: AzureCredentials): BuildResult {
  if (!OPENAI_ENDPOINTS.has(endpoint)) return endpointNotSupported(azureOpenAiInfo.label, endpoint);
  const base = azureBase(creds);
  if ("error" in base) return base;
  const choice = chooseAzureDeployment(body.model, creds);
  if ("error" in choice) return choice;
  if (isUnsafeSegment(choice.deployment)) {
    return invalidRequest(`deployment name ${JSON.stringify(choice.deployment)} is not valid`, "invalid_deployment", "deployment_id");
  }
  const keyProblem = checkHeaderValue(creds.apiKey, "Azure OpenAI API key", "missing_provider_api_key");
  if (keyProblem) return keyProblem;
  const text = serializeBody(body);
  if ("error" in text) return text;
  return {
    url: joinUrl(base.url, ["deployments", choice.deployment], endpoint, { "api-version": choice.apiVersion }),
    method: "POST",
    headers: { ...jsonHeaders(body), "api-key": creds.apiKey },
    body: text.text,
    deployment: choice.deployment,
    apiVersion: choice.apiVersion,
  };
}

export const azureOpenAiAdapter = {
  id: azureOpenAiInfo.id,
  info: azureOpenAiInfo,
  keyFields: azureKeyFields,
  credentials: azureCredentials,
  buildRequest: buildAzureRequest,
  defaultBaseUrl: (creds) => {
    const resource = creds.resourceName?.trim();
    return resource && isAzureResourceName(resource) ? azureResourceBaseUrl(resource) : undefined;
  },
  // The circuit breaker tells Azure upstreams apart by resource and fixed deployment.
  upstreamKey: (creds) => `${creds.resourceName ?? ""}\0${creds.deploymentId ?? ""}`,
  normalizeError: (status, bodyText) => normalizeUpstreamError(azureOpenAiInfo.label, status, bodyText),
  /** The model names the key's deployments answer to (a fixed deployment_id serves whatever is asked: []). */
  listModels: (creds) => (creds.deploymentId ? [] : [...new Set((creds.deployments ?? []).map(deploymentModelName).filter(Boolean))]),
} satisfies ProviderAdapter<AzureCredentials>;
