/**
 * Azure OpenAI's data part (../README.md): its id and label, the config keys and virtual-key fields
 * it uses with their rules, and the dashboard's wording. No imports: client components load it
 * through ../catalog.ts.
 */
import type { ProviderInfo } from "../types";

const ID = "azure-openai";

/**
 * Used when neither the deployment nor the key names an api-version: the latest GA
 * (non-preview) data-plane inference version of Azure OpenAI that this code was written
 * against, 2024-10-21 (it serves chat/completions, completions and embeddings).
 */
export const DEFAULT_AZURE_API_VERSION = "2024-10-21";

// Azure resource (custom subdomain) names: letters, digits and hyphens, not at either end. Checked
// so a resource name can never change the host (e.g. "evil.example/x#").
const RESOURCE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/i;

/** The one rule for a resource name (the `<name>` in https://<name>.openai.azure.com): virtual keys at save, every target at use. */
export function isAzureResourceName(name: string): boolean {
  return RESOURCE_NAME.test(name);
}

/** A target or a virtual key of Azure needs a resource name unless a custom host replaces the resource's endpoint. */
export function lacksResourceName(resourceName: unknown, customHost: unknown): boolean {
  return !resourceName && !customHost;
}

const TARGET_FIELDS = [
  { key: "resource_name", label: "Resource name" },
  { key: "deployment_id", label: "Deployment" },
  { key: "api_version", label: "API version", placeholder: DEFAULT_AZURE_API_VERSION },
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
      if (node.api_version === undefined) report(["api_version"], `is required with provider ${ID}`);
      return;
    }
    for (const { key } of TARGET_FIELDS) {
      if (node[key] === undefined) continue;
      const extra = node.virtual_key !== undefined ? " (an Azure virtual key carries its own deployments)" : "";
      report([key], `is only used with provider ${ID}${extra}`);
    }
  },
  keyFields: {
    resource_name: { label: "Resource name", placeholder: "my-resource", hint: "The <name> in https://<name>.openai.azure.com" },
    api_version: {
      label: "API version",
      placeholder: DEFAULT_AZURE_API_VERSION,
      hint: `For every deployment without its own; empty means ${DEFAULT_AZURE_API_VERSION}.`,
      optional: true,
    },
    deployments: { label: "Deployments", placeholder: "inherited" },
  },
  keyForm: {
    secretPlaceholder: "Azure resource key",
    customHost: {
      label: "Custom host",
      placeholder: "https://gateway.example.com/openai",
      hint: "Replaces https://<resource>.openai.azure.com/openai, e.g. an API Management gateway.",
    },
  },
} as const satisfies ProviderInfo;
