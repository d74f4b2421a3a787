/**
 * Request cost in USD from dated price tables, one per provider (docs/GATEWAY.md §9): the same open
 * model costs differently on Groq and on Together, so a price is looked up by provider and model.
 * Unknown provider or model -> null, never 0 and never a guess.
 *
 * OpenAI's table holds its public list prices (standard tier, USD per 1M tokens) as they stood on
 * PRICE_TABLE_DATE; Azure OpenAI answers carry the same model names and are priced from it too
 * (Azure's own prices can differ slightly by region and deployment type). The other tables carry
 * their own dates and source pages and only the models whose prices that page states; a model whose
 * price could not be read from the provider's own page, or whose sources disagree, is left out.
 * Prices that change with the prompt's size (Claude Haiku 5.5 above 100K prompt tokens, Claude
 * Sonnet 4 and 4.5 above 200K) are modelled as a second tier (`above`), chosen per request.
 * Not modelled: Batch/Flex/Priority tiers, fine-tuned models (`ft:...` -> null), audio/realtime/
 * image tokens, 1-hour cache writes (billed as 5-minute writes: the usage does not tell them apart),
 * regional surcharges, per-request fees (Perplexity's search fees: no table).
 */

/** The day OpenAI's prices below reflect (its list prices, standard tier). */
export const PRICE_TABLE_DATE = "2025-08-07";

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

const p = (input: number, output?: number, cachedInput?: number, cacheWrite?: number): ModelPrice => ({
  input,
  output,
  cachedInput,
  cacheWrite,
});

/** `base` up to `tokens` prompt tokens, `long` above. */
const tiered = (base: ModelPrice, tokens: number, long: ModelPrice): ModelPrice => ({ ...base, above: { tokens, ...long } });

/**
 * OpenAI's table (also Azure OpenAI's). Keys are model families or exact snapshot names. A name
 * `<key>-YYYY-MM-DD` (a dated snapshot) is priced as `<key>`; other suffixes (e.g.
 * "-audio-preview", "-1106") only when listed here.
 */
export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = Object.freeze({
  "gpt-5": p(1.25, 10, 0.125),
  "gpt-5-mini": p(0.25, 2, 0.025),
  "gpt-5-nano": p(0.05, 0.4, 0.005),
  "gpt-5-chat-latest": p(1.25, 10, 0.125),
  "gpt-4.1": p(2, 8, 0.5),
  "gpt-4.1-mini": p(0.4, 1.6, 0.1),
  "gpt-4.1-nano": p(0.1, 0.4, 0.025),
  "gpt-4o": p(2.5, 10, 1.25),
  "gpt-4o-2024-05-13": p(5, 15),
  "gpt-4o-mini": p(0.15, 0.6, 0.075),
  "chatgpt-4o-latest": p(5, 15),
  o1: p(15, 60, 7.5),
  "o1-preview": p(15, 60, 7.5),
  "o1-mini": p(1.1, 4.4, 0.55),
  "o1-pro": p(150, 600),
  o3: p(2, 8, 0.5),
  "o3-pro": p(20, 80),
  "o3-mini": p(1.1, 4.4, 0.55),
  "o4-mini": p(1.1, 4.4, 0.275),
  "gpt-4-turbo": p(10, 30),
  "gpt-4-turbo-preview": p(10, 30),
  "gpt-4-1106-preview": p(10, 30),
  "gpt-4-0125-preview": p(10, 30),
  "gpt-4": p(30, 60),
  "gpt-4-0613": p(30, 60),
  "gpt-4-0314": p(30, 60),
  "gpt-4-32k": p(60, 120),
  "gpt-4-32k-0613": p(60, 120),
  "gpt-4-32k-0314": p(60, 120),
  "gpt-3.5-turbo": p(0.5, 1.5),
  "gpt-3.5-turbo-0125": p(0.5, 1.5),
  "gpt-3.5-turbo-1106": p(1, 2),
  "gpt-3.5-turbo-0613": p(1.5, 2),
  "gpt-3.5-turbo-0301": p(1.5, 2),
  "gpt-3.5-turbo-16k": p(3, 4),
  "gpt-3.5-turbo-16k-0613": p(3, 4),
  "gpt-3.5-turbo-instruct": p(1.5, 2),
  "gpt-3.5-turbo-instruct-0914": p(1.5, 2),
  "text-embedding-3-small": p(0.02),
  "text-embedding-3-large": p(0.13),
  "text-embedding-ada-002": p(0.1),
});

/**
 * The day Anthropic's prices below were read from its pricing and model pages
 * (https://platform.claude.com/docs/en/about-claude/pricing, .../docs/en/models/<model>/overview).
 */
export const ANTHROPIC_PRICE_DATE = "2026-12-05";

/** Claude Sonnet 4 and 4.5 over 200K prompt tokens (their 1M-context beta): $6 / $22.50, the cache multipliers (x1.25 write, x0.1 read) on top. */
const SONNET_4_LONG = p(6, 22.5, 0.6, 7.5);

/**
 * Anthropic's table: input, output, 5-minute cache writes and cache reads (hits). A dated snapshot
 * `<key>-YYYYMMDD` and the `<key>-latest` alias are priced as `<key>`; `claude-opus-4-0` and
 * `claude-sonnet-4-0` are the aliases of Claude Opus 4 and Sonnet 4. Left out: Claude Sonnet 5.5
 * (its pricing page and later reports disagree on its cache-read price), the Mythos models (limited
 * availability) and Claude 2 and older.
 */
export const ANTHROPIC_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  "claude-fable-5-1": p(10, 50, 0.25, 12.5),
  "claude-fable-5": p(10, 50, 1, 12.5),
  "claude-opus-5-5": p(4, 20, 0.2, 5),
  "claude-opus-5": p(5, 25, 0.5, 6.25),
  "claude-opus-4-8": p(5, 25, 0.5, 6.25),
  "claude-opus-4-7": p(5, 25, 0.5, 6.25),
  "claude-opus-4-6": p(5, 25, 0.5, 6.25),
  "claude-opus-4-5": p(5, 25, 0.5, 6.25),
  "claude-opus-4-1": p(15, 75, 1.5, 18.75),
  "claude-opus-4": p(15, 75, 1.5, 18.75),
  "claude-opus-4-0": p(15, 75, 1.5, 18.75),
  "claude-sonnet-5": p(2, 10, 0.2, 2.5),
  "claude-sonnet-4-6": p(3, 15, 0.3, 3.75),
  "claude-sonnet-4-5": tiered(p(3, 15, 0.3, 3.75), 200_000, SONNET_4_LONG),
  "claude-sonnet-4": tiered(p(3, 15, 0.3, 3.75), 200_000, SONNET_4_LONG),
  "claude-sonnet-4-0": tiered(p(3, 15, 0.3, 3.75), 200_000, SONNET_4_LONG),
  "claude-3-7-sonnet": p(3, 15, 0.3, 3.75),
  "claude-haiku-5-5": tiered(p(0.1, 0.5, 0.01, 0.125), 100_000, p(0.5, 2.5, 0.05, 0.625)),
  "claude-haiku-4-5": p(1, 5, 0.1, 1.25),
  "claude-3-5-haiku": p(0.8, 4, 0.08, 1),
  "claude-3-opus": p(15, 75, 1.5, 18.75),
  "claude-3-haiku": p(0.25, 1.25, 0.03, 0.3),
});

/**
 * The day the Groq prices below reflect (https://groq.com/pricing, on-demand tier). Not re-read
 * since: no newer copy of Groq's own page was found, and nothing found contradicts these two.
 */
export const GROQ_PRICE_DATE = "2025-10-15";

/** Groq's table, by Groq's model ids. */
export const GROQ_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  "llama-3.3-70b-versatile": p(0.59, 0.79),
  "llama-3.1-8b-instant": p(0.05, 0.08),
});

/**
 * The table of each provider, by provider id. A provider without one has every cost null:
 * - deepseek: sources disagree. The copy of its own pricing page found lists older DeepSeek-V3
 *   prices; a later report describes new model ids and peak/off-peak rates, which `cost()` could
 *   not apply anyway (it is not told when a request ran). The 2025-12-09 V3.2 prices were dropped.
 * - mistral-ai, together-ai, fireworks-ai, x-ai, google: no copy of the provider's own per-model
 *   pricing page could be read, and secondary sources disagree; never a guessed price.
 * - perplexity-ai: per-request search fees on top of tokens; openrouter: the price depends on the
 *   provider it routes to; ollama, openai-compatible: your own servers.
 */
export const PRICE_TABLES: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>> = Object.freeze({
  openai: PRICE_TABLE,
  "azure-openai": PRICE_TABLE,
  anthropic: ANTHROPIC_PRICES,
  groq: GROQ_PRICES,
});

/** Every model name some table prices (the log explorer's model suggestions). */
export const PRICED_MODELS: readonly string[] = [...new Set(Object.values(PRICE_TABLES).flatMap((table) => Object.keys(table)))];

/** A workspace's own prices (USD per 1M tokens), keyed by `priceOverrideKey`: they win over the tables. */
export type PriceOverrides = ReadonlyMap<string, ModelPrice>;

export function priceOverrideKey(provider: string, model: string): string {
  return `${provider}\u0000${canonicalName(model)}`;
}

/** The output limit a budget assumes when a request names none and the table has no figure for the model. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 128_000;

/** The most output tokens one answer of the model can hold: its own figure, else DEFAULT_MAX_OUTPUT_TOKENS. */
export function maxOutputTokens(price: ModelPrice): number {
  return price.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/** `<family>-YYYY-MM-DD` (OpenAI), `<family>-YYYYMMDD` (Anthropic) and `<family>-latest` (Anthropic's aliases). */
const SNAPSHOT_SUFFIXES = [/^(.+)-\d{4}-\d{2}-\d{2}$/, /^(.+)-\d{8}$/, /^(.+)-latest$/];

/** Lower-case, trimmed, Azure's "gpt-35-..." spelled as OpenAI's "gpt-3.5-...". */
function canonicalName(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^gpt-35(?=-|$)/, "gpt-3.5");
}

/**
 * The entry of `provider`'s table that prices `model`: the exact name, else the family of a dated
 * snapshot (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`, never `gpt-4o`: the rest after the family
 * must be exactly a date; `claude-sonnet-4-20250514` -> `claude-sonnet-4`). Null when the provider
 * has no table or its table does not know the model.
 */
export function findModelPrice(
  provider: string | null | undefined,
  model: string | null | undefined,
  overrides?: PriceOverrides,
): { key: string; price: ModelPrice } | null {
  if (overrides?.size && typeof provider === "string" && typeof model === "string") {
    const own = overrides.get(priceOverrideKey(provider, model));
    if (own) return { key: canonicalName(model), price: own };
  }
  if (typeof provider !== "string" || !Object.hasOwn(PRICE_TABLES, provider)) return null;
  const table = PRICE_TABLES[provider]!;
  if (typeof model !== "string") return null;
  const name = canonicalName(model);
  if (!name) return null;
  const own = (key: string) => (Object.hasOwn(table, key) ? table[key] : undefined);
  const exact = own(name);
  if (exact) return { key: name, price: exact };
  for (const suffix of SNAPSHOT_SUFFIXES) {
    const family = suffix.exec(name)?.[1];
    const price = family === undefined ? undefined : own(family);
    if (price && family) return { key: family, price };
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
};

const isTokenCount = (n: number) => Number.isFinite(n) && n >= 0;

/**
 * USD cost of one answer of `provider` for `model`, rounded to 1e-10; null when the provider or
 * model is unknown or a token count is not a finite number >= 0. `promptTokens` includes the
 * cache reads and writes: those are billed at the table's cache-read and cache-write prices where
 * it has them (else at the input price), the rest of the prompt at the input price. Reads and
 * writes together never count for more than the prompt (reads first). A model with an `above` tier
 * is billed entirely (output too) at that tier's prices when `promptTokens` exceeds its `tokens`.
 */
export function cost(provider: string | null | undefined, model: string | null | undefined, usage: CostUsage): number | null {
  const found = findModelPrice(provider, model);
  if (!found) return null;
  const promptTokens = usage.promptTokens ?? 0;
  const completionTokens = usage.completionTokens ?? 0;
  const reads = usage.cacheReadTokens ?? 0;
  const writes = usage.cacheWriteTokens ?? 0;
  if (![promptTokens, completionTokens, reads, writes].every(isTokenCount)) return null;
  const { above } = found.price;
  const rates: PriceRates = above !== undefined && promptTokens > above.tokens ? above : found.price;
  const { input, output = 0, cachedInput = input, cacheWrite = input } = rates;
  const readTokens = Math.min(reads, promptTokens);
  const writeTokens = Math.min(writes, promptTokens - readTokens);
  const fresh = promptTokens - readTokens - writeTokens;
  const micro = fresh * input + readTokens * cachedInput + writeTokens * cacheWrite + completionTokens * output;
  return Number((micro / 1_000_000).toFixed(10));
}
