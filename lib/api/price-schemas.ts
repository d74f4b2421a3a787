/**
 * Inputs of the price routes (`/v1/prices`, docs/MANAGEMENT-API.md Prices), for the API and the
 * dashboard's forms. Prices are USD per 1M tokens, finite, from 0 to less than PRICE_MAX; a price
 * left out (or null) is not set (the cost then bills those tokens as input, or output as nothing
 * for an input-only model). Model names: 1 to 200 characters, no control characters, stored in the
 * canonical spelling (lower-case, gpt-3.5 not gpt-35). camelCase spellings are accepted too.
 */
import { z } from "zod";
import { enumOf, nonEmptyString, strictObject } from "../gateway/config/messages";
import { PROVIDER_IDS } from "../gateway/providers/catalog";
import { renameAliases } from "./input";

/** Prices are below this, USD per 1M tokens (the dearest list price is $600). */
export const PRICE_MAX = 10_000;
export const PRICE_MODEL_MAX = 200;

const PRICE_MESSAGE = `must be a number from 0 to less than ${PRICE_MAX.toLocaleString("en-US")} (USD per 1M tokens)`;

const price = z
  .number({ error: (issue) => (issue.input === undefined ? `is required (${PRICE_MESSAGE.replace(/^must be /, "")})` : PRICE_MESSAGE) })
  .finite({ error: PRICE_MESSAGE })
  .min(0, { error: PRICE_MESSAGE })
  .lt(PRICE_MAX, { error: PRICE_MESSAGE });

/** A price that may be left unset (absent or null). */
const optionalPrice = price.nullable().optional();

export const priceProviderSchema = enumOf(
  PROVIDER_IDS,
  (input) => `unknown provider ${JSON.stringify(input)}; one of ${PROVIDER_IDS.join(", ")}`,
);

export const priceModelSchema = nonEmptyString("a model name (1 to 200 characters)")
  .transform((model) => model.trim())
  .pipe(
    z
      .string()
      .max(PRICE_MODEL_MAX, { error: `must be at most ${PRICE_MODEL_MAX} characters` })
      .regex(/^[^\p{Cc}]*$/u, { error: "must not contain control characters" }),
  );

/** `PUT /v1/prices`: the workspace's prices of one provider's model (every price replaced). */
export const putPriceSchema = z.preprocess(
  renameAliases({ cachedInput: "cached_input", cacheWrite: "cache_write", workspaceId: "workspace_id" }),
  strictObject(
    {
      provider: priceProviderSchema,
      model: priceModelSchema,
      input: price,
      output: optionalPrice,
      cached_input: optionalPrice,
      cache_write: optionalPrice,
      reasoning: optionalPrice,
      workspace_id: z.string().optional(),
    },
    "an object {provider, model, input, output?, cached_input?, cache_write?, reasoning?}",
  ),
);

export type PutPriceBody = z.output<typeof putPriceSchema>;

/** `GET /v1/prices?provider=&model=`: one provider; models whose name contains `model`. */
export const listPricesQuerySchema = z.object({
  provider: priceProviderSchema.optional(),
  model: z
    .string()
    .max(PRICE_MODEL_MAX, { error: `must be at most ${PRICE_MODEL_MAX} characters` })
    .optional(),
  workspace_id: z.string().optional(),
});

/** `DELETE /v1/prices?provider=&model=`: the override to remove. */
export const deletePriceQuerySchema = z.object({
  provider: priceProviderSchema,
  model: priceModelSchema,
  workspace_id: z.string().optional(),
});
