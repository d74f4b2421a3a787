/**
 * What an Azure virtual key stores besides its secret (`/v1/virtual-keys`): a resource name, a
 * default api-version and its deployments (`deployments: [{deployment_name, alias?, api_version?,
 * is_default?}]`, or Portkey's single-deployment shorthand `deployment_name`), the portkey-ai SDK's
 * spellings accepted too (`resourceName`, `apiVersion`, `deploymentName`, `deploymentConfig`).
 *
 * Rules: an Azure key needs a resource name (or a full Azure OpenAI / Foundry host: forms.ts) or a
 * custom host and at least one deployment; at most one deployment is the default (a single one is
 * the default when none is marked); deployment names are unique; a dated api-version (the key's or a
 * deployment's) cannot go with a custom host that is a v1 base URL; these fields on another
 * provider's key are refused.
 *
 * A NEW key created without api_version stores `v1` (NEW_KEY_AZURE_API_VERSION): Azure's v1 API
 * needs no dated version to keep up with. It is stored, not implied, so keys created before v1
 * existed (api_version null: the dated default) keep what they had and change nothing.
 */
import { z } from "zod";
import { renameAliases } from "../../../api/input";
import { booleanValue, listOf, nonEmptyString, strictObject } from "../../config/messages";
import type { Issue, KeyFields, VirtualKeyShape } from "../types";
import { canonicalApiVersion, NEW_KEY_AZURE_API_VERSION, RESOURCE_NAME_FORMS } from "./forms";
import { apiVersionConflict, azureOpenAiInfo, isAzureResourceName, lacksResourceName } from "./info";

const ID = azureOpenAiInfo.id;
export const MAX_DEPLOYMENTS = 100;

const trimmed = (what: string, max: number) =>
  nonEmptyString(what)
    .max(max, { error: `must be at most ${max} characters` })
    .transform((v) => v.trim());

const resourceNameSchema = trimmed("an Azure resource name (the <name> in https://<name>.openai.azure.com)", 200)
  .refine(isAzureResourceName, { error: `must be ${RESOURCE_NAME_FORMS}` })
  .nullable();
const apiVersionSchema = trimmed('an Azure api-version: "v1" or a dated one such as 2024-10-21', 100)
  .transform(canonicalApiVersion)
  .nullable();

export const deploymentSchema = z.preprocess(
  renameAliases({ deploymentName: "deployment_name", apiVersion: "api_version", isDefault: "is_default" }),
  strictObject(
    {
      deployment_name: trimmed("an Azure deployment name", 200),
      alias: trimmed("a model name such as gpt-4o", 200).nullable().optional(),
      api_version: apiVersionSchema.optional(),
      is_default: booleanValue().optional(),
    },
    "an object {deployment_name, alias?, api_version?, is_default?}",
  ),
);

const deploymentListSchema = listOf(deploymentSchema, "deployments {deployment_name, alias?, api_version?, is_default?}").max(
  MAX_DEPLOYMENTS,
  { error: `must list at most ${MAX_DEPLOYMENTS} deployments` },
);

const shape = {
  resource_name: resourceNameSchema.optional(),
  api_version: apiVersionSchema.optional(),
  /** Portkey's single-deployment shorthand: one deployment, the default. */
  deployment_name: trimmed("an Azure deployment name", 200).optional(),
  deployments: deploymentListSchema.optional(),
};

/** The Azure fields of a parsed body. */
export type AzureKeyBody = { [K in keyof typeof shape]?: z.output<(typeof shape)[K]> };

/** `deployment_name` (shorthand) or `deployments` as the store's list; undefined when neither is given. */
export function deploymentsFrom(body: AzureKeyBody): VirtualKeyShape["deployments"] | undefined {
  if (body.deployments) {
    const list = body.deployments.map((d) => ({
      deploymentName: d.deployment_name,
      alias: d.alias ?? null,
      apiVersion: d.api_version ?? null,
      isDefault: d.is_default ?? false,
    }));
    if (list.length === 1 && !list[0]!.isDefault) list[0]!.isDefault = true;
    return list;
  }
  if (body.deployment_name) return [{ deploymentName: body.deployment_name, alias: null, apiVersion: null, isDefault: true }];
  return undefined;
}

function deploymentIssues(deployments: VirtualKeyShape["deployments"], field: string): Issue[] {
  const issues: Issue[] = [];
  const defaults = deployments.flatMap((d, i) => (d.isDefault ? [i] : []));
  for (const i of defaults.slice(1)) {
    issues.push({
      path: [field, i, "is_default"],
      message: `only one deployment can be the default (deployment ${defaults[0]} already is)`,
    });
  }
  const seen = new Map<string, number>();
  deployments.forEach((d, i) => {
    const first = seen.get(d.deploymentName);
    if (first !== undefined) {
      issues.push({
        path: [field, i, "deployment_name"],
        message: `deployment ${JSON.stringify(d.deploymentName)} is already listed at ${field}[${first}]`,
      });
    } else seen.set(d.deploymentName, i);
  });
  return issues;
}

/** A dated api-version (the key's, a deployment's) beside a custom host that is a v1 base URL. */
function apiVersionIssues(key: VirtualKeyShape, field: string): Issue[] {
  const issues: Issue[] = [];
  const keyConflict = apiVersionConflict(key.apiVersion, key.customHost);
  if (keyConflict) issues.push({ path: ["api_version"], message: keyConflict });
  key.deployments.forEach((d, i) => {
    const conflict = apiVersionConflict(d.apiVersion, key.customHost);
    if (conflict) issues.push({ path: [field, i, "api_version"], message: conflict });
  });
  return issues;
}

export const azureKeyFields = {
  shape,
  aliases: {
    resourceName: "resource_name",
    apiVersion: "api_version",
    deploymentName: "deployment_name",
    deploymentConfig: "deployments",
    deployment_config: "deployments",
  },
  read: (body: AzureKeyBody & { provider?: unknown }, use) => ({
    resourceName: body.resource_name,
    apiVersion: body.api_version === undefined && use === "create" && body.provider === ID ? NEW_KEY_AZURE_API_VERSION : body.api_version,
    deployments: deploymentsFrom(body),
  }),
  bodyIssues: (body: AzureKeyBody) =>
    body.deployment_name !== undefined && body.deployments !== undefined
      ? [{ path: ["deployment_name"], message: "give either deployment_name (one deployment) or deployments (a list), not both" }]
      : [],
  issues(key, body: AzureKeyBody) {
    // Issues at the field the deployments came from: the shorthand or the list.
    const field = body.deployment_name !== undefined ? "deployment_name" : "deployments";
    const issues = deploymentIssues(key.deployments, field);
    if (key.provider === ID) {
      if (lacksResourceName(key.resourceName, key.customHost)) {
        issues.push({ path: ["resource_name"], message: `is required for ${ID} (or set custom_host)` });
      }
      issues.push(...apiVersionIssues(key, field));
      if (key.deployments.length === 0) {
        issues.push({
          path: [field],
          message: `${ID} needs at least one deployment: give deployments [{deployment_name, alias, is_default}] or deployment_name`,
        });
      }
    } else {
      if (key.resourceName) issues.push({ path: ["resource_name"], message: `is only for ${ID} keys, not ${key.provider}` });
      if (key.apiVersion) issues.push({ path: ["api_version"], message: `is only for ${ID} keys, not ${key.provider}` });
      if (key.deployments.length) issues.push({ path: [field], message: `deployments are only for ${ID} keys, not ${key.provider}` });
    }
    return issues;
  },
} satisfies KeyFields;
