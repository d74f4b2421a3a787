/**
 * Request cost in USD from dated price tables, one per provider (docs/GATEWAY.md §9): the same open
 * model costs differently on Groq and on Together, so a price is looked up by provider and model.
 * Unknown provider or model -> null, never 0 and never a guess.
 *
 * The tables are data: lib/pricing/prices.json, validated when this module loads
 * (lib/pricing/price-file.ts; a bad file stops Detour with the path of the problem). Each provider
 * there carries the date its prices were read, the page they come from, and what is left out.
 * Azure OpenAI reuses OpenAI's table (`same_as`). Prices that change with the prompt's size (Claude
 * Haiku 5.5 above 100K prompt tokens, Claude Sonnet 4 and 4.5 and Gemini 3.1 Pro Preview above 200K)
 * are a second tier (`above`), chosen per request.
 *
 * A workspace may override the price of any model of a known provider (`PriceOverrides`, loaded
 * from the database by lib/pricing/workspace-prices.ts): an override for a model wins over the
 * table's entry for it and over the table's family of a dated snapshot.
 */
import pricesJson from "../pricing/prices.json";
import { canonicalModelName } from "../pricing/model-name";
import { parsePriceFile, type PriceFile, type PriceTable } from "../pricing/price-file";

export { canonicalModelName };

/** Prices of one tier, USD per 1M tokens. */
export type PriceRates = {
  /** USD per 1M input (prompt) tokens. */
  input: number;
  /** USD per 1M output (completion) tokens; absent for input-only models (embeddings). */
  output?: number;
  /** USD per 1M input tokens read from the provider's prompt cache, where it discounts them. */
  cachedInput?: number;
  /** USD per 1M input tokens written to the prompt cache (Anthropic's 5-minute writes), where it charges extra. */
  cacheWrite?: number;
  /** USD per 1M reasoning tokens, where the provider prices them apart from output (else they are output tokens). */
  reasoning?: number;
};

export type ModelPrice = PriceRates & {
  /** The most output tokens one answer of the model can hold: a budget's worst case when the request sets no limit. */
  maxOutputTokens?: number;
  /**
   * The prices of every token of a request whose prompt (cache reads and writes included) holds
   * more than `tokens` tokens, output included. Lists the same kinds of price as the base tier, so
   * a long request is never priced from a guessed rate.
   */
  above?: PriceRates & { tokens: number };
};

/** The committed price file, parsed and validated (throws at import when it is not valid). */
export const PRICE_FILE: PriceFile = parsePriceFile(pricesJson);

function providerPrices(id: string) {
  const provider = PRICE_FILE.providers[id];
  if (!provider) throw new Error(`lib/pricing/prices.json has no ${id} table`);
  return provider;
}

/** The day OpenAI's prices reflect (its list prices, standard tier). */
export const PRICE_TABLE_DATE: string = providerPrices("openai").date;

/**
 * OpenAI's table (also Azure OpenAI's). Keys are model families or exact snapshot names. A name
 * `<key>-YYYY-MM-DD` (a dated snapshot) is priced as `<key>`; other suffixes (e.g.
 * "-audio-preview", "-1106") only when listed.
 */
export const PRICE_TABLE: PriceTable = providerPrices("openai").models;

/** The day Anthropic's prices were read from its pricing and model pages. */
export const ANTHROPIC_PRICE_DATE: string = providerPrices("anthropic").date;

/**
 * Anthropic's table: input, output, 5-minute cache writes and cache reads (hits). A dated snapshot
 * `<key>-YYYYMMDD` and the `<key>-latest` alias are priced as `<key>`.
 */
export const ANTHROPIC_PRICES: PriceTable = providerPrices("anthropic").models;

/** The day the Groq prices reflect (on-demand tier). */
export const GROQ_PRICE_DATE: string = providerPrices("groq").date;

/** Groq's table, by Groq's model ids. */
export const GROQ_PRICES: PriceTable = providerPrices("groq").models;

/**
 * The table of each provider, by provider id. A provider without one (the file's `unpriced`, with
 * the reason) has every cost null unless a workspace overrides a price.
 */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = Object.freeze(
  Object.fromEntries(Object.entries(PRICE_FILE.providers).map(([id, provider]) => [id, provider.models])),
);

/** Every model name some table prices (the log explorer's model suggestions). */
export const PRICED_MODELS: readonly string[] = [...new Set(Object.values(PRICE_TABLES).flatMap((table) => Object.keys(table)))];

/** A budget's worst case for the output of a model whose table states no maximum. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 128_000;

/** The most output tokens one answer priced by `price` can hold: its own figure, else DEFAULT_MAX_OUTPUT_TOKENS. */
export function maxOutputTokens(price: ModelPrice): number {
  return price.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/**
 * A workspace's own prices, keyed by `priceOverrideKey(provider, model)`. Each is a flat price (no
 * long-prompt tier) for exactly that provider: an Azure OpenAI override is keyed by "azure-openai".
 */
export type PriceOverrides = ReadonlyMap<string, ModelPrice>;

/** The key of `provider`'s price for `model` in PriceOverrides: `${provider}\u0000${canonical model}`. */
export function priceOverrideKey(provider: string, model: string): string {
  return `${provider}\u0000${canonicalModelName(model)}`;
}

/** The prices of one override (lib/store/price-overrides.ts): null for a price it does not set. */
export type PriceOverrideInput = {
  provider: string;
  model: string;
  input: number;
  output: number | null;
  cachedInput: number | null;
  cacheWrite: number | null;
  reasoning: number | null;
};

/**
 * Stored overrides as PriceOverrides. An override keeps the table's maxOutputTokens for its model
 * (it only changes prices); unset prices stay unset (a missing cache price bills those tokens as input).
 */
export function toPriceOverrides(rows: Iterable<PriceOverrideInput>): PriceOverrides {
  const map = new Map<string, ModelPrice>();
  for (const row of rows) {
    const price: ModelPrice = { input: row.input };
    if (row.output !== null) price.output = row.output;
    if (row.cachedInput !== null) price.cachedInput = row.cachedInput;
    if (row.cacheWrite !== null) price.cacheWrite = row.cacheWrite;
    if (row.reasoning !== null) price.reasoning = row.reasoning;
    const max = findModelPrice(row.provider, row.model)?.price.maxOutputTokens;
    if (max !== undefined) price.maxOutputTokens = max;
    map.set(priceOverrideKey(row.provider, row.model), Object.freeze(price));
  }
  return map;
}

/** `<family>-YYYY-MM-DD` (OpenAI), `<family>-YYYYMMDD` (Anthropic) and `<family>-latest` (Anthropic's aliases). */
const SNAPSHOT_SUFFIXES = [/^(.+)-\d{4}-\d{2}-\d{2}$/, /^(.+)-\d{8}$/, /^(.+)-latest$/];

/** The names a price of `name` may be found under: itself, then the family of a dated snapshot or alias. */
function candidateNames(name: string): string[] {
  const names = [name];
  for (const suffix of SNAPSHOT_SUFFIXES) {
    const family = suffix.exec(name)?.[1];
    if (family) names.push(family);
  }
  return names;
}

export type FoundPrice = {
  /** The name the price is kept under (the model's own, or its family's). */
  key: string;
  price: ModelPrice;
  /** The workspace's override, or the price file's table. */
  source: "override" | "table";
};

/**
 * The price of `model` as `provider` answers it: the exact name, else the family of a dated
 * snapshot (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`, never `gpt-4o`: the rest after the family
 * must be exactly a date; `claude-sonnet-4-20250514` -> `claude-sonnet-4`). At each name a
 * workspace override (`overrides`) wins over the table, so an override of the exact snapshot beats
 * the table's family. Null when neither knows the model.
 */
export function findModelPrice(
  provider: string | null | undefined,
  model: string | null | undefined,
  overrides?: PriceOverrides,
): FoundPrice | null {
  if (typeof provider !== "string" || typeof model !== "string") return null;
  const name = canonicalModelName(model);
  if (!name) return null;
  const table = Object.hasOwn(PRICE_TABLES, provider) ? PRICE_TABLES[provider] : undefined;
  if (!table && !overrides?.size) return null;
  for (const key of candidateNames(name)) {
    const override = overrides?.get(priceOverrideKey(provider, key));
    if (override) return { key, price: override, source: "override" };
    if (table && Object.hasOwn(table, key)) return { key, price: table[key]!, source: "table" };
  }
  return null;
}

/** Token counts to price; null = not reported (counted as 0). */
export type CostUsage = {
  promptTokens: number | null;
  completionTokens: number | null;
  /** Part of `promptTokens` read from the prompt cache. */
  cacheReadTokens?: number | null;
  /** Part of `promptTokens` written to the prompt cache. */
  cacheWriteTokens?: number | null;
  /** Part of `completionTokens` spent reasoning. */
  reasoningTokens?: number | null;
};

const isTokenCount = (n: number) => Number.isFinite(n) && n >= 0;

/**
 * USD cost of one answer of `provider` for `model`, rounded to 1e-10; null when no price is known
 * (table or `overrides`) or a token count is not a finite number >= 0.
 *
 * `promptTokens` includes the cache reads and writes: those are billed at the cache-read and
 * cache-write prices where the price has them (else at the input price), the rest of the prompt at
 * the input price, so no token is billed twice. Reads and writes together never count for more
 * than the prompt (reads first). `completionTokens` includes the reasoning tokens: they are billed
 * once, at the price's own reasoning rate when it has one (else as output). A price with an `above`
 * tier is billed entirely (output too) at that tier's prices when `promptTokens` exceeds its `tokens`.
 */
export function cost(
  provider: string | null | undefined,
  model: string | null | undefined,
  usage: CostUsage,
  overrides?: PriceOverrides,
): number | null {
  const found = findModelPrice(provider, model, overrides);
  if (!found) return null;
  const promptTokens = usage.promptTokens ?? 0;
  const completionTokens = usage.completionTokens ?? 0;
  const reads = usage.cacheReadTokens ?? 0;
  const writes = usage.cacheWriteTokens ?? 0;
  const reasoned = usage.reasoningTokens ?? 0;
  if (![promptTokens, completionTokens, reads, writes, reasoned].every(isTokenCount)) return null;
  const { above } = found.price;
  const rates: PriceRates = above !== undefined && promptTokens > above.tokens ? above : found.price;
  const { input, output = 0, cachedInput = input, cacheWrite = input } = rates;
  const readTokens = Math.min(reads, promptTokens);
  const writeTokens = Math.min(writes, promptTokens - readTokens);
  const fresh = promptTokens - readTokens - writeTokens;
  let micro = fresh * input + readTokens * cachedInput + writeTokens * cacheWrite;
  if (rates.reasoning === undefined) micro += completionTokens * output;
  else {
    const reasoningTokens = Math.min(reasoned, completionTokens);
    micro += (completionTokens - reasoningTokens) * output + reasoningTokens * rates.reasoning;
  }
  return Number((micro / 1_000_000).toFixed(10));
}
