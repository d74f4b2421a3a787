/**
 * How an Azure OpenAI target's credentials resolve (docs/GATEWAY.md §1): a virtual key's resource name,
 * api-version and deployments; then the direct-mode headers (`x-portkey-azure-*`) and the config
 * target's own `resource_name`, `deployment_id` and `api_version`, the target's winning.
 */
import type { ProviderCredentials, StoredKeyDetails, TargetFieldValues } from "../types";
import type { AzureDeployment } from "./deployments";
import { azureOpenAiInfo } from "./info";

export type AzureCredentials = ProviderCredentials & {
  /** The resource in https://{resourceName}.openai.azure.com. */
  resourceName?: string;
  /** The key's api-version, for deployments without their own. */
  apiVersion?: string;
  /** Deployments of a virtual key, chosen by the body's `model`. */
  deployments?: readonly AzureDeployment[];
  /** A fixed deployment (target-level `deployment_id`, direct mode); wins over `deployments`. */
  deploymentId?: string;
};

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

function applyTargetKeys(creds: AzureCredentials, from: TargetFieldValues | undefined): void {
  if (from === undefined) return;
  const resource = text(from.resource_name);
  const deployment = text(from.deployment_id);
  const apiVersion = text(from.api_version);
  if (resource) creds.resourceName = resource;
  if (deployment) creds.deploymentId = deployment;
  if (apiVersion) creds.apiVersion = apiVersion;
}

export function azureCredentials(
  apiKey: string,
  key: StoredKeyDetails | null,
  target: TargetFieldValues,
  direct?: TargetFieldValues,
): AzureCredentials {
  const creds: AzureCredentials = { provider: azureOpenAiInfo.id, apiKey };
  if (key) {
    creds.deployments = key.deployments ?? [];
    if (key.resourceName) creds.resourceName = key.resourceName;
    if (key.apiVersion) creds.apiVersion = key.apiVersion;
  }
  applyTargetKeys(creds, direct);
  applyTargetKeys(creds, target);
  return creds;
}
