import { describe, expect, it } from "vitest";
import {
  ANTHROPIC_PRICE_DATE,
  ANTHROPIC_PRICES,
  cost as costOf,
  DEFAULT_MAX_OUTPUT_TOKENS,
  findModelPrice as findPrice,
  GROQ_PRICE_DATE,
  maxOutputTokens,
  PRICE_FILE,
  PRICE_TABLE,
  PRICE_TABLE_DATE,
  PRICE_TABLES,
  PRICED_MODELS,
  priceOverrideKey,
  toPriceOverrides,
  type ModelPrice,
  type PriceOverrides,
} from "./cost";

// OpenAI's table through the provider-aware lookup (the tests of the days of one table).
const cost = (model: string | null | undefined, promptTokens: number, completionTokens = 0, cacheReadTokens?: number) =>
  costOf("openai", model, { promptTokens, completionTokens, cacheReadTokens });
const findModelPrice = (model: string | null | undefined) => findPrice("openai", model);

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
    expect(cost("gpt-4o", 1_000_000, 1_000_000)).toBe(12.5); // 1M * 2.50 + 1M * 10 = 2.5 + 10
    expect(cost("gpt-4o-mini", 1000, 500)).toBe(0.00045); // 1000 * 0.15e-6 + 500 * 0.6e-6
    expect(cost("gpt-4", 10, 20)).toBe(0.0015); // 10 * 30e-6 + 20 * 60e-6 = 0.0003 + 0.0012
    expect(cost("o3", 1234, 5678)).toBe(0.047892); // 1234 * 2e-6 + 5678 * 8e-6 = 0.002468 + 0.045424
  });

  it("prices embeddings by input only", () => {
    expect(cost("text-embedding-3-small", 1_000_000)).toBe(0.02); // 1M * 0.02e-6
    expect(cost("text-embedding-3-large", 8, 0)).toBe(0.00000104); // 8 * 0.13e-6
    expect(cost("text-embedding-ada-002", 500, 7)).toBe(0.00005); // 500 * 0.10e-6; no output price: the 7 cost nothing
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
    expect(cost("gpt-4o", 1000, 0, 5000)).toBe(0.00125); // only the 1000 prompt tokens can be cached: 1000 * 1.25e-6
    expect(cost("gpt-4", 1000, 0, 1000)).toBe(0.03); // no cached price: full input price, 1000 * 30e-6
  });

  it("bills OpenAI's cached_tokens (part of prompt_tokens) once: cached at the cached rate, the rest at input", () => {
    // prompt 1000 of which 400 cached, completion 100: 600 * 2.50e-6 + 400 * 1.25e-6 + 100 * 10e-6
    // = 0.0015 + 0.0005 + 0.001 = 0.003 (never 1000 * 2.50e-6 + 400 * 1.25e-6 = 0.003 + ...: no token twice)
    expect(cost("gpt-4o", 1000, 100, 400)).toBe(0.003);
    // gpt-4.1-mini: 2000 prompt, 1500 cached, 0 out: 500 * 0.40e-6 + 1500 * 0.10e-6 = 0.0002 + 0.00015
    expect(cost("gpt-4.1-mini", 2000, 0, 1500)).toBe(0.00035);
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

describe("prices by provider", () => {
  it("dates every table and keeps every price sane", () => {
    for (const date of [ANTHROPIC_PRICE_DATE, GROQ_PRICE_DATE]) expect(Number.isNaN(Date.parse(date))).toBe(false);
    for (const [provider, { date }] of Object.entries(PRICE_FILE.providers)) {
      expect(date, provider).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(date <= PRICE_FILE.updated, provider).toBe(true);
    }
    for (const [provider, table] of Object.entries(PRICE_TABLES)) {
      for (const [model, price] of Object.entries(table)) {
        const where = `${provider} ${model}`;
        expect(price.input, where).toBeGreaterThan(0);
        if (price.cachedInput !== undefined) expect(price.cachedInput, where).toBeLessThan(price.input);
        if (price.cacheWrite !== undefined) expect(price.cacheWrite, where).toBeGreaterThan(price.input);
        expect(model, where).toBe(model.toLowerCase());
        const { above } = price;
        if (above === undefined) continue;
        // A long-prompt tier costs more and names the same kinds of price, so no rate is ever filled in by guess.
        expect(Number.isInteger(above.tokens) && above.tokens > 0, where).toBe(true);
        expect(above.input, where).toBeGreaterThan(price.input);
        for (const kind of ["output", "cachedInput", "cacheWrite", "reasoning"] as const) {
          expect(above[kind] === undefined, `${where} ${kind}`).toBe(price[kind] === undefined);
        }
      }
    }
    expect(PRICED_MODELS).toContain("gpt-4o");
    expect(PRICED_MODELS).toContain("claude-sonnet-4-5");
    expect(new Set(PRICED_MODELS).size).toBe(PRICED_MODELS.length);
  });

  it("prices OpenAI's models for openai and azure-openai alike, and for no other provider", () => {
    const usage = { promptTokens: 1000, completionTokens: 500 };
    expect(costOf("openai", "gpt-4o-mini", usage)).toBe(0.00045);
    expect(costOf("azure-openai", "gpt-35-turbo", usage)).toBe(costOf("openai", "gpt-3.5-turbo", usage));
    for (const provider of ["groq", "openrouter", "openai-compatible", "ollama", "anthropic", "no-such", "", null, undefined]) {
      expect(costOf(provider, "gpt-4o-mini", usage), String(provider)).toBeNull();
    }
  });

  it("prices the same open model by the provider that served it", () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000 };
    expect(costOf("groq", "llama-3.3-70b-versatile", usage)).toBe(1.38);
    expect(costOf("groq", "llama-3.1-8b-instant", usage)).toBe(0.13);
    // Together's own id of Llama 3.3 70B: 1M * 1.04 + 1M * 1.04
    expect(costOf("together-ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", usage)).toBe(2.08);
    expect(costOf("together-ai", "llama-3.3-70b-versatile", usage)).toBeNull();
    expect(costOf("groq", "meta-llama/Llama-3.3-70B-Instruct-Turbo", usage)).toBeNull();
    expect(costOf("openrouter", "meta-llama/llama-3.3-70b-instruct", usage)).toBeNull();
    expect(costOf("ollama", "llama3.2", usage)).toBeNull();
    expect(costOf("groq", "llama-9", usage)).toBeNull();
    // gpt-oss-120b, half the prompt from the cache: Together has no cache price (all input), Fireworks has one.
    const cached = { promptTokens: 1_000_000, completionTokens: 1_000_000, cacheReadTokens: 500_000 };
    expect(costOf("together-ai", "openai/gpt-oss-120b", cached)).toBe(0.75); // 1M * 0.15 + 1M * 0.60
    // 500k * 0.15 + 500k * 0.015 + 1M * 0.60 = 0.075 + 0.0075 + 0.6
    expect(costOf("fireworks-ai", "accounts/fireworks/models/gpt-oss-120b", cached)).toBe(0.6825);
    expect(costOf("fireworks-ai", "openai/gpt-oss-120b", cached)).toBeNull();
  });

  it("leaves providers and models without a confirmed price at null", () => {
    const usage = { promptTokens: 1000, completionTokens: 1000 };
    const cases: [string, string][] = [
      ["deepseek", "deepseek-flash"],
      ["deepseek", "deepseek-v4-pro"],
      ["mistral-ai", "mistral-large-latest"],
      ["x-ai", "grok-4.7"],
      ["perplexity-ai", "sonar"],
      ["openai-compatible", "gpt-4o"],
      // Left out of tables that exist: shut down, a promotional rate that ends on a date, no cache price read,
      // sources that disagree, size-based prices, routers (Fast, US-only).
      ["google", "gemini-2.5-pro"],
      ["google", "gemini-2.5-flash"],
      ["google", "gemini-2.0-flash"],
      ["google", "gemini-3.8-flash"],
      ["google", "gemini-3.5-flash-lite"],
      ["together-ai", "Qwen/Qwen3.8-2.4T-A95B"],
      ["fireworks-ai", "accounts/fireworks/models/llama-v3p3-70b-instruct"],
      ["fireworks-ai", "accounts/fireworks/routers/kimi-k3-us"],
    ];
    for (const [provider, model] of cases) expect(costOf(provider, model, usage), `${provider} ${model}`).toBeNull();
    for (const provider of ["deepseek", "mistral-ai", "x-ai", "perplexity-ai", "openrouter", "ollama", "openai-compatible"]) {
      expect(Object.hasOwn(PRICE_TABLES, provider), provider).toBe(false);
      expect(PRICE_FILE.unpriced[provider], provider).toEqual(expect.any(String));
    }
    for (const provider of ["google", "together-ai", "fireworks-ai"]) expect(Object.hasOwn(PRICE_TABLES, provider), provider).toBe(true);
  });

  it("prices Claude by family: dated snapshots and -latest aliases, never a shorter family", () => {
    expect(findPrice("anthropic", "claude-sonnet-4-20250514")?.key).toBe("claude-sonnet-4");
    expect(findPrice("anthropic", "claude-sonnet-4-5-20250929")?.key).toBe("claude-sonnet-4-5");
    expect(findPrice("anthropic", "claude-opus-4-1-20250805")?.key).toBe("claude-opus-4-1");
    expect(findPrice("anthropic", "claude-3-7-sonnet-20250219")?.key).toBe("claude-3-7-sonnet");
    expect(findPrice("anthropic", "claude-3-5-haiku-latest")?.key).toBe("claude-3-5-haiku");
    expect(findPrice("anthropic", "claude-haiku-4-5-20251001")?.key).toBe("claude-haiku-4-5");
    expect(findPrice("anthropic", "claude-3-haiku-20240307")?.key).toBe("claude-3-haiku");
    expect(findPrice("anthropic", "claude-opus-4-0")?.price).toEqual(ANTHROPIC_PRICES["claude-opus-4"]);
    expect(findPrice("anthropic", "claude-opus-4-2")).toBeNull();
    expect(findPrice("anthropic", "claude-sonnet-4-5-2025")).toBeNull();
    expect(findPrice("anthropic", "claude-2.1")).toBeNull();
  });

  it("prices the current Claude models from Anthropic's pricing page", () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000 };
    expect(costOf("anthropic", "claude-opus-5-5", usage)).toBe(24);
    expect(costOf("anthropic", "claude-opus-5", usage)).toBe(30);
    expect(costOf("anthropic", "claude-opus-4-7", usage)).toBe(30);
    expect(costOf("anthropic", "claude-fable-5-1", usage)).toBe(60);
    expect(costOf("anthropic", "claude-sonnet-5", usage)).toBe(12);
    expect(costOf("anthropic", "claude-sonnet-4-6", usage)).toBe(18);
    expect(costOf("anthropic", "claude-haiku-4-5-20251001", usage)).toBe(6);
    // Opus 5.5's cache reads are 0.05x its input price, Fable 5.1's 0.025x.
    const cached = { promptTokens: 1_000_000, completionTokens: 0, cacheReadTokens: 1_000_000 };
    expect(costOf("anthropic", "claude-opus-5-5", cached)).toBe(0.2);
    expect(costOf("anthropic", "claude-fable-5-1", cached)).toBe(0.25);
    expect(costOf("anthropic", "claude-fable-5", cached)).toBe(1);
    // Left out on purpose: sources disagree (Sonnet 5.5), limited availability (Mythos), unknown.
    for (const model of ["claude-sonnet-5-5", "claude-mythos-5", "claude-opus-6", "claude-opus-5-5-extra"]) {
      expect(costOf("anthropic", model, usage), model).toBeNull();
    }
  });

  it("prices Claude Haiku 5.5 by the prompt's size: every token of a prompt over 100K at the higher tier", () => {
    const at = (promptTokens: number, completionTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) =>
      costOf("anthropic", "claude-haiku-5-5", { promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens });
    expect(at(100_000, 10_000)).toBe(0.015); // 100k * 0.10 + 10k * 0.50: exactly 100K is still the lower tier
    expect(at(100_001, 10_000)).toBe(0.0750005); // 100,001 * 0.50 + 10k * 2.50
    // The prompt's size counts cache reads and writes: 20k fresh + 60k read + 30k written = 110K.
    // 20k * 0.50 + 60k * 0.05 + 30k * 0.625 + 1k * 2.50
    expect(at(110_000, 1000, 60_000, 30_000)).toBe(0.03425);
    // The same split under 100K: 20k * 0.10 + 50k * 0.01 + 20k * 0.125 + 1k * 0.50
    expect(at(90_000, 1000, 50_000, 20_000)).toBe(0.0055);
    expect(findPrice("anthropic", "claude-haiku-5-5-20261007")?.key).toBe("claude-haiku-5-5");
  });

  it("prices Claude Sonnet 4 and 4.5 above 200K prompt tokens at the long-context rates", () => {
    const usage = (promptTokens: number) => ({ promptTokens, completionTokens: 100_000 });
    expect(costOf("anthropic", "claude-sonnet-4-5", usage(200_000))).toBe(2.1); // 200k * 3 + 100k * 15
    expect(costOf("anthropic", "claude-sonnet-4-5-20250929", usage(300_000))).toBe(4.05); // 300k * 6 + 100k * 22.50
    expect(costOf("anthropic", "claude-sonnet-4-0", usage(300_000))).toBe(4.05);
    // Cache reads and writes at their multipliers of the long-context input price: 0.60 and 7.50.
    expect(
      costOf("anthropic", "claude-sonnet-4", {
        promptTokens: 400_000,
        completionTokens: 0,
        cacheReadTokens: 200_000,
        cacheWriteTokens: 100_000,
      }),
    ).toBe(1.47); // 100k * 6 + 200k * 0.60 + 100k * 7.50
    // Sonnet 4.6 has its 1M window at the standard price: no tier.
    expect(costOf("anthropic", "claude-sonnet-4-6", usage(300_000))).toBe(2.4);
  });

  it("prices Claude's cache writes and reads at their own rates; promptTokens includes both", () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 100_000, cacheReadTokens: 600_000, cacheWriteTokens: 300_000 };
    // 100k fresh * 3 + 600k read * 0.30 + 300k written * 3.75 + 100k out * 15
    expect(costOf("anthropic", "claude-sonnet-4-6", usage)).toBe(3.105);
    // Opus 4.1: 100k * 15 + 600k * 1.5 + 300k * 18.75 + 100k * 75
    expect(costOf("anthropic", "claude-opus-4-1-20250805", usage)).toBe(15.525);
    expect(costOf("anthropic", "claude-3-5-haiku-20241022", { promptTokens: 2000, completionTokens: 1000 })).toBe(0.0056);
    expect(costOf("anthropic", "claude-haiku-4-5", { promptTokens: 0, completionTokens: 0 })).toBe(0);
  });

  it("never bills more cached tokens than the prompt holds (reads first), and refuses bad counts", () => {
    // 1000 prompt tokens: 800 read, only 200 of the 500 writes fit.
    expect(
      costOf("anthropic", "claude-sonnet-4", { promptTokens: 1000, completionTokens: 0, cacheReadTokens: 800, cacheWriteTokens: 500 }),
    ).toBe(
      0.00099, // 800 * 0.30e-6 + 200 * 3.75e-6
    );
    expect(costOf("anthropic", "claude-sonnet-4", { promptTokens: 10, completionTokens: 0, cacheWriteTokens: -1 })).toBeNull();
    expect(costOf("anthropic", "claude-sonnet-4", { promptTokens: null, completionTokens: null })).toBe(0);
    // A cache write without a write price (OpenAI) is billed as input.
    expect(costOf("openai", "gpt-4o", { promptTokens: 1_000_000, completionTokens: 0, cacheWriteTokens: 1_000_000 })).toBe(2.5);
  });

  it("ignores inherited names as providers and models", () => {
    const usage = { promptTokens: 10, completionTokens: 10 };
    expect(costOf("constructor", "gpt-4o", usage)).toBeNull();
    expect(costOf("__proto__", "gpt-4o", usage)).toBeNull();
    expect(costOf("anthropic", "toString", usage)).toBeNull();
  });
});

describe("Google, Together and Fireworks prices", () => {
  it("prices Gemini by its API model ids; thinking tokens are output, cached reads at the context-caching price", () => {
    expect(costOf("google", "gemini-3.5-flash", { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBe(10.5); // 1.50 + 9
    // 1M prompt of which 400k read from the cache, 200k completion of which 150k thinking (billed as output):
    // 600k * 1.50 + 400k * 0.15 + 200k * 9 = 0.9 + 0.06 + 1.8
    expect(
      costOf("google", "gemini-3.5-flash", {
        promptTokens: 1_000_000,
        completionTokens: 200_000,
        cacheReadTokens: 400_000,
        reasoningTokens: 150_000,
      }),
    ).toBe(2.76);
    // 8000 fresh * 0.10 + 2000 read * 0.01 + 1000 out * 0.40 = 0.0008 + 0.00002 + 0.0004
    expect(costOf("google", "gemini-2.5-flash-lite", { promptTokens: 10_000, completionTokens: 1000, cacheReadTokens: 2000 })).toBe(
      0.00122,
    );
    // 3000 * 0.25 + 1000 * 1.50 = 0.00075 + 0.0015
    expect(costOf("google", "gemini-3.1-flash-lite", { promptTokens: 3000, completionTokens: 1000 })).toBe(0.00225);
    // Embeddings, input only: 1M * 0.15; 500k * 0.20 (Gemini Embedding 2's text rate)
    expect(costOf("google", "gemini-embedding-001", { promptTokens: 1_000_000, completionTokens: 0 })).toBe(0.15);
    expect(costOf("google", "gemini-embedding-2", { promptTokens: 500_000, completionTokens: null })).toBe(0.1);
    expect(maxOutputTokens(findPrice("google", "gemini-3.5-flash")!.price)).toBe(65_536);
    expect(findPrice("google", "gemini-embedding-001")!.price.maxOutputTokens).toBeUndefined();
  });

  it("prices Gemini 3.1 Pro Preview above 200K prompt tokens at its long-prompt rates, every token of the request", () => {
    const at = (promptTokens: number, completionTokens: number, cacheReadTokens = 0) =>
      costOf("google", "gemini-3.1-pro-preview", { promptTokens, completionTokens, cacheReadTokens });
    expect(at(200_000, 10_000)).toBe(0.52); // 200k * 2 + 10k * 12: exactly 200K is still the lower tier
    expect(at(200_001, 10_000)).toBe(0.980004); // 200,001 * 4 + 10k * 18 = 0.800004 + 0.18
    // 300k prompt of which 100k read: 200k * 4 + 100k * 0.40 = 0.8 + 0.04
    expect(at(300_000, 0, 100_000)).toBe(0.84);
    // The same split under 200K: 100k * 2 + 50k * 0.20 + 1k * 12 = 0.2 + 0.01 + 0.012
    expect(at(150_000, 1000, 50_000)).toBe(0.222);
  });

  it("prices Together's serverless models by their API model strings, in any case", () => {
    // 1000 * 1.04e-6 + 500 * 1.04e-6; no cache price: the 600 cached tokens are input
    const llama = "meta-llama/Llama-3.3-70B-Instruct-Turbo";
    expect(costOf("together-ai", llama, { promptTokens: 1000, completionTokens: 500 })).toBe(0.00156);
    expect(costOf("together-ai", llama, { promptTokens: 1000, completionTokens: 500, cacheReadTokens: 600 })).toBe(0.00156);
    expect(costOf("together-ai", llama.toLowerCase(), { promptTokens: 1000, completionTokens: 500 })).toBe(0.00156);
    // 1M prompt of which 800k cached, 100k out: 200k * 0.14 + 800k * 0.03 + 100k * 0.28 = 0.028 + 0.024 + 0.028
    expect(
      costOf("together-ai", "deepseek-ai/DeepSeek-V4-Flash-0731", {
        promptTokens: 1_000_000,
        completionTokens: 100_000,
        cacheReadTokens: 800_000,
      }),
    ).toBe(0.08);
    // 2M * 0.17 + 1M * 0.25 = 0.34 + 0.25
    expect(costOf("together-ai", "Qwen/Qwen3.5-9B", { promptTokens: 2_000_000, completionTokens: 1_000_000 })).toBe(0.59);
    expect(costOf("together-ai", "deepseek-ai/DeepSeek-V4-Flash", { promptTokens: 1000, completionTokens: 500 })).toBeNull();
  });

  it("prices Fireworks' serverless models by their accounts/fireworks/models ids", () => {
    // 100k prompt of which 60k cached, 10k out: 40k * 3 + 60k * 0.30 + 10k * 15 = 0.12 + 0.018 + 0.15
    const usage = { promptTokens: 100_000, completionTokens: 10_000, cacheReadTokens: 60_000 };
    expect(costOf("fireworks-ai", "accounts/fireworks/models/kimi-k3", usage)).toBe(0.288);
    // The same on Together's Kimi K3, at the same prices: 0.288
    expect(costOf("together-ai", "moonshotai/Kimi-K3", usage)).toBe(0.288);
    // GLM 5.2 costs alike on both but its cache reads do not: 40k * 1.40 + 60k * 0.14 + 10k * 4.40 = 0.056 + 0.0084 + 0.044
    expect(costOf("fireworks-ai", "accounts/fireworks/models/glm-5p2", usage)).toBe(0.1084);
    // 40k * 1.40 + 60k * 0.26 + 10k * 4.40 = 0.056 + 0.0156 + 0.044
    expect(costOf("together-ai", "zai-org/GLM-5.2", usage)).toBe(0.1156);
    expect(costOf("fireworks-ai", "kimi-k3", usage)).toBeNull();
    expect(costOf("fireworks-ai", "accounts/fireworks/routers/kimi-k2p6-turbo", usage)).toBeNull();
  });
});

describe("reasoning tokens", () => {
  const usage = { promptTokens: 1000, completionTokens: 500, reasoningTokens: 300 };

  it("cost nothing extra without a reasoning rate: they are part of the completion, billed once as output", () => {
    // o3: 1000 * 2e-6 + 500 * 8e-6 = 0.002 + 0.004 (the 300 reasoning tokens are inside the 500)
    expect(costOf("openai", "o3", usage)).toBe(0.006);
    expect(costOf("openai", "o3", { ...usage, reasoningTokens: null })).toBe(0.006);
  });

  it("are billed at a price's own reasoning rate, the rest of the completion at output", () => {
    const overrides = toPriceOverrides([
      { provider: "openai", model: "o3", input: 1, output: 4, cachedInput: null, cacheWrite: null, reasoning: 2 },
    ]);
    // 1000 * 1e-6 + (500 - 300) * 4e-6 + 300 * 2e-6 = 0.001 + 0.0008 + 0.0006
    expect(costOf("openai", "o3", usage, overrides)).toBe(0.0024);
    // More reasoning tokens reported than completion tokens: at most the 500 are reasoning.
    // 1000 * 1e-6 + 0 * 4e-6 + 500 * 2e-6 = 0.001 + 0.001
    expect(costOf("openai", "o3", { ...usage, reasoningTokens: 900 }, overrides)).toBe(0.002);
    expect(costOf("openai", "o3", { ...usage, reasoningTokens: -1 }, overrides)).toBeNull();
  });
});

describe("workspace price overrides", () => {
  const row = (provider: string, model: string, input: number, output: number | null = null, extra: Partial<ModelPrice> = {}) => ({
    provider,
    model,
    input,
    output,
    cachedInput: extra.cachedInput ?? null,
    cacheWrite: extra.cacheWrite ?? null,
    reasoning: extra.reasoning ?? null,
  });
  const usage = { promptTokens: 1000, completionTokens: 500 };

  it("keys an override by provider and canonical model name", () => {
    expect(priceOverrideKey("azure-openai", " GPT-35-Turbo ")).toBe("azure-openai\u0000gpt-3.5-turbo");
    const overrides = toPriceOverrides([row("openai", "GPT-4o", 1, 2)]);
    expect([...overrides.keys()]).toEqual([priceOverrideKey("openai", "gpt-4o")]);
  });

  it("beats the table's price", () => {
    const overrides = toPriceOverrides([row("openai", "gpt-4o", 1, 2)]);
    // table: 1000 * 2.50e-6 + 500 * 10e-6 = 0.0025 + 0.005
    expect(costOf("openai", "gpt-4o", usage)).toBe(0.0075);
    // override: 1000 * 1e-6 + 500 * 2e-6 = 0.001 + 0.001
    expect(costOf("openai", "gpt-4o", usage, overrides)).toBe(0.002);
    expect(findPrice("openai", "gpt-4o", overrides)).toMatchObject({ key: "gpt-4o", source: "override" });
    expect(findPrice("openai", "gpt-4o")).toMatchObject({ key: "gpt-4o", source: "table" });
    // An empty map changes nothing.
    expect(costOf("openai", "gpt-4o", usage, new Map())).toBe(0.0075);
  });

  it("of an exact snapshot beats the table's family; of a family prices its dated snapshots; never beats a listed snapshot", () => {
    const snapshot = toPriceOverrides([row("openai", "gpt-4o-2024-08-06", 3, 3)]);
    // 1000 * 3e-6 + 500 * 3e-6 = 0.003 + 0.0015 (the table's gpt-4o family would be 0.0075)
    expect(costOf("openai", "gpt-4o-2024-08-06", usage, snapshot)).toBe(0.0045);
    expect(costOf("openai", "gpt-4o-2024-11-20", usage, snapshot)).toBe(0.0075); // another snapshot: the table's family
    const family = toPriceOverrides([row("openai", "gpt-4o", 1, 2)]);
    expect(costOf("openai", "gpt-4o-2024-11-20", usage, family)).toBe(0.002); // 1000 * 1e-6 + 500 * 2e-6
    expect(findPrice("openai", "gpt-4o-2024-11-20", family)).toMatchObject({ key: "gpt-4o", source: "override" });
    // gpt-4o-2024-05-13 has its own table price: 1000 * 5e-6 + 500 * 15e-6 = 0.005 + 0.0075
    expect(costOf("openai", "gpt-4o-2024-05-13", usage, family)).toBe(0.0125);
  });

  it("prices a model the table does not know, for a provider without a table too", () => {
    const overrides = toPriceOverrides([
      row("together-ai", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", 0.88, 0.88),
      row("mistral-ai", "mistral-medium-latest", 0.4, 2),
      row("openai", "ft:gpt-4o-mini-2024-07-18:org::abc", 0.3, 1.2),
    ]);
    const model = "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8";
    expect(costOf("together-ai", model, usage)).toBeNull();
    // 1000 * 0.88e-6 + 500 * 0.88e-6 = 0.00088 + 0.00044
    expect(costOf("together-ai", model, usage, overrides)).toBe(0.00132);
    expect(costOf("together-ai", model.toLowerCase(), usage, overrides)).toBe(0.00132);
    // Mistral has no table: 1000 * 0.40e-6 + 500 * 2e-6 = 0.0004 + 0.001
    expect(costOf("mistral-ai", "mistral-medium-latest", usage)).toBeNull();
    expect(costOf("mistral-ai", "mistral-medium-latest", usage, overrides)).toBe(0.0014);
    // 1000 * 0.30e-6 + 500 * 1.20e-6 = 0.0003 + 0.0006
    expect(costOf("openai", "ft:gpt-4o-mini-2024-07-18:org::abc", usage, overrides)).toBe(0.0009);
    // Another provider serving the same name is not priced by it.
    expect(costOf("fireworks-ai", model, usage, overrides)).toBeNull();
  });

  it("applies to its own provider only: Azure OpenAI's is keyed azure-openai", () => {
    const overrides = toPriceOverrides([row("azure-openai", "gpt-35-turbo", 0.4, 1.2)]);
    // Azure: 1000 * 0.40e-6 + 500 * 1.20e-6 = 0.0004 + 0.0006
    expect(costOf("azure-openai", "gpt-35-turbo", usage, overrides)).toBe(0.001);
    expect(costOf("azure-openai", "gpt-3.5-turbo", usage, overrides)).toBe(0.001);
    // OpenAI keeps its table: 1000 * 0.50e-6 + 500 * 1.50e-6 = 0.0005 + 0.00075
    expect(costOf("openai", "gpt-3.5-turbo", usage, overrides)).toBe(0.00125);
  });

  it("bills cache reads and writes at the override's rates, and as input where it sets none", () => {
    const overrides = toPriceOverrides([
      row("anthropic", "claude-sonnet-4-6", 2, 10, { cachedInput: 0.2, cacheWrite: 2.5 }),
      row("anthropic", "claude-haiku-4-5", 1, 5),
    ]);
    const cached = { promptTokens: 1000, completionTokens: 100, cacheReadTokens: 600, cacheWriteTokens: 300 };
    // 100 * 2e-6 + 600 * 0.2e-6 + 300 * 2.5e-6 + 100 * 10e-6 = 0.0002 + 0.00012 + 0.00075 + 0.001
    expect(costOf("anthropic", "claude-sonnet-4-6", cached, overrides)).toBe(0.00207);
    // No cache prices: the whole prompt at input. 1000 * 1e-6 + 100 * 5e-6 = 0.001 + 0.0005
    expect(costOf("anthropic", "claude-haiku-4-5", cached, overrides)).toBe(0.0015);
  });

  it("is a flat price: an override of a tiered model has no long-prompt tier", () => {
    const overrides = toPriceOverrides([row("anthropic", "claude-sonnet-4-5", 3, 15)]);
    // 300k prompt: the table would bill 300k * 6 + 0 = 1.8; the override 300k * 3e-6 = 0.9
    expect(costOf("anthropic", "claude-sonnet-4-5", { promptTokens: 300_000, completionTokens: 0 }, overrides)).toBe(0.9);
    expect(costOf("anthropic", "claude-sonnet-4-5", { promptTokens: 300_000, completionTokens: 0 })).toBe(1.8);
  });
});

describe("maxOutputTokens", () => {
  it("is the price's own figure, else the default", () => {
    expect(maxOutputTokens(findPrice("openai", "gpt-4o")!.price)).toBe(16_384);
    expect(maxOutputTokens(findPrice("openai", "gpt-4.1-2025-04-14")!.price)).toBe(32_768);
    expect(maxOutputTokens(findPrice("openai", "o3")!.price)).toBe(100_000);
    expect(maxOutputTokens(findPrice("anthropic", "claude-haiku-4-5-20251001")!.price)).toBe(64_000);
    expect(maxOutputTokens(findPrice("openai", "gpt-4-0613")!.price)).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
    expect(DEFAULT_MAX_OUTPUT_TOKENS).toBe(128_000);
  });

  it("survives an override of a table model; a model the table does not know gets the default", () => {
    const overrides: PriceOverrides = toPriceOverrides([
      { provider: "openai", model: "gpt-4o", input: 1, output: 2, cachedInput: null, cacheWrite: null, reasoning: null },
      { provider: "ollama", model: "llama3.2", input: 0, output: 0, cachedInput: null, cacheWrite: null, reasoning: null },
    ]);
    expect(maxOutputTokens(findPrice("openai", "gpt-4o", overrides)!.price)).toBe(16_384);
    expect(maxOutputTokens(findPrice("ollama", "llama3.2", overrides)!.price)).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
    // A price of 0 is a known 0, not unknown.
    expect(costOf("ollama", "llama3.2", { promptTokens: 10, completionTokens: 10 }, overrides)).toBe(0);
  });
});
