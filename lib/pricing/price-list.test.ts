/** priceList: the tables with a workspace's overrides in place, then its overrides of other models; filters. */
import { describe, expect, it } from "vitest";
import { PRICE_FILE } from "../logs/cost";
import { priceList, type OverrideForList } from "./price-list";

const override = (provider: string, model: string, input: number, output: number | null = null): OverrideForList => ({
  provider,
  model,
  input,
  output,
  cachedInput: null,
  cacheWrite: null,
  reasoning: null,
  updatedAt: new Date("2026-12-01T10:00:00Z"),
});

describe("priceList", () => {
  it("lists every table entry, by provider in catalog order, each with its table's date", () => {
    const rows = priceList([]);
    const providers = [...new Set(rows.map((r) => r.provider))];
    expect(providers).toEqual(["openai", "azure-openai", "anthropic", "groq", "together-ai", "fireworks-ai", "google"]);
    const count = Object.values(PRICE_FILE.providers).reduce((n, p) => n + Object.keys(p.models).length, 0);
    expect(rows).toHaveLength(count);
    expect(rows.every((r) => r.source === "table")).toBe(true);
    expect(rows.find((r) => r.provider === "openai" && r.model === "gpt-4o")).toEqual({
      provider: "openai",
      model: "gpt-4o",
      input: 2.5,
      output: 10,
      cachedInput: 1.25,
      cacheWrite: null,
      reasoning: null,
      maxOutputTokens: 16384,
      above: null,
      source: "table",
      date: "2025-08-07",
    });
    expect(rows.find((r) => r.provider === "anthropic" && r.model === "claude-sonnet-4")?.above).toEqual({
      tokens: 200000,
      input: 6,
      output: 22.5,
      cachedInput: 0.6,
      cacheWrite: 7.5,
    });
  });

  it("puts an override in place of the entry it overrides, and its other models after the provider's table", () => {
    const rows = priceList([override("openai", "GPT-4o", 1, 2), override("openai", "my-finetune", 0.3), override("ollama", "llama3.2", 0)]);
    const openai = rows.filter((r) => r.provider === "openai");
    const at = openai.findIndex((r) => r.model === "gpt-4o");
    expect(at).toBe(priceList([]).findIndex((r) => r.model === "gpt-4o"));
    expect(openai[at]).toMatchObject({
      source: "override",
      input: 1,
      output: 2,
      cachedInput: null,
      maxOutputTokens: 16384,
      date: "2026-12-01",
    });
    expect(openai.filter((r) => r.model === "gpt-4o")).toHaveLength(1);
    expect(openai.at(-1)).toMatchObject({ model: "my-finetune", source: "override", maxOutputTokens: null, output: null });
    // Azure keeps the table's price: the override was OpenAI's.
    expect(rows.find((r) => r.provider === "azure-openai" && r.model === "gpt-4o")?.source).toBe("table");
    // A provider without a table lists its overrides, in catalog order (ollama after fireworks-ai, before google).
    const ollama = rows.findIndex((r) => r.provider === "ollama");
    expect(rows[ollama]).toMatchObject({ provider: "ollama", model: "llama3.2", input: 0, source: "override" });
    expect(rows[ollama - 1]!.provider).toBe("fireworks-ai");
    expect(rows.slice(ollama + 1).every((r) => r.provider === "google")).toBe(true);
  });

  it("filters by exact provider and by a part of the model name, in any case", () => {
    const overrides = [override("groq", "llama-guard-4-12b", 0.2, 0.2)];
    expect(priceList(overrides, { provider: "groq" }).map((r) => r.model)).toEqual([
      "llama-3.3-70b-versatile",
      "llama-3.1-8b-instant",
      "llama-guard-4-12b",
    ]);
    expect(priceList(overrides, { model: "LLAMA-3.3" }).map((r) => `${r.provider}/${r.model}`)).toEqual([
      "groq/llama-3.3-70b-versatile",
      "together-ai/meta-llama/llama-3.3-70b-instruct-turbo",
    ]);
    expect(priceList(overrides, { provider: "anthropic", model: "haiku-4-5" }).map((r) => r.model)).toEqual(["claude-haiku-4-5"]);
    expect(priceList(overrides, { provider: "x-ai" })).toEqual([]);
  });
});
