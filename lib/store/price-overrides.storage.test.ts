/** A workspace's price overrides on SQLite and PostgreSQL: upsert (canonical model names), list, delete, scoped by workspace. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePriceOverride, listPriceOverrides, upsertPriceOverride } from "@/lib/store/price-overrides";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, type TestDatabase } from "@/testing/test-db";

describe("price overrides store", () => {
  let t: TestDatabase;
  let ws: string;
  let other: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Other", slug: "other" } })).id;
  });
  afterAll(async () => t?.drop());

  const prices = { output: null, cachedInput: null, cacheWrite: null, reasoning: null };

  it("creates one row per provider and canonical model, then replaces every price", async () => {
    const first = await upsertPriceOverride(t.db, ws, {
      provider: "azure-openai",
      model: " GPT-35-Turbo ",
      input: 0.4,
      output: 1.2,
      cachedInput: 0.1,
      cacheWrite: null,
      reasoning: null,
    });
    expect(first.created).toBe(true);
    expect(first.row).toMatchObject({ provider: "azure-openai", model: "gpt-3.5-turbo", input: 0.4, output: 1.2, cachedInput: 0.1 });
    const again = await upsertPriceOverride(t.db, ws, { provider: "azure-openai", model: "gpt-3.5-turbo", input: 0.5, ...prices });
    expect(again.created).toBe(false);
    // Every price is replaced: the cached price set before is unset now.
    expect(again.row).toMatchObject({ model: "gpt-3.5-turbo", input: 0.5, output: null, cachedInput: null });
    expect(again.row.updatedAt.getTime()).toBeGreaterThanOrEqual(first.row.updatedAt.getTime());
    expect(await listPriceOverrides(t.db, ws)).toHaveLength(1);
  });

  it("keeps full-precision prices", async () => {
    const { row } = await upsertPriceOverride(t.db, ws, { provider: "groq", model: "llama-3.1-8b-instant", input: 0.0512345, ...prices });
    expect(row.input).toBe(0.0512345);
  });

  it("lists a workspace's own overrides by provider then model", async () => {
    await upsertPriceOverride(t.db, ws, { provider: "anthropic", model: "claude-x", input: 1, ...prices });
    await upsertPriceOverride(t.db, ws, { provider: "anthropic", model: "claude-a", input: 1, ...prices });
    await upsertPriceOverride(t.db, other, { provider: "openai", model: "gpt-4o", input: 9, ...prices });
    expect((await listPriceOverrides(t.db, ws)).map((r) => `${r.provider}/${r.model}`)).toEqual([
      "anthropic/claude-a",
      "anthropic/claude-x",
      "azure-openai/gpt-3.5-turbo",
      "groq/llama-3.1-8b-instant",
    ]);
    expect((await listPriceOverrides(t.db, other)).map((r) => r.model)).toEqual(["gpt-4o"]);
  });

  it("deletes by any spelling, only in its workspace", async () => {
    expect(await deletePriceOverride(t.db, other, "azure-openai", "gpt-35-turbo")).toBe(false);
    expect(await deletePriceOverride(t.db, ws, "azure-openai", "GPT-35-turbo")).toBe(true);
    expect(await deletePriceOverride(t.db, ws, "azure-openai", "gpt-3.5-turbo")).toBe(false);
    expect((await listPriceOverrides(t.db, ws)).some((r) => r.provider === "azure-openai")).toBe(false);
    expect(await listPriceOverrides(t.db, other)).toHaveLength(1);
  });
});
