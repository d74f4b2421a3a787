/**
 * The worst case a request reserves (docs/GATEWAY.md §12.3), against hand-computed figures from the
 * price table (USD per 1M tokens: gpt-4o 2.50 in / 10 out, max output 16,384; claude-sonnet-4 3 in,
 * 3.75 cache write / 15 out, 6 / 7.50 / 22.50 above 200K prompt tokens; claude-haiku-4-5 1 in,
 * 1.25 cache write / 5 out; text-embedding-3-small 0.02 in).
 */
import { describe, expect, it } from "vitest";
import { priceOverrideKey, type ModelPrice } from "../logs/cost";
import { IMAGE_TOKENS, promptTokensUpperBound, worstCaseCost, type PricedTarget } from "./estimate";

const openai = (model: string | null = "gpt-4o"): PricedTarget => ({ provider: "openai", model });
const bytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body), "utf8");
const worst = (
  endpoint: Parameters<typeof worstCaseCost>[0],
  body: Record<string, unknown>,
  targets: PricedTarget[],
  overrides?: Map<string, ModelPrice>,
) => worstCaseCost(endpoint, JSON.stringify(body), body, targets, overrides);

describe("worstCaseCost", () => {
  it("prices the prompt's bytes at the input rate and max_tokens at the output rate", () => {
    const body = { model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "hello" }] };
    const p = bytes(body); // 82 bytes: at most 82 prompt tokens
    expect(p).toBe(82);
    // 82 x 2.50 + 100 x 10 = 205 + 1,000 = 1,205 per 1M -> $0.001205
    expect(worst("chat/completions", body, [openai()])).toEqual({ ok: true, usd: 0.001205, promptTokens: 82, outputTokens: 100 });
  });

  it("takes max_completion_tokens over max_tokens, times n choices; without a limit the model's maximum", () => {
    const body = { model: "gpt-4o", max_tokens: 500, max_completion_tokens: 50, n: 3, messages: [{ role: "user", content: "hi" }] };
    const r = worst("chat/completions", body, [openai()]);
    expect(r).toMatchObject({ ok: true, outputTokens: 150 });
    const bare = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
    // 62 bytes x 2.50 + 16,384 x 10 = 155 + 163,840 = 163,995 per 1M -> $0.163995
    expect(worst("chat/completions", bare, [openai()])).toEqual({
      ok: true,
      usd: 0.163995,
      promptTokens: bytes(bare),
      outputTokens: 16_384,
    });
    expect(bytes(bare)).toBe(62);
  });

  it("a Responses create's max_output_tokens; embeddings and counting cost no output", () => {
    const create = { model: "gpt-4o", input: "hi", max_output_tokens: 64 };
    expect(worst("responses", create, [openai()])).toMatchObject({ ok: true, outputTokens: 64 });
    const embed = { model: "text-embedding-3-small", input: "hello world" };
    // 56 bytes x 0.02 = 1.12 per 1M -> $0.00000112
    expect(worst("embeddings", embed, [openai("text-embedding-3-small")])).toEqual({
      ok: true,
      usd: 0.00000112,
      promptTokens: 56,
      outputTokens: 0,
    });
    expect(worst("responses/input_tokens", create, [openai()])).toEqual({ ok: true, usd: 0, promptTokens: 0, outputTokens: 0 });
  });

  it("adds IMAGE_TOKENS per image or file given by reference", () => {
    const body = {
      model: "gpt-4o",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is it?" },
            { type: "image_url", image_url: { url: "https://x.test/a.png" } },
          ],
        },
      ],
    };
    expect(promptTokensUpperBound(JSON.stringify(body), body)).toBe(bytes(body) + IMAGE_TOKENS);
  });

  it("prices the dearest input (Anthropic's cache write) and, past the prompt-size tier, the tier above", () => {
    const body = { model: "claude-haiku-4-5", max_tokens: 1_000, messages: [{ role: "user", content: "hi" }] };
    const p = bytes(body); // 90
    // 90 x 1.25 (cache write) + 1,000 x 5 = 112.5 + 5,000 = 5,112.5 per 1M -> $0.0051125
    expect(worst("messages", body, [{ provider: "anthropic", model: "claude-haiku-4-5" }])).toEqual({
      ok: true,
      usd: 0.0051125,
      promptTokens: p,
      outputTokens: 1_000,
    });
    const long = { model: "claude-sonnet-4", max_tokens: 10, messages: [{ role: "user", content: "x".repeat(200_000) }] };
    const lp = bytes(long); // over 200,000: every token at the tier above
    // lp x 7.50 + 10 x 22.50, per 1M
    const r = worst("messages", long, [{ provider: "anthropic", model: "claude-sonnet-4" }]);
    expect(r).toEqual({ ok: true, usd: Math.ceil((lp * 7.5 + 10 * 22.5) * 1_000) / 1e9, promptTokens: lp, outputTokens: 10 });
  });

  it("chat translated to Anthropic: its 4,096 default, plus 32,768 when reasoning_effort asks for thinking", () => {
    const target = { provider: "anthropic", model: "claude-haiku-4-5" };
    expect(worst("chat/completions", { model: "claude-haiku-4-5", messages: [] }, [target])).toMatchObject({ outputTokens: 4_096 });
    expect(
      worst("chat/completions", { model: "claude-haiku-4-5", max_tokens: 100, reasoning_effort: "low", messages: [] }, [target]),
    ).toMatchObject({
      outputTokens: 100 + 32_768,
    });
  });

  it("reserves the dearest target; a target without a price makes the cost unbounded", () => {
    const body = { model: "gpt-4o", max_tokens: 10, messages: [] };
    const mini = worst("chat/completions", body, [openai("gpt-4o-mini")]);
    const both = worst("chat/completions", body, [openai("gpt-4o-mini"), openai("gpt-4o"), openai("gpt-4o-mini")]);
    expect(both).toEqual(worst("chat/completions", body, [openai("gpt-4o")]));
    expect(mini.ok && both.ok && mini.usd < both.usd).toBe(true);
    expect(worst("chat/completions", body, [openai("gpt-4o"), { provider: "mistral-ai", model: "mistral-large-latest" }])).toEqual({
      ok: false,
      provider: "mistral-ai",
      model: "mistral-large-latest",
    });
    expect(worst("chat/completions", { messages: [] }, [openai(null)])).toEqual({ ok: false, provider: "openai", model: null });
  });

  it("an Azure deployment name is priced as the model it serves; a workspace override wins", () => {
    const body = { model: "prod-4o", max_tokens: 10, messages: [] };
    const azure: PricedTarget = {
      provider: "azure-openai",
      model: "prod-4o",
      modelOfDeployment: (n) => (n === "prod-4o" ? "gpt-4o" : undefined),
    };
    expect(worst("chat/completions", body, [azure])).toEqual(
      worst("chat/completions", body, [{ provider: "azure-openai", model: "gpt-4o" }]),
    );
    const overrides = new Map([[priceOverrideKey("mistral-ai", "mistral-large-latest"), { input: 2, output: 6, maxOutputTokens: 1_000 }]]);
    const own = { model: "mistral-large-latest", messages: [] };
    // 46 bytes x 2 + 1,000 x 6 = 92 + 6,000 = 6,092 per 1M -> $0.006092
    expect(bytes(own)).toBe(46);
    expect(worst("chat/completions", own, [{ provider: "mistral-ai", model: "mistral-large-latest" }], overrides)).toEqual({
      ok: true,
      usd: 0.006092,
      promptTokens: 46,
      outputTokens: 1_000,
    });
  });
});
