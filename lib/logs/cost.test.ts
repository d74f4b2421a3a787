import { describe, expect, it } from "vitest";
import { costUsd, findModelPrice, PRICE_TABLE, PRICE_TABLE_DATE } from "./cost";

const cost = (model: string | null | undefined, promptTokens: number, completionTokens = 0, cachedPromptTokens?: number) =>
  costUsd({ model, promptTokens, completionTokens, cachedPromptTokens });

describe("price table", () => {
  it("is dated", () => {
    expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(PRICE_TABLE_DATE))).toBe(false);
  });

  it("covers the common OpenAI models, with sane prices", () => {
    for (const model of [
      "gpt-4o",
      "gpt-4o-mini",
      "gpt-4.1",
      "gpt-4.1-mini",
      "gpt-4.1-nano",
      "o1",
      "o3",
      "o3-mini",
      "o4-mini",
      "gpt-4-turbo",
      "gpt-4",
      "gpt-3.5-turbo",
      "gpt-3.5-turbo-instruct",
      "text-embedding-3-small",
      "text-embedding-3-large",
      "text-embedding-ada-002",
      "gpt-5",
      "gpt-5-mini",
      "gpt-5-nano",
    ]) {
      expect(PRICE_TABLE[model], model).toBeDefined();
    }
    for (const [model, price] of Object.entries(PRICE_TABLE)) {
      expect(price.input, model).toBeGreaterThan(0);
      if (price.output !== undefined) expect(price.output, model).toBeGreaterThanOrEqual(price.input);
      if (price.cachedInput !== undefined) expect(price.cachedInput, model).toBeLessThan(price.input);
      expect(model, "keys are canonical (lower-case, gpt-3.5 not gpt-35)").toBe(model.toLowerCase().replace(/^gpt-35/, "gpt-3.5"));
    }
  });
});

describe("costUsd", () => {
  it("prices input and output per 1M tokens", () => {
    expect(cost("gpt-4o", 1_000_000, 1_000_000)).toBe(12.5);
    expect(cost("gpt-4o-mini", 1000, 500)).toBe(0.00045); // 1000 * 0.15e-6 + 500 * 0.6e-6
    expect(cost("gpt-4", 10, 20)).toBe(0.0015);
    expect(cost("o3", 1234, 5678)).toBe(0.047892);
  });

  it("prices embeddings by input only", () => {
    expect(cost("text-embedding-3-small", 1_000_000)).toBe(0.02);
    expect(cost("text-embedding-3-large", 8, 0)).toBe(0.00000104);
    expect(cost("text-embedding-ada-002", 500, 7)).toBe(0.00005);
  });

  it("returns null, never 0, for an unknown or missing model", () => {
    for (const model of [
      "gpt-9",
      "claude-3-opus",
      "ft:gpt-4o-mini-2024-07-18:org::abc",
      "gpt-4o-audio-preview",
      "",
      "  ",
      null,
      undefined,
    ]) {
      expect(cost(model, 100, 100), String(model)).toBeNull();
    }
  });

  it("is 0 only for a known model with no tokens", () => {
    expect(cost("gpt-4o", 0, 0)).toBe(0);
  });

  it("maps dated snapshots to their family, never to a shorter family", () => {
    expect(findModelPrice("gpt-4o-2024-08-06")?.key).toBe("gpt-4o");
    expect(findModelPrice("gpt-4o-mini-2024-07-18")?.key).toBe("gpt-4o-mini");
    expect(findModelPrice("gpt-4-turbo-2024-04-09")?.key).toBe("gpt-4-turbo");
    expect(findModelPrice("gpt-4.1-mini-2025-04-14")?.key).toBe("gpt-4.1-mini");
    expect(findModelPrice("o3-mini-2025-01-31")?.key).toBe("o3-mini");
    expect(findModelPrice("o1-2024-12-17")?.key).toBe("o1");
    expect(findModelPrice("gpt-5-nano-2025-08-07")?.key).toBe("gpt-5-nano");
    expect(cost("gpt-4o-mini-2024-07-18", 1000, 500)).toBe(cost("gpt-4o-mini", 1000, 500));
    expect(cost("gpt-4-turbo-2024-04-09", 1000, 0)).toBe(0.01);
  });

  it("keeps snapshots whose price differs from the family's, and does not guess unlisted suffixes", () => {
    expect(cost("gpt-4o-2024-05-13", 1_000_000, 0)).toBe(5);
    expect(cost("gpt-4-1106-preview", 1_000_000, 0)).toBe(10); // GPT-4 Turbo, not GPT-4
    expect(cost("gpt-3.5-turbo-1106", 1_000_000, 1_000_000)).toBe(3);
    expect(cost("gpt-4-0613", 1_000_000, 0)).toBe(30);
    expect(findModelPrice("gpt-4-9999")).toBeNull();
    expect(findModelPrice("o1-mini")?.key).toBe("o1-mini");
    expect(findModelPrice("gpt-4o-2024-08-06-extra")).toBeNull();
  });

  it("reads Azure's names: any case, and gpt-35 for gpt-3.5", () => {
    expect(findModelPrice("gpt-35-turbo")?.key).toBe("gpt-3.5-turbo");
    expect(findModelPrice("gpt-35-turbo-16k")?.key).toBe("gpt-3.5-turbo-16k");
    expect(findModelPrice("gpt-35-turbo-instruct")?.key).toBe("gpt-3.5-turbo-instruct");
    expect(findModelPrice(" GPT-4o ")?.key).toBe("gpt-4o");
    expect(findModelPrice("gpt-350")).toBeNull();
  });

  it("has no float noise beyond 1e-10", () => {
    expect(cost("gpt-4.1-nano", 3, 3)).toBe(0.0000015); // 3 * 0.1e-6 + 3 * 0.4e-6
    expect(cost("gpt-3.5-turbo", 1, 1)).toBe(0.000002);
    for (let n = 1; n < 200; n += 7) {
      const value = cost("gpt-4o-mini", n, n) ?? NaN;
      expect(Math.abs(value * 1e10 - Math.round(value * 1e10))).toBeLessThan(1e-3);
    }
  });

  it("bills cached prompt tokens at the cached price, capped at the prompt tokens", () => {
    expect(cost("gpt-4o", 1_000_000, 0, 400_000)).toBe(2); // 600k * 2.5 + 400k * 1.25
    expect(cost("gpt-4o", 1000, 0, 5000)).toBe(0.00125);
    expect(cost("gpt-4", 1000, 0, 1000)).toBe(0.03); // no cached price: full input price
  });

  it("returns null for token counts that are not finite numbers >= 0", () => {
    expect(cost("gpt-4o", -1, 0)).toBeNull();
    expect(cost("gpt-4o", 1, Number.NaN)).toBeNull();
    expect(cost("gpt-4o", Number.POSITIVE_INFINITY, 0)).toBeNull();
    expect(cost("gpt-4o", 1, 1, -5)).toBeNull();
  });

  it("ignores inherited object keys as model names", () => {
    expect(cost("constructor", 10, 10)).toBeNull();
    expect(cost("__proto__", 10, 10)).toBeNull();
  });
});
