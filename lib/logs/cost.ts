/**
 * Request cost in USD from a dated price table (docs/GATEWAY.md §9): unknown model -> null, never 0.
 *
 * Prices are OpenAI's public list prices (standard tier, USD per 1M tokens) as they stood on
 * PRICE_TABLE_DATE; only prices known with confidence are listed. Azure OpenAI answers carry the
 * same model names and are priced from this table too (Azure's own prices can differ slightly by
 * region and deployment type). Not modelled: Batch/Flex/Priority tiers, fine-tuned models
 * (`ft:...` -> null), audio/realtime/image tokens; cached input only when the caller passes it.
 */

/** The day the prices below reflect (OpenAI's list prices, standard tier). */
export const PRICE_TABLE_DATE = "2025-08-07";

export type ModelPrice = {
  /** USD per 1M input (prompt) tokens. */
  input: number;
  /** USD per 1M output (completion) tokens; absent for input-only models (embeddings). */
  output?: number;
  /** USD per 1M cached input tokens, where OpenAI discounts them. */
  cachedInput?: number;
};

const p = (input: number, output?: number, cachedInput?: number): ModelPrice => ({ input, output, cachedInput });

/**
 * Keys are model families or exact snapshot names. A name `<key>-YYYY-MM-DD` (a dated snapshot)
 * is priced as `<key>`; other suffixes (e.g. "-audio-preview", "-1106") only when listed here.
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

const DATED_SNAPSHOT = /^(.+)-\d{4}-\d{2}-\d{2}$/;

/** Lower-case, trimmed, Azure's "gpt-35-..." spelled as OpenAI's "gpt-3.5-...". */
function canonicalName(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^gpt-35(?=-|$)/, "gpt-3.5");
}

/**
 * The table entry that prices `model`: the exact name, else the family of a dated snapshot
 * (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`, never `gpt-4o`: the rest after the family must be
 * exactly a date). Null when the table does not know the model.
 */
export function findModelPrice(model: string | null | undefined): { key: string; price: ModelPrice } | null {
  if (typeof model !== "string") return null;
  const name = canonicalName(model);
  if (!name) return null;
  const own = (key: string) => (Object.hasOwn(PRICE_TABLE, key) ? PRICE_TABLE[key] : undefined);
  const exact = own(name);
  if (exact) return { key: name, price: exact };
  const family = DATED_SNAPSHOT.exec(name)?.[1];
  const price = family === undefined ? undefined : own(family);
  return price && family ? { key: family, price } : null;
}

const isTokenCount = (n: number) => Number.isFinite(n) && n >= 0;

/**
 * USD cost of one request, rounded to 1e-10; null when the model is unknown or a token count is
 * not a finite number >= 0. `cachedPromptTokens` (part of `promptTokens`, from usage
 * `prompt_tokens_details.cached_tokens`) is billed at the cached price where the table has one.
 */
export function costUsd(usage: {
  model: string | null | undefined;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens?: number;
}): number | null {
  const found = findModelPrice(usage.model);
  if (!found) return null;
  const { promptTokens, completionTokens } = usage;
  const cached = usage.cachedPromptTokens ?? 0;
  if (!isTokenCount(promptTokens) || !isTokenCount(completionTokens) || !isTokenCount(cached)) return null;
  const { input, output = 0, cachedInput = input } = found.price;
  const cachedTokens = Math.min(cached, promptTokens);
  const micro = (promptTokens - cachedTokens) * input + cachedTokens * cachedInput + completionTokens * output;
  return Number((micro / 1_000_000).toFixed(10));
}
