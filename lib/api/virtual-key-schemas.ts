/**
 * Bodies of the virtual-key routes (`/v1/virtual-keys`), for the API and the dashboard's forms.
 * Snake_case is canonical; the portkey-ai SDK's spellings work too (`resourceName`, `apiVersion`,
 * `deploymentName`, `deploymentConfig: [{deploymentName, alias, apiVersion, is_default}]`).
 *
 * Rules (`virtualKeyShapeIssues`, shared by create and update): Azure needs a resource name or a
 * custom host and at least one deployment; at most one deployment is the default (a single one is
 * the default when none is marked); deployment names are unique; Azure fields on an OpenAI key are refused.
 */
import { z } from "zod";
import { PROVIDERS } from "../gateway/config/schema";
import { booleanValue, enumOf, listOf, nonEmptyString, strictObject } from "../gateway/config/messages";
import { originOf, originProblem } from "../gateway/upstream/origin";
import { renameAliases } from "./input";
import { rateLimitsSchema } from "./rate-limit-schemas";

export const VIRTUAL_KEY_NAME_MAX = 100;
export const VIRTUAL_KEY_NOTE_MAX = 1000;
export const PROVIDER_KEY_MAX = 8192;
export const MAX_DEPLOYMENTS = 100;
export const MAX_ALLOWED_HOSTS = 20;

const trimmed = (what: string, max: number) =>
  nonEmptyString(what)
    .max(max, { error: `must be at most ${max} characters` })
    .transform((v) => v.trim());

export const virtualKeyNameSchema = trimmed("a non-empty name", VIRTUAL_KEY_NAME_MAX);
export const providerKeySchema = nonEmptyString("the provider's API key (a non-empty string)").max(PROVIDER_KEY_MAX, {
  error: `must be at most ${PROVIDER_KEY_MAX} characters`,
});
export const providerSchema = enumOf(PROVIDERS, (input) => `unknown provider ${JSON.stringify(input)}; supported: ${PROVIDERS.join(", ")}`);
const noteSchema = z
  .string({ error: "must be a string or null" })
  .max(VIRTUAL_KEY_NOTE_MAX, { error: `must be at most ${VIRTUAL_KEY_NOTE_MAX} characters` })
  .nullable();
const resourceNameSchema = trimmed("an Azure resource name (the <name> in https://<name>.openai.azure.com)", 200)
  .refine((v) => /^[A-Za-z0-9][A-Za-z0-9-]*$/.test(v), { error: "must be an Azure resource name: letters, digits and hyphens" })
  .nullable();
const apiVersionSchema = trimmed("an Azure api-version such as 2024-10-21", 100).nullable();
const customHostSchema = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://example.com/v1" })
  .max(2048, { error: "must be at most 2048 characters" })
  .refine((v) => !hasUserInfo(v), {
    error: "must not contain a user name or password (user info in a URL is refused: put credentials in the key)",
  })
  .nullable();

function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
}

/**
 * `allowed_hosts`: origins (scheme, host, port) besides the provider's default host and
 * `custom_host` that the key's secret may be sent to. Stored normalised (`originOf`), without duplicates.
 */
export const allowedHostsSchema = listOf(
  z
    .string({ error: "must be an origin such as https://example.com" })
    .max(2048, { error: "must be at most 2048 characters" })
    .superRefine((v, ctx) => {
      const problem = originProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v)} ${problem}` });
    })
    .transform((v) => originOf(v) ?? v),
  "origins such as https://example.com or http://10.0.0.5:8080",
)
  .max(MAX_ALLOWED_HOSTS, { error: `must list at most ${MAX_ALLOWED_HOSTS} origins` })
  .transform((list) => [...new Set(list)]);

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
  {
    error: `must list at most ${MAX_DEPLOYMENTS} deployments`,
  },
);

const ALIASES = {
  resourceName: "resource_name",
  apiVersion: "api_version",
  customHost: "custom_host",
  allowedHosts: "allowed_hosts",
  deploymentName: "deployment_name",
  deploymentConfig: "deployments",
  deployment_config: "deployments",
  workspaceId: "workspace_id",
  rateLimits: "rate_limits",
};

const unsupported = (key: string) =>
  ["usage_limits", "usageLimits", "expires_at"].includes(key)
    ? `${key} is a Portkey virtual-key field that Detour does not support`
    : key === "slug"
      ? "the slug is chosen by Detour and never changes"
      : undefined;

const commonFields = {
  note: noteSchema.optional(),
  resource_name: resourceNameSchema.optional(),
  api_version: apiVersionSchema.optional(),
  custom_host: customHostSchema.optional(),
  /** Origins the secret may also be sent to (admins only: the management API needs a session or an admin key). */
  allowed_hosts: allowedHostsSchema.optional(),
  /** Portkey's single-deployment shorthand: one deployment, the default. */
  deployment_name: trimmed("an Azure deployment name", 200).optional(),
  deployments: deploymentListSchema.optional(),
  /** Detour's own limits: {rpm?, tpm?} (not Portkey's list form). */
  rate_limits: rateLimitsSchema.optional(),
  workspace_id: z.string().optional(),
};

/** The key's provider details after a create or an update, in the store's terms. */
export type VirtualKeyShape = {
  provider: string;
  resourceName: string | null;
  apiVersion: string | null;
  customHost: string | null;
  deployments: { deploymentName: string; alias: string | null; apiVersion: string | null; isDefault: boolean }[];
};

type Issue = { path: PropertyKey[]; message: string };

type DeploymentInput = z.output<typeof deploymentSchema>;

/** `deployment_name` (shorthand) or `deployments` as the store's list; undefined when neither is given. */
export function deploymentsFrom(body: {
  deployment_name?: string;
  deployments?: DeploymentInput[];
}): VirtualKeyShape["deployments"] | undefined {
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

/** Issues with a key's provider details; `paths` name the body fields the values came from. */
export function virtualKeyShapeIssues(shape: VirtualKeyShape, paths: { deployments: string } = { deployments: "deployments" }): Issue[] {
  const issues: Issue[] = [];
  const defaults = shape.deployments.flatMap((d, i) => (d.isDefault ? [i] : []));
  if (defaults.length > 1) {
    for (const i of defaults.slice(1))
      issues.push({
        path: [paths.deployments, i, "is_default"],
        message: `only one deployment can be the default (deployment ${defaults[0]} already is)`,
      });
  }
  const seen = new Map<string, number>();
  shape.deployments.forEach((d, i) => {
    const first = seen.get(d.deploymentName);
    if (first !== undefined)
      issues.push({
        path: [paths.deployments, i, "deployment_name"],
        message: `deployment ${JSON.stringify(d.deploymentName)} is already listed at ${paths.deployments}[${first}]`,
      });
    else seen.set(d.deploymentName, i);
  });
  if (shape.provider === "azure-openai") {
    if (!shape.resourceName && !shape.customHost)
      issues.push({ path: ["resource_name"], message: "is required for azure-openai (or set custom_host)" });
    if (shape.deployments.length === 0)
      issues.push({
        path: [paths.deployments],
        message: "azure-openai needs at least one deployment: give deployments [{deployment_name, alias, is_default}] or deployment_name",
      });
  } else {
    if (shape.resourceName) issues.push({ path: ["resource_name"], message: `is only for azure-openai keys, not ${shape.provider}` });
    if (shape.apiVersion) issues.push({ path: ["api_version"], message: `is only for azure-openai keys, not ${shape.provider}` });
    if (shape.deployments.length)
      issues.push({ path: [paths.deployments], message: `deployments are only for azure-openai keys, not ${shape.provider}` });
  }
  return issues;
}

function addIssues(ctx: z.RefinementCtx, issues: Issue[]): void {
  for (const issue of issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
}

function bothDeploymentForms(body: { deployment_name?: string; deployments?: unknown[] }, ctx: z.RefinementCtx): boolean {
  if (body.deployment_name === undefined || body.deployments === undefined) return false;
  ctx.addIssue({
    code: "custom",
    path: ["deployment_name"],
    message: "give either deployment_name (one deployment) or deployments (a list), not both",
  });
  return true;
}

export const createVirtualKeySchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    { name: virtualKeyNameSchema, provider: providerSchema, key: providerKeySchema, ...commonFields },
    "a JSON object {name, provider, key, ...}",
    unsupported,
  ).superRefine((body, ctx) => {
    if (bothDeploymentForms(body, ctx)) return;
    const shape: VirtualKeyShape = {
      provider: body.provider,
      resourceName: body.resource_name ?? null,
      apiVersion: body.api_version ?? null,
      customHost: body.custom_host ?? null,
      deployments: deploymentsFrom(body) ?? [],
    };
    addIssues(ctx, virtualKeyShapeIssues(shape, { deployments: body.deployment_name !== undefined ? "deployment_name" : "deployments" }));
  }),
);

/** PUT: every field optional; a new `key` is a rotation. The merged result is checked by `virtualKeyShapeIssues`. */
export const updateVirtualKeySchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    { name: virtualKeyNameSchema.optional(), key: providerKeySchema.optional(), provider: providerSchema.optional(), ...commonFields },
    "a JSON object {name?, key?, note?, ...}",
    unsupported,
  ).superRefine((body, ctx) => void bothDeploymentForms(body, ctx)),
);

export type CreateVirtualKeyInput = z.input<typeof createVirtualKeySchema>;
export type CreateVirtualKeyBody = z.output<typeof createVirtualKeySchema>;
export type UpdateVirtualKeyInput = z.input<typeof updateVirtualKeySchema>;
export type UpdateVirtualKeyBody = z.output<typeof updateVirtualKeySchema>;

export const listVirtualKeysQuerySchema = z.object({
  status: enumOf(["active", "revoked"] as const).optional(),
});
