/**
 * Bodies of the Detour API-key routes (`/v1/api-keys`), for the API and the dashboard's forms.
 * Scopes: `gateway` (inference only) and `admin` (management too). The default is the smaller one.
 */
import { z } from "zod";
import { enumOf, nonEmptyString, strictObject } from "../gateway/config/messages";
import { renameAliases } from "./input";
import { rateLimitsSchema } from "./rate-limit-schemas";

export const API_KEY_SCOPES = ["gateway", "admin"] as const;
export const API_KEY_NAME_MAX = 100;

export const apiKeyScopeSchema = enumOf(
  API_KEY_SCOPES,
  (input) => `unknown scope ${JSON.stringify(input)}; one of gateway (inference only), admin (management too)`,
);

export const createApiKeySchema = z.preprocess(
  renameAliases({ workspaceId: "workspace_id", rateLimits: "rate_limits" }),
  strictObject(
    {
      name: nonEmptyString("a non-empty name")
        .max(API_KEY_NAME_MAX, { error: `must be at most ${API_KEY_NAME_MAX} characters` })
        .transform((name) => name.trim()),
      scope: apiKeyScopeSchema.default("gateway"),
      rate_limits: rateLimitsSchema.optional(),
      workspace_id: z.string().optional(),
    },
    "a JSON object {name, scope, rate_limits?}",
    (key) => (key === "scopes" ? 'Detour has one scope per key: send scope: "gateway" or "admin"' : undefined),
  ),
);

/** PUT /v1/api-keys/{id}: the key's rate limits (its name, scope and secret never change; create a new key). */
export const updateApiKeySchema = z.preprocess(
  renameAliases({ workspaceId: "workspace_id", rateLimits: "rate_limits" }),
  strictObject(
    { rate_limits: rateLimitsSchema, workspace_id: z.string().optional() },
    "a JSON object {rate_limits: {rpm?, tpm?}}",
    (key) =>
      ["name", "scope", "key"].includes(key)
        ? `${key} of an API key cannot be changed; only rate_limits can (create a new key instead)`
        : undefined,
  ),
);

export type UpdateApiKeyBody = z.output<typeof updateApiKeySchema>;

export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;
export type CreateApiKeyBody = z.output<typeof createApiKeySchema>;

export const listApiKeysQuerySchema = z.object({
  status: enumOf(["active", "revoked"] as const).optional(),
});
