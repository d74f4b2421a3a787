/**
 * A workspace's own prices (`PriceOverride`, docs/MANAGEMENT-API.md Prices): one row per provider
 * and model, USD per 1M tokens, null for a price it does not set. Model names are stored in the
 * canonical spelling prices are keyed by (lib/pricing/model-name.ts), so one model has one row.
 */
import type { Db } from "../db";
import { retryOnUniqueViolation } from "../db/conflict";
import type { PriceOverrideInput } from "../logs/cost";
import { canonicalModelName } from "../pricing/model-name";

/** A stored override: its prices (`model` canonical: lower-case, gpt-3.5 not gpt-35) and when it was set. */
export type PriceOverrideRow = PriceOverrideInput & { createdAt: Date; updatedAt: Date };

const SELECT = {
  provider: true,
  model: true,
  input: true,
  output: true,
  cachedInput: true,
  cacheWrite: true,
  reasoning: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** Every override of the workspace, by provider then model. */
export async function listPriceOverrides(db: Db, workspaceId: string): Promise<PriceOverrideRow[]> {
  return db.priceOverride.findMany({ where: { workspaceId }, select: SELECT, orderBy: [{ provider: "asc" }, { model: "asc" }] });
}

/** Sets the workspace's prices of `input.provider`'s `input.model` (any spelling); every price is replaced, one left null is unset. */
export async function upsertPriceOverride(
  db: Db,
  workspaceId: string,
  input: PriceOverrideInput,
): Promise<{ row: PriceOverrideRow; created: boolean }> {
  const model = canonicalModelName(input.model);
  const prices = {
    input: input.input,
    output: input.output,
    cachedInput: input.cachedInput,
    cacheWrite: input.cacheWrite,
    reasoning: input.reasoning,
  };
  const key = { workspaceId, provider: input.provider, model };
  return retryOnUniqueViolation(async () => {
    const existing = await db.priceOverride.findUnique({ where: { workspaceId_provider_model: key }, select: { model: true } });
    const row = await db.priceOverride.upsert({
      where: { workspaceId_provider_model: key },
      update: prices,
      create: { ...key, ...prices },
      select: SELECT,
    });
    return { row, created: existing === null };
  });
}

/** Removes the override; false when the workspace has none for that provider and model. */
export async function deletePriceOverride(db: Db, workspaceId: string, provider: string, model: string): Promise<boolean> {
  const { count } = await db.priceOverride.deleteMany({ where: { workspaceId, provider, model: canonicalModelName(model) } });
  return count > 0;
}
