/**
 * The price file (lib/pricing/prices.json, docs/GATEWAY.md §9): its zod schema and the parse that
 * turns it into the tables lib/logs/cost.ts prices from. The file is snake_case JSON, versioned by
 * `schema_version`; each provider carries the date its prices were read, the page they were read
 * from, a note on what is left out, and its models (USD per 1M tokens). A provider may reuse
 * another's table (`same_as`: Azure OpenAI prices OpenAI's model names); its own entries win.
 *
 * A file that does not match fails loudly: parsePriceFile throws an Error naming the file and the
 * path of every problem (`providers.anthropic.models["claude-x"].input: ...`), so a bad edit stops
 * Detour at start instead of pricing requests from a broken table.
 */
import { z } from "zod";
import type { ModelPrice, PriceRates } from "../logs/cost";
import { canonicalModelName } from "./model-name";

/** Where the committed file lives (in error messages). */
export const PRICE_FILE_PATH = "lib/pricing/prices.json";

/** One provider's table: model name (canonical) -> price. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** One provider of the file, its table resolved (`same_as` merged in). */
export type ProviderPrices = {
  /** The day its prices were read (YYYY-MM-DD). */
  date: string;
  /** The page they were read from. */
  source: string;
  note: string | null;
  /** The provider whose table this one reuses, or null. */
  sameAs: string | null;
  models: PriceTable;
};

export type PriceFile = {
  schemaVersion: 1;
  /** The newest date of any provider's prices (YYYY-MM-DD). */
  updated: string;
  note: string | null;
  providers: Readonly<Record<string, ProviderPrices>>;
  /** Providers deliberately without a table, and why. */
  unpriced: Readonly<Record<string, string>>;
};

const RATE_ERROR = "must be a finite number >= 0 (USD per 1M tokens)";
const rate = z.number({ error: RATE_ERROR }).finite({ error: RATE_ERROR }).min(0, { error: RATE_ERROR });
const date = z.iso.date({ error: "must be a date, YYYY-MM-DD" });

const rateFields = {
  input: rate,
  output: rate.optional(),
  cached_input: rate.optional(),
  cache_write: rate.optional(),
  reasoning: rate.optional(),
};
const OPTIONAL_RATES = ["output", "cached_input", "cache_write", "reasoning"] as const;

const tierSchema = z.strictObject({
  tokens: z
    .number()
    .int({ error: "must be a whole number of prompt tokens > 0" })
    .positive({ error: "must be a whole number of prompt tokens > 0" }),
  ...rateFields,
});

const modelSchema = z
  .strictObject({
    ...rateFields,
    max_output_tokens: z.number().int({ error: "must be a whole number > 0" }).positive({ error: "must be a whole number > 0" }).optional(),
    above: tierSchema.optional(),
  })
  .superRefine((price, ctx) => {
    const { above } = price;
    if (!above) return;
    // A long-prompt tier names the same kinds of price as the base, so no rate is ever filled in by guess.
    for (const kind of OPTIONAL_RATES) {
      if ((above[kind] === undefined) !== (price[kind] === undefined))
        ctx.addIssue({ code: "custom", path: ["above", kind], message: `must be given exactly when the base tier gives ${kind}` });
    }
  });

const providerSchema = z.strictObject({
  date,
  source: z.url({ protocol: /^https$/, error: "must be an https:// URL (the page the prices were read from)" }),
  note: z.string().min(1).optional(),
  same_as: z.string().min(1).optional(),
  models: z.record(z.string(), modelSchema),
});

const fileSchema = z
  .strictObject({
    schema_version: z.literal(1, { error: "must be 1 (the version this Detour reads)" }),
    updated: date,
    note: z.string().min(1).optional(),
    providers: z.record(z.string(), providerSchema),
    unpriced: z.record(z.string(), z.string().min(1)).optional(),
  })
  .superRefine((file, ctx) => {
    for (const [id, provider] of Object.entries(file.providers)) {
      for (const model of Object.keys(provider.models)) {
        if (model !== canonicalModelName(model) || model === "")
          ctx.addIssue({
            code: "custom",
            path: ["providers", id, "models", model],
            message: `a model name must be canonical (trimmed, lower-case, gpt-3.5 not gpt-35): ${JSON.stringify(canonicalModelName(model))}`,
          });
      }
      if (provider.date > file.updated)
        ctx.addIssue({ code: "custom", path: ["providers", id, "date"], message: `is later than updated (${file.updated})` });
      const target = provider.same_as;
      if (target === undefined) continue;
      if (!Object.hasOwn(file.providers, target) || target === id)
        ctx.addIssue({ code: "custom", path: ["providers", id, "same_as"], message: `must name another provider of this file` });
      else if (file.providers[target]!.same_as !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["providers", id, "same_as"],
          message: `${target} itself reuses another table; name that one`,
        });
    }
    for (const id of Object.keys(file.unpriced ?? {})) {
      if (Object.hasOwn(file.providers, id))
        ctx.addIssue({ code: "custom", path: ["unpriced", id], message: "is also listed under providers" });
    }
  });

type FileInput = z.output<typeof fileSchema>;
type RatesInput = z.output<typeof tierSchema> | z.output<typeof modelSchema>;

/** `providers.openai.models["gpt-4.1"].input`: a key that is not a plain word is quoted. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === "number") return `${out}[${part}]`;
    const key = String(part);
    if (/^[a-z_][a-z0-9_]*$/i.test(key)) return out ? `${out}.${key}` : key;
    return `${out}[${JSON.stringify(key)}]`;
  }, "");
}

function ratesOf(input: RatesInput): PriceRates {
  const rates: PriceRates = { input: input.input };
  if (input.output !== undefined) rates.output = input.output;
  if (input.cached_input !== undefined) rates.cachedInput = input.cached_input;
  if (input.cache_write !== undefined) rates.cacheWrite = input.cache_write;
  if (input.reasoning !== undefined) rates.reasoning = input.reasoning;
  return rates;
}

function modelPriceOf(input: z.output<typeof modelSchema>): ModelPrice {
  const price: ModelPrice = ratesOf(input);
  if (input.max_output_tokens !== undefined) price.maxOutputTokens = input.max_output_tokens;
  if (input.above !== undefined) price.above = Object.freeze({ tokens: input.above.tokens, ...ratesOf(input.above) });
  return Object.freeze(price);
}

function tableOf(models: FileInput["providers"][string]["models"]): PriceTable {
  // fromEntries defines own properties (a "__proto__" key stays a key, never a prototype).
  return Object.freeze(Object.fromEntries(Object.entries(models).map(([model, price]) => [model, modelPriceOf(price)])));
}

/**
 * The price file `data` (parsed JSON) as tables, or an Error naming `where` and every problem's
 * path. `same_as` is resolved here: the provider's table is its target's, then its own entries.
 */
export function parsePriceFile(data: unknown, where: string = PRICE_FILE_PATH): PriceFile {
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${pathText(issue.path) || "(the file)"}: ${issue.message}`);
    throw new Error(`${where} is not a valid price file:\n${lines.join("\n")}`);
  }
  const file = parsed.data;
  const own = Object.fromEntries(Object.entries(file.providers).map(([id, p]) => [id, tableOf(p.models)]));
  const providers = Object.fromEntries(
    Object.entries(file.providers).map(([id, p]): [string, ProviderPrices] => {
      const models = p.same_as === undefined ? own[id]! : Object.freeze({ ...own[p.same_as]!, ...own[id]! });
      return [id, Object.freeze({ date: p.date, source: p.source, note: p.note ?? null, sameAs: p.same_as ?? null, models })];
    }),
  );
  return Object.freeze({
    schemaVersion: file.schema_version,
    updated: file.updated,
    note: file.note ?? null,
    providers: Object.freeze(providers),
    unpriced: Object.freeze({ ...(file.unpriced ?? {}) }),
  });
}
