/**
 * Azure OpenAI's data part (../README.md): its id and label, the config keys and virtual-key fields
 * it uses with their rules, and the dashboard's wording. No imports but forms.ts (itself import-free):
 * client components load it through ../catalog.ts.
 */
import type { ProviderInfo } from "../types";
import {
  AZURE_V1,
  DEFAULT_AZURE_API_VERSION,
  isAzureResourceName,
  isAzureV1BaseUrl,
  isAzureV1Version,
  NEW_KEY_AZURE_API_VERSION,
  RESOURCE_NAME_FORMS,
} from "./forms";

const ID = "azure-openai";

export {
  AZURE_V1,
  AZURE_V1_PREVIEW,
  DEFAULT_AZURE_API_VERSION,
  NEW_KEY_AZURE_API_VERSION,
  azureResourceHost,
  canonicalApiVersion,
  isAzureResourceName,
  isAzureV1BaseUrl,
  isAzureV1Version,
} from "./forms";

/** A target or a virtual key of Azure needs a resource name unless a custom host replaces the resource's endpoint. */
export function lacksResourceName(resourceName: unknown, customHost: unknown): boolean {
  return !resourceName && !customHost;
}

/**
 * Why an api-version cannot go with a custom host, or undefined: a custom host that is already the
 * v1 base URL (`.../openai/v1`) serves only the v1 API, so a dated version there is a contradiction
 * (Detour would otherwise have to drop one of the two silently).
 */
export function apiVersionConflict(apiVersion: unknown, customHost: unknown): string | undefined {
  if (typeof apiVersion !== "string" || typeof customHost !== "string") return undefined;
  if (!isAzureV1BaseUrl(customHost) || isAzureV1Version(apiVersion)) return undefined;
  return (
    `${JSON.stringify(apiVersion.slice(0, 40))} is a dated api-version, but custom_host ends in /openai/v1 (Azure's v1 API, ` +
    `which takes none): use api_version "${AZURE_V1}", or a custom_host ending in /openai for the dated API`
  );
}

const TARGET_FIELDS = [
  { key: "resource_name", label: "Resource name" },
  { key: "deployment_id", label: "Deployment" },
  { key: "api_version", label: "API version", placeholder: AZURE_V1 },
] as const;

export const azureOpenAiInfo = {
  id: ID,
  label: "Azure OpenAI",
  targetFields: TARGET_FIELDS,
  directHeaders: {
    "x-portkey-azure-resource-name": "resource_name",
    "x-portkey-azure-deployment-id": "deployment_id",
    "x-portkey-azure-api-version": "api_version",
  },
  checkTarget(node, report) {
    if (node.provider === ID) {
      if (lacksResourceName(node.resource_name, node.custom_host)) {
        report(["resource_name"], `is required with provider ${ID} (or set custom_host)`);
      }
      if (node.deployment_id === undefined) report(["deployment_id"], `is required with provider ${ID}`);
      // A v1 base URL as custom_host names the API itself; any other target says which one it speaks.
      if (node.api_version === undefined && !(typeof node.custom_host === "string" && isAzureV1BaseUrl(node.custom_host))) {
        report(["api_version"], `is required with provider ${ID} ("${AZURE_V1}" or a dated version such as ${DEFAULT_AZURE_API_VERSION})`);
      }
      if (typeof node.resource_name === "string" && !isAzureResourceName(node.resource_name)) {
        report(["resource_name"], `must be ${RESOURCE_NAME_FORMS}`);
      }
      const conflict = apiVersionConflict(node.api_version, node.custom_host);
      if (conflict) report(["api_version"], conflict);
      return;
    }
    for (const { key } of TARGET_FIELDS) {
      if (node[key] === undefined) continue;
      const extra = node.virtual_key !== undefined ? " (an Azure virtual key carries its own deployments)" : "";
      report([key], `is only used with provider ${ID}${extra}`);
    }
  },
  keyFields: {
    resource_name: {
      label: "Resource name",
      placeholder: "my-resource",
      hint: "The <name> in https://<name>.openai.azure.com; for an Azure AI Foundry host, the full <name>.services.ai.azure.com.",
    },
    api_version: {
      label: "API version",
      placeholder: NEW_KEY_AZURE_API_VERSION,
      hint:
        `For every deployment without its own: ${AZURE_V1} (Azure's v1 API, /openai/v1) or a dated version such as ` +
        `${DEFAULT_AZURE_API_VERSION}; empty means ${NEW_KEY_AZURE_API_VERSION}.`,
      optional: true,
    },
    deployments: { label: "Deployments", placeholder: "inherited" },
  },
  keyForm: {
    secretPlaceholder: "Azure resource key",
    customHost: {
      label: "Custom host",
      placeholder: "https://gateway.example.com/openai",
      hint:
        "Replaces https://<resource>.openai.azure.com/openai, e.g. an API Management gateway; a URL ending in /openai/v1 " +
        "is Azure's v1 API.",
    },
  },
} as const satisfies ProviderInfo;
