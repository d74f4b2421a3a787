/**
 * Prices (`/v1/prices`, docs/MANAGEMENT-API.md Prices): the price list a workspace is billed at
 * (the price file's tables, lib/pricing/prices.json, with the workspace's overrides in place), and
 * the workspace's own prices, set and removed without a restart or a rebuild. A change drops the
 * workspace's cached overrides on every instance (lib/pricing/workspace-prices.ts) before the
 * answer is sent: every request that starts after it is priced with the new prices.
 * Each change is recorded in the audit trail (`price.set`, `price.delete`; target `price`,
 * `<provider>/<model>`) with the workspace's own price before and after (null: none).
 */
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { PRICE_FILE } from "../logs/cost";
import { canonicalModelName } from "../pricing/model-name";
import { overrideRow, priceList, type PriceListRow } from "../pricing/price-list";
import { invalidateWorkspacePrices } from "../pricing/workspace-prices";
import { deletePriceOverride, listPriceOverrides, upsertPriceOverride } from "../store/price-overrides";
import { notFound } from "./errors";
import { readJson, type ApiContext } from "./handler";
import { assertOwnWorkspace, parseInput, queryObject } from "./input";
import { deletePriceQuerySchema, listPricesQuerySchema, putPriceSchema } from "./price-schemas";

/** One price as the API shows it (snake_case, every price present: null where not set). */
export function priceView(row: PriceListRow) {
  const { above } = row;
  return {
    provider: row.provider,
    model: row.model,
    input: row.input,
    output: row.output,
    cached_input: row.cachedInput,
    cache_write: row.cacheWrite,
    reasoning: row.reasoning,
    max_output_tokens: row.maxOutputTokens,
    above: above
      ? {
          tokens: above.tokens,
          input: above.input,
          output: above.output ?? null,
          cached_input: above.cachedInput ?? null,
          cache_write: above.cacheWrite ?? null,
          reasoning: above.reasoning ?? null,
        }
      : null,
    source: row.source,
    date: row.date,
  };
}

export async function listPricesHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(listPricesQuerySchema, queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const overrides = await listPriceOverrides(getDb(), principal.workspaceId);
  const rows = priceList(overrides, { provider: query.provider, model: query.model });
  return Response.json({
    object: "list",
    schema_version: PRICE_FILE.schemaVersion,
    updated: PRICE_FILE.updated,
    data: rows.map(priceView),
  });
}

/** The workspace's own price of one model as the API shows it (null: none set). */
async function overrideView(workspaceId: string, provider: string, model: string) {
  const canonical = canonicalModelName(model);
  const row = (await listPriceOverrides(getDb(), workspaceId)).find((o) => o.provider === provider && o.model === canonical);
  return row ? priceView(overrideRow(row)) : null;
}

function priceTarget(provider: string, model: string) {
  const id = `${provider}/${canonicalModelName(model)}`;
  return { targetType: "price", targetId: id, targetLabel: id };
}

export async function putPriceHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(putPriceSchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  const before = await overrideView(principal.workspaceId, body.provider, body.model);
  const { row, created } = await upsertPriceOverride(getDb(), principal.workspaceId, {
    provider: body.provider,
    model: body.model,
    input: body.input,
    output: body.output ?? null,
    cachedInput: body.cached_input ?? null,
    cacheWrite: body.cache_write ?? null,
    reasoning: body.reasoning ?? null,
  });
  // Before the answer: every request that starts after it is priced with the new prices.
  await invalidateWorkspacePrices(principal.workspaceId);
  const after = priceView(overrideRow(row));
  await recordAudit(principal, { action: "price.set", ...priceTarget(row.provider, row.model), before, after });
  return Response.json(after, { status: created ? 201 : 200 });
}

export async function deletePriceHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(deletePriceQuerySchema, queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const model = canonicalModelName(query.model);
  const before = await overrideView(principal.workspaceId, query.provider, model);
  if (!(await deletePriceOverride(getDb(), principal.workspaceId, query.provider, model)))
    throw notFound("Price override", `${query.provider}/${model}`);
  await invalidateWorkspacePrices(principal.workspaceId);
  await recordAudit(principal, { action: "price.delete", ...priceTarget(query.provider, model), before, after: null });
  return Response.json({ provider: query.provider, model, deleted: true });
}
