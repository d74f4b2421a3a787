/**
 * Bodies of the saved-config routes (`/v1/configs`), for the API and the dashboard's forms. The
 * config itself is validated by the engine's own schema (`configSchema`), so a config the API
 * accepts is one the gateway can run; its issues are reported under `config.` (`config.targets[1].retry.attempts`).
 * `budget` is the spend limit of the requests the config routes (budget-schemas.ts).
 */
import { z } from "zod";
import { configSchema } from "../gateway/config/schema";
import { booleanValue, enumOf, intInRange, nonEmptyString, strictObject } from "../gateway/config/messages";
import { CONFIG_TEST_MAX_MODEL, CONFIG_TEST_MAX_PROMPT, CONFIG_TEST_MAX_TOKENS } from "../gateway/request/config-test-limits";
import { budgetSchema } from "./budget-schemas";
import { renameAliases } from "./input";

export const CONFIG_NAME_MAX = 100;
export const EDITABLE_CONFIG_STATUSES = ["active", "archived"] as const;

export const configNameSchema = nonEmptyString("a non-empty name")
  .max(CONFIG_NAME_MAX, { error: `must be at most ${CONFIG_NAME_MAX} characters` })
  .transform((name) => name.trim());

/** The config object, or its JSON text; validated (and normalised to snake_case) by the engine's schema. */
export const configContentSchema = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // the config schema then says it must be an object
  }
}, configSchema);

/** Portkey sends `is_default` as 0/1; true/false work too. */
export const isDefaultSchema = z
  .union([booleanValue(), z.literal(0), z.literal(1)], { error: "must be true or false (or 1/0)" })
  .transform((value) => value === true || value === 1);

const ALIASES = { isDefault: "is_default", workspaceId: "workspace_id", versionId: "version_id" };

export const createConfigSchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    {
      name: configNameSchema,
      config: configContentSchema,
      is_default: isDefaultSchema.optional(),
      budget: budgetSchema.optional(),
      workspace_id: z.string().optional(),
    },
    "a JSON object {name, config, is_default?, budget?}",
  ),
);

export const updateConfigSchema = z.preprocess(
  renameAliases(ALIASES),
  strictObject(
    {
      name: configNameSchema.optional(),
      config: configContentSchema.optional(),
      status: enumOf(EDITABLE_CONFIG_STATUSES, (input) =>
        input === "deleted" ? "deleted is set with DELETE /v1/configs/{slug}" : `must be one of ${EDITABLE_CONFIG_STATUSES.join(", ")}`,
      ).optional(),
      is_default: isDefaultSchema.optional(),
      /** Not a new version: the config's own setting. */
      budget: budgetSchema.optional(),
      /** The portkey-ai SDK sends the slug in the body too: it must name this config. */
      slug: z.string().optional(),
      workspace_id: z.string().optional(),
    },
    "a JSON object {name?, config?, status?, is_default?, budget?}",
    (key) =>
      key === "version_id" ? "to make an old version current again, POST /v1/configs/{slug}/versions/{version}/restore" : undefined,
  ),
);

export type CreateConfigInput = z.input<typeof createConfigSchema>;
export type CreateConfigBody = z.output<typeof createConfigSchema>;
export type UpdateConfigInput = z.input<typeof updateConfigSchema>;
export type UpdateConfigBody = z.output<typeof updateConfigSchema>;

export const listConfigsQuerySchema = z.object({
  status: enumOf(EDITABLE_CONFIG_STATUSES).optional(),
});

/** `POST /v1/configs/test`: one request through a config (saved or not); `slug`: the saved config its masked keys stand for. */
export const testConfigSchema = strictObject(
  {
    config: configContentSchema,
    slug: nonEmptyString("the id (pc-...) of the saved config whose masked keys the config holds").optional(),
    model: nonEmptyString("a model name").max(CONFIG_TEST_MAX_MODEL, { error: `must be at most ${CONFIG_TEST_MAX_MODEL} characters` }),
    prompt: nonEmptyString("a non-empty prompt")
      .max(CONFIG_TEST_MAX_PROMPT, { error: `must be at most ${CONFIG_TEST_MAX_PROMPT} characters` })
      .optional(),
    max_tokens: intInRange(1, CONFIG_TEST_MAX_TOKENS).optional(),
  },
  "a JSON object {config, model, slug?, prompt?, max_tokens?}",
);

export type TestConfigInput = z.input<typeof testConfigSchema>;
