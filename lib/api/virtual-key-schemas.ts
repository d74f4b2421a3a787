/**
 * Bodies of the virtual-key routes (`/v1/virtual-keys`), for the API and the dashboard's forms.
 * Snake_case is canonical; the portkey-ai SDK's spellings work too (`customHost`, `allowedHosts`,
 * `expiresAt`, `allowedModels`, and each provider's own, e.g. Azure's `resourceName`, `deploymentConfig`).
 *
 * The fields every key has are here; the fields only one provider's keys use (Azure's
 * resource_name, api_version, deployments), their spellings and rules are that provider's
 * (`keyFields` of its adapter, lib/gateway/providers/<name>/), merged in from the registry. The
 * rules of a key's provider details (`virtualKeyShapeIssues`) are shared by create and update.
 */
import { z } from "zod";
import { PROVIDERS } from "../gateway/config/schema";
import { enumOf, listOf, nonEmptyString, strictObject } from "../gateway/config/messages";
import { PROVIDER_KEY_FIELDS, type ProviderKeyShape } from "../gateway/providers/registry";
import type { Issue, VirtualKeyShape } from "../gateway/providers/types";
import { originOf, originProblem } from "../gateway/upstream/origin";
import { budgetSchema } from "./budget-schemas";
import { renameAliases } from "./input";
import { allowedModelsSchema, expiresAtSchema } from "./key-lifecycle-schemas";
import { rateLimitsSchema } from "./rate-limit-schemas";

export type { VirtualKeyShape } from "../gateway/providers/types";

export const VIRTUAL_KEY_NAME_MAX = 100;
export const VIRTUAL_KEY_NOTE_MAX = 1000;
export const PROVIDER_KEY_MAX = 8192;
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

/** Every provider's own body fields (in catalog order) and their other spellings. */
const PROVIDER_FIELDS = Object.assign({}, ...PROVIDER_KEY_FIELDS.map((f) => f.shape)) as ProviderKeyShape;

const ALIASES: Record<string, string> = Object.assign({}, ...PROVIDER_KEY_FIELDS.map((f) => f.aliases), {
  customHost: "custom_host",
  allowedHosts: "allowed_hosts",
  workspaceId: "workspace_id",
  rateLimits: "rate_limits",
  expiresAt: "expires_at",
  allowedModels: "allowed_models",
});

const unsupported = (key: string) =>
  ["usage_limits", "usageLimits"].includes(key)
    ? `${key} is a Portkey virtual-key field that Detour does not support`
    : key === "slug"
      ? "the slug is chosen by Detour and never changes"
      : undefined;

const commonFields = {
  note: noteSchema.optional(),
  ...PROVIDER_FIELDS,
  custom_host: customHostSchema.optional(),
  /** Origins the secret may also be sent to (admins only: the management API needs a session or an admin key). */
  allowed_hosts: allowedHostsSchema.optional(),
  /** Detour's own limits: {rpm?, tpm?} (not Portkey's list form). */
  rate_limits: rateLimitsSchema.optional(),
  /** When the key stops working (a future time with its zone; null: never). */
  expires_at: expiresAtSchema().optional(),
  /** The models requests through the key may ask for (names or globs; null: any). */
  allowed_models: allowedModelsSchema.optional(),
  /** Its spend limit: {limit_usd, period, alert_at_pct?}, or null for none (budget-schemas.ts). */
  budget: budgetSchema.optional(),
  workspace_id: z.string().optional(),
};

type Body = Record<string, unknown>;

/**
 * The stored details a body gives, from every provider's fields (each undefined when the body does
 * not set it, unless the provider stores a default on new keys; null clears it on an update).
 */
export function keyDetailsFrom(
  body: Body,
  use: "create" | "update",
): Partial<Pick<VirtualKeyShape, "resourceName" | "apiVersion" | "deployments">> {
  const details: Record<string, unknown> = {};
  for (const fields of PROVIDER_KEY_FIELDS) {
    for (const [name, value] of Object.entries(fields.read(body, use))) if (value !== undefined) details[name] = value;
  }
  return details;
}

/**
 * Issues with a key's provider details after a create or an update: each provider's rules of its
 * own fields (`keyFields.issues`). `body` is what was sent, to name the field an issue is at.
 */
export function virtualKeyShapeIssues(shape: VirtualKeyShape, body: Body = {}): Issue[] {
  return PROVIDER_KEY_FIELDS.flatMap((fields) => fields.issues(shape, body));
}

/** Issues with the body's own provider fields that stop the checks of the merged key (e.g. two forms of one field). */
function bodyIssues(body: Body): Issue[] {
  return PROVIDER_KEY_FIELDS.flatMap((fields) => fields.bodyIssues?.(body) ?? []);
}

function addIssues(ctx: z.RefinementCtx, issues: Issue[]): void {
  for (const issue of issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
}

export const createVirtualKeySchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    { name: virtualKeyNameSchema, provider: providerSchema, key: providerKeySchema, ...commonFields },
    "a JSON object {name, provider, key, ...}",
    unsupported,
  ).superRefine((body, ctx) => {
    const refused = bodyIssues(body);
    if (refused.length) {
      addIssues(ctx, refused);
      return;
    }
    const details = keyDetailsFrom(body, "create");
    const shape: VirtualKeyShape = {
      provider: body.provider,
      resourceName: details.resourceName ?? null,
      apiVersion: details.apiVersion ?? null,
      customHost: body.custom_host ?? null,
      deployments: details.deployments ?? [],
    };
    addIssues(ctx, virtualKeyShapeIssues(shape, body));
  }),
);

/** PUT: every field optional; a new `key` is a rotation. The merged result is checked by `virtualKeyShapeIssues`. */
export const updateVirtualKeySchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    { name: virtualKeyNameSchema.optional(), key: providerKeySchema.optional(), provider: providerSchema.optional(), ...commonFields },
    "a JSON object {name?, key?, note?, ...}",
    unsupported,
  ).superRefine((body, ctx) => addIssues(ctx, bodyIssues(body))),
);

export type CreateVirtualKeyInput = z.input<typeof createVirtualKeySchema>;
export type CreateVirtualKeyBody = z.output<typeof createVirtualKeySchema>;
export type UpdateVirtualKeyInput = z.input<typeof updateVirtualKeySchema>;
export type UpdateVirtualKeyBody = z.output<typeof updateVirtualKeySchema>;

export const listVirtualKeysQuerySchema = z.object({
  status: enumOf(["active", "revoked"] as const).optional(),
});
