/** workspacePrices: a workspace's overrides loaded once, cached, and reloaded after invalidateWorkspacePrices (real database). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearGatewayCaches } from "@/lib/gateway/cache/lookups";
import { cost, priceOverrideKey } from "@/lib/logs/cost";
import { invalidateWorkspacePrices, workspacePrices } from "@/lib/pricing/workspace-prices";
import { getRuntime } from "@/lib/runtime";
import { upsertPriceOverride } from "@/lib/store/price-overrides";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, type TestDatabase } from "@/testing/test-db";

describe("workspacePrices", () => {
  let t: TestDatabase;
  let ws: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    getRuntime().db = t.db; // getDb() hands out this test's database
    ws = (await ensureDefaultWorkspace(t.db)).id;
  });
  afterAll(async () => {
    clearGatewayCaches();
    getRuntime().db = undefined;
    await t?.drop();
  });

  const usage = { promptTokens: 1000, completionTokens: 500 };
  const set = (input: number, output: number) =>
    upsertPriceOverride(t.db, ws, {
      provider: "openai",
      model: "gpt-4o",
      input,
      output,
      cachedInput: null,
      cacheWrite: null,
      reasoning: null,
    });

  it("is empty for a workspace without overrides: the table prices", async () => {
    const overrides = await workspacePrices(ws);
    expect(overrides.size).toBe(0);
    expect(cost("openai", "gpt-4o", usage, overrides)).toBe(0.0075); // 1000 * 2.5e-6 + 500 * 10e-6
  });

  it("serves the cached overrides until invalidated, then the new ones", async () => {
    await set(1, 2);
    expect((await workspacePrices(ws)).size).toBe(0); // cached: the database is not read per request
    await invalidateWorkspacePrices(ws);
    const overrides = await workspacePrices(ws);
    expect(overrides.get(priceOverrideKey("openai", "gpt-4o"))).toEqual({ input: 1, output: 2, maxOutputTokens: 16384 });
    expect(cost("openai", "gpt-4o", usage, overrides)).toBe(0.002); // 1000 * 1e-6 + 500 * 2e-6
    expect(await workspacePrices(ws)).toBe(overrides); // the same map until the next change
    await set(3, 3);
    await invalidateWorkspacePrices(ws);
    expect(cost("openai", "gpt-4o", usage, await workspacePrices(ws))).toBe(0.0045); // 1000 * 3e-6 + 500 * 3e-6
  });

  it("keeps workspaces apart", async () => {
    const other = (await t.db.workspace.create({ data: { name: "Other", slug: "other-ws" } })).id;
    expect((await workspacePrices(other)).size).toBe(0);
  });
});
