/**
 * A workspace's own prices as cost() takes them (`PriceOverrides`), read from the database once
 * and cached in memory like the gateway's other lookups (lib/gateway/cache/lookups.ts: TTL_MS,
 * stale-while-revalidate for STALE_MS while the database is unreachable). The management API
 * calls invalidateWorkspacePrices after every change: the next request of the workspace, on this
 * instance and (with REDIS_URL) every other, is priced with the new overrides; no restart, no rebuild.
 */
import { getDb } from "../db";
import { invalidatePriceOverrides, priceOverrideCache } from "../gateway/cache/lookups";
import { toPriceOverrides, type PriceOverrides } from "../logs/cost";
import { listPriceOverrides } from "../store/price-overrides";

/** The workspace's price overrides (an empty map when it has none). */
export function workspacePrices(workspaceId: string): Promise<PriceOverrides> {
  return priceOverrideCache().get(workspaceId, async () => toPriceOverrides(await listPriceOverrides(getDb(), workspaceId)));
}

/** Drops the workspace's cached overrides here and on the other instances; resolves once they were told (never rejects). */
export function invalidateWorkspacePrices(workspaceId: string): Promise<void> {
  return invalidatePriceOverrides(workspaceId);
}
