/**
 * Every price a workspace is billed at, as one list (`GET /v1/prices`, the dashboard's Prices page):
 * the price file's tables with the workspace's overrides in place of the entries they override,
 * then the overrides of models no table lists. Pure: the caller reads the overrides.
 */
import { PROVIDER_IDS } from "../gateway/providers/catalog";
import { canonicalModelName } from "./model-name";
import { findModelPrice, PRICE_FILE, priceOverrideKey, type ModelPrice, type PriceOverrideInput, type PriceRates } from "../logs/cost";

export type PriceListRow = {
  provider: string;
  model: string;
  input: number;
  output: number | null;
  cachedInput: number | null;
  cacheWrite: number | null;
  reasoning: number | null;
  /** The model's maximum answer, where its table states one (an override keeps the table's). */
  maxOutputTokens: number | null;
  /** The long-prompt tier (tables only; an override is a flat price). */
  above: (PriceRates & { tokens: number }) | null;
  source: "table" | "override";
  /** The table's date, or the day the override was last set (YYYY-MM-DD). */
  date: string;
};

/** A stored override, as lib/store/price-overrides.ts lists it. */
export type OverrideForList = PriceOverrideInput & { updatedAt: Date };

/** `provider`: exactly that provider; `model`: the model name contains it (any case). */
export type PriceListFilter = { provider?: string; model?: string };

function tableRow(provider: string, model: string, price: ModelPrice, date: string): PriceListRow {
  return {
    provider,
    model,
    input: price.input,
    output: price.output ?? null,
    cachedInput: price.cachedInput ?? null,
    cacheWrite: price.cacheWrite ?? null,
    reasoning: price.reasoning ?? null,
    maxOutputTokens: price.maxOutputTokens ?? null,
    above: price.above ?? null,
    source: "table",
    date,
  };
}

/** One override as a row of the list (its model's maxOutputTokens from the table, if the table knows it). */
export function overrideRow(o: OverrideForList): PriceListRow {
  return {
    provider: o.provider,
    model: canonicalModelName(o.model),
    input: o.input,
    output: o.output,
    cachedInput: o.cachedInput,
    cacheWrite: o.cacheWrite,
    reasoning: o.reasoning,
    maxOutputTokens: findModelPrice(o.provider, o.model)?.price.maxOutputTokens ?? null,
    above: null,
    source: "override",
    date: o.updatedAt.toISOString().slice(0, 10),
  };
}

/** Providers in the catalog's order (the price file's own order for any it has that the catalog lacks). */
function providerOrder(): string[] {
  return [...new Set([...PROVIDER_IDS, ...Object.keys(PRICE_FILE.providers)])];
}

/** The workspace's price list: by provider (catalog order), table models in the file's order, then other overrides by name. */
export function priceList(overrides: readonly OverrideForList[], filter: PriceListFilter = {}): PriceListRow[] {
  const byKey = new Map(overrides.map((o) => [priceOverrideKey(o.provider, o.model), o]));
  const rows: PriceListRow[] = [];
  for (const provider of providerOrder()) {
    if (filter.provider !== undefined && provider !== filter.provider) continue;
    const table = PRICE_FILE.providers[provider];
    const listed = new Set<string>();
    for (const [model, price] of Object.entries(table?.models ?? {})) {
      const key = priceOverrideKey(provider, model);
      const override = byKey.get(key);
      listed.add(key);
      rows.push(override ? overrideRow(override) : tableRow(provider, model, price, table!.date));
    }
    const others = overrides.filter((o) => o.provider === provider && !listed.has(priceOverrideKey(provider, o.model)));
    for (const o of [...others].sort((a, b) => a.model.localeCompare(b.model))) rows.push(overrideRow(o));
  }
  const needle = filter.model?.trim().toLowerCase();
  return needle ? rows.filter((r) => r.model.includes(needle)) : rows;
}
