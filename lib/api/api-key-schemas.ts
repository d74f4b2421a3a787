/**
 * Bodies of the Detour API-key routes (`/v1/api-keys`), for the API and the dashboard's forms.
 * Scopes: `gateway` (inference only) and `admin` (management too). The default is the smaller one.
 * `default_config` (`defaultConfig` too) names the config that routes the key's requests that name
 * none (docs/GATEWAY.md §2); whether it exists is checked by the store, in the key's transaction.
 * `expires_at` and `allowed_models` (`expiresAt`, `allowedModels` too) are the lifecycle fields
 * shared with virtual keys (key-lifecycle-schemas.ts). `budget` is the key's spend limit
 * (budget-schemas.ts). A rotation's body names its grace period.
 */
import { z } from "zod";
import { enumOf, intInRange, nonEmptyString, strictObject } from "../gateway/config/messages";
import { budgetSchema } from "./budget-schemas";
import { renameAliases } from "./input";
import { allowedModelsSchema, expiresAtSchema } from "./key-lifecycle-schemas";
import { rateLimitsSchema } from "./rate-limit-schemas";

export const API_KEY_SCOPES = ["gateway", "admin"] as const;
export const API_KEY_NAME_MAX = 100;

/** Config slugs are short (`pc-<6 letters>-<6 hex>`); ids are cuids. Anything longer cannot name one. */
export const DEFAULT_CONFIG_MAX = 200;

/** A config's id (`pc-...`, or its internal id) of the same workspace, or null for none. */
export const defaultConfigSchema = nonEmptyString("a config id (pc-...) of this workspace, or null for none")
  .max(DEFAULT_CONFIG_MAX, { error: `must be at most ${DEFAULT_CONFIG_MAX} characters` })
  .transform((ref) => ref.trim())
  .nullable();

const ALIASES = {
  workspaceId: "workspace_id",
  rateLimits: "rate_limits",
  defaultConfig: "default_config",
  expiresAt: "expires_at",
  allowedModels: "allowed_models",
};

export const apiKeyScopeSchema = enumOf(
  API_KEY_SCOPES,
  (input) => `unknown scope ${JSON.stringify(input)}; one of gateway (inference only), admin (management too)`,
);

export const createApiKeySchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    {
      name: nonEmptyString("a non-empty name")
        .max(API_KEY_NAME_MAX, { error: `must be at most ${API_KEY_NAME_MAX} characters` })
        .transform((name) => name.trim()),
      scope: apiKeyScopeSchema.default("gateway"),
      rate_limits: rateLimitsSchema.optional(),
      default_config: defaultConfigSchema.optional(),
      expires_at: expiresAtSchema().optional(),
      allowed_models: allowedModelsSchema.optional(),
      budget: budgetSchema.optional(),
      workspace_id: z.string().optional(),
    },
    "a JSON object {name, scope, rate_limits?, default_config?, expires_at?, allowed_models?, budget?}",
    (key) => (key === "scopes" ? 'Detour has one scope per key: send scope: "gateway" or "admin"' : undefined),
  ),
);

/**
 * PUT /v1/api-keys/{id}: the key's rate limits, default config, expiry, allowed models and budget, each left
 * as it is when absent (its name, scope and secret never change; create or rotate a key). The
 * handler refuses a body that changes nothing.
 */
export const updateApiKeySchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    {
      rate_limits: rateLimitsSchema.optional(),
      default_config: defaultConfigSchema.optional(),
      expires_at: expiresAtSchema().optional(),
      allowed_models: allowedModelsSchema.optional(),
      budget: budgetSchema.optional(),
      workspace_id: z.string().optional(),
    },
    "a JSON object {rate_limits?: {rpm?, tpm?}, default_config?, expires_at?, allowed_models?, budget?}",
    (key) =>
      ["name", "scope", "key"].includes(key)
        ? `${key} of an API key cannot be changed; only rate_limits, default_config, expires_at, allowed_models and budget can (create or rotate a key instead)`
        : undefined,
  ),
);

/** The longest grace period of a rotation: 30 days. */
export const MAX_GRACE_PERIOD_SECONDS = 30 * 24 * 3600;

/**
 * POST /v1/api-keys/{id}/rotate: how long the old key keeps working beside the new one, in seconds
 * (0, the default: it stops at once). An empty body is the default.
 */
export const rotateApiKeySchema = z.preprocess(
  renameAliases({ gracePeriodSeconds: "grace_period_seconds", workspaceId: "workspace_id" }),
  strictObject(
    {
      grace_period_seconds: intInRange(0, MAX_GRACE_PERIOD_SECONDS, " seconds (30 days at most; 0: the old key stops at once)").default(0),
      workspace_id: z.string().optional(),
    },
    "a JSON object {grace_period_seconds?}",
  ),
);

export type UpdateApiKeyBody = z.output<typeof updateApiKeySchema>;

export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;
export type CreateApiKeyBody = z.output<typeof createApiKeySchema>;

export const listApiKeysQuerySchema = z.object({
  status: enumOf(["active", "expired", "revoked"] as const).optional(),
});
