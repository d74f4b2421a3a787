/**
 * A request's worst-case cost, reserved against its budgets before any upstream call
 * (docs/GATEWAY.md §12.3). It must never be below what the provider can bill for the request:
 * - Prompt tokens: at most the body's UTF-8 bytes (every token of a BPE tokenizer covers at least
 *   one byte; the JSON around the text, keys and quotes, more than covers the few tokens a provider
 *   adds per message), plus IMAGE_TOKENS for each image or file given by URL or id (their bytes are
 *   not in the body). Priced at the highest input rate the model has (cache writes cost more than
 *   fresh input on Anthropic), in the tier the estimate falls in.
 * - Output tokens: the request's own limit (`max_completion_tokens`, `max_tokens`,
 *   `max_output_tokens`; on Anthropic from chat, plus the thinking budget `reasoning_effort` adds),
 *   times `n` choices, else the model's maximum output (the price table's `max_output_tokens`, else
 *   DEFAULT_MAX_OUTPUT_TOKENS). Priced at the highest of its output and reasoning rates.
 * - Every target the request may reach is priced; the most expensive sets the reservation.
 * The counting endpoints and embeddings' output are free.
 */
import { isRecord } from "../is-record";
import { type ModelPrice, type PriceOverrides, type PriceRates, findModelPrice, maxOutputTokens } from "../logs/cost";
import type { Endpoint } from "../gateway/providers/types";

/** Tokens an image or file passed by URL or id may cost, beyond its bytes in the body (a high-detail image tiles to ~1,100-1,600 tokens on OpenAI; a PDF page more). */
export const IMAGE_TOKENS = 8_000;

/** Anthropic's translation adds the thinking budget `reasoning_effort` asks for (at most 32,768, xhigh) on top of `max_tokens`. */
const MAX_THINKING_TOKENS = 32_768;

/** Anthropic's translation sends 4,096 output tokens when the request names no limit. */
const ANTHROPIC_DEFAULT_MAX_TOKENS = 4_096;

const FREE: ReadonlySet<Endpoint> = new Set(["messages/count_tokens", "responses/input_tokens"]);

/** A target the request may reach, as pricing sees it. */
export type PricedTarget = {
  provider: string;
  /** The model it would send (`override_params.model`, else the body's). */
  model: string | null;
  /** The model a deployment name stands for (Azure), when the price table knows the model, not the deployment. */
  modelOfDeployment?: (name: string) => string | undefined;
};

export type WorstCase =
  | { ok: true; usd: number; promptTokens: number; outputTokens: number }
  | { ok: false; provider: string; model: string | null };

/** Upper bound on the prompt's tokens: its bytes plus IMAGE_TOKENS per image or file by reference. */
export function promptTokensUpperBound(requestText: string, body: Record<string, unknown>): number {
  return Buffer.byteLength(requestText, "utf8") + IMAGE_TOKENS * countReferences(body, 0);
}

/** Image and file parts given by URL or id (OpenAI's image_url/input_image/input_file, Anthropic's image/document sources). */
function countReferences(value: unknown, depth: number): number {
  if (depth > 64) return 0;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countReferences(v, depth + 1), 0);
  if (!isRecord(value)) return 0;
  let n = 0;
  const type = value.type;
  if (type === "image_url" || type === "input_image" || type === "input_file" || type === "image" || type === "document" || type === "file")
    n += 1;
  for (const key in value) {
    const v = value[key];
    if (typeof v === "object" && v !== null) n += countReferences(v, depth + 1);
  }
  return n;
}

function positiveInt(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null;
}

/** The request's own output limit, or null when it names none. */
function askedOutput(body: Record<string, unknown>): number | null {
  return positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? positiveInt(body.max_output_tokens);
}

function outputTokens(endpoint: Endpoint, body: Record<string, unknown>, provider: string, price: ModelPrice): number {
  if (endpoint === "embeddings" || FREE.has(endpoint)) return 0;
  const asked = askedOutput(body);
  let out: number;
  if (provider === "anthropic" && endpoint !== "messages") {
    // Chat translated to Messages: Anthropic's default limit, plus thinking when reasoning_effort asks for it.
    const thinking = body.reasoning_effort !== undefined && body.reasoning_effort !== null && body.reasoning_effort !== "none";
    out = (asked ?? ANTHROPIC_DEFAULT_MAX_TOKENS) + (thinking ? MAX_THINKING_TOKENS : 0);
  } else {
    out = asked ?? maxOutputTokens(price);
  }
  const choices = endpoint === "chat/completions" || endpoint === "completions" ? (positiveInt(body.n) ?? 1) : 1;
  return out * choices;
}

function findPrice(target: PricedTarget, overrides: PriceOverrides | undefined): ModelPrice | null {
  if (target.model === null) return null;
  const direct = findModelPrice(target.provider, target.model, overrides);
  if (direct) return direct.price;
  const model = target.modelOfDeployment?.(target.model);
  return model ? (findModelPrice(target.provider, model, overrides)?.price ?? null) : null;
}

/** USD per token at the dearest rates of a tier (input side and output side). */
function dearest(rates: PriceRates): { input: number; output: number } {
  const input = Math.max(rates.input, rates.cacheWrite ?? 0, rates.cachedInput ?? 0);
  const output = Math.max(rates.output ?? 0, rates.reasoning ?? 0);
  return { input, output };
}

/**
 * The most the request can cost on any of `targets`, or the first target whose model has no price
 * (its cost cannot be bounded). Rounded up to the nano-dollar.
 */
export function worstCaseCost(
  endpoint: Endpoint,
  requestText: string,
  body: Record<string, unknown>,
  targets: readonly PricedTarget[],
  overrides?: PriceOverrides,
): WorstCase {
  if (FREE.has(endpoint)) return { ok: true, usd: 0, promptTokens: 0, outputTokens: 0 };
  const promptTokens = promptTokensUpperBound(requestText, body);
  let worst: WorstCase = { ok: true, usd: 0, promptTokens, outputTokens: 0 };
  for (const target of targets) {
    const price = findPrice(target, overrides);
    if (!price) return { ok: false, provider: target.provider, model: target.model };
    const out = outputTokens(endpoint, body, target.provider, price);
    const tier = price.above !== undefined && promptTokens > price.above.tokens ? price.above : price;
    const rates = dearest(tier);
    // Rates are USD per 1M tokens: tokens x rate x 1,000 is nano-dollars, rounded up.
    const usd = Math.ceil((promptTokens * rates.input + out * rates.output) * 1_000) / 1e9;
    if (worst.ok && usd >= worst.usd) worst = { ok: true, usd, promptTokens, outputTokens: out };
  }
  return worst;
}
