/** The price file: the committed one is valid and names only Detour's providers; a bad one fails loudly, naming the path. */
import { describe, expect, it } from "vitest";
import { PROVIDER_IDS, isProviderId } from "../gateway/providers/catalog";
import committed from "./prices.json";
import { parsePriceFile } from "./price-file";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A small valid file to break one field at a time. */
function sample(): JsonObject {
  return {
    schema_version: 1,
    updated: "2026-01-02",
    providers: {
      openai: {
        date: "2026-01-01",
        source: "https://platform.openai.com/docs/pricing",
        models: { "gpt-4.1": { input: 2, output: 8, cached_input: 0.5, max_output_tokens: 32768 } },
      },
      "azure-openai": { date: "2026-01-01", source: "https://platform.openai.com/docs/pricing", same_as: "openai", models: {} },
      anthropic: {
        date: "2026-01-02",
        source: "https://platform.claude.com/docs/en/about-claude/pricing",
        models: {
          "claude-x": {
            input: 3,
            output: 15,
            cached_input: 0.3,
            cache_write: 3.75,
            above: { tokens: 200000, input: 6, output: 22.5, cached_input: 0.6, cache_write: 7.5 },
          },
        },
      },
    },
    unpriced: { ollama: "your own servers" },
  };
}

/** sample() with the value at `path` set (or deleted, for undefined). */
function changed(path: string[], value: Json | undefined): JsonObject {
  const data = sample();
  let node = data;
  for (const key of path.slice(0, -1)) node = node[key] as JsonObject;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return data;
}

const problemsOf = (data: unknown): string => {
  try {
    parsePriceFile(data, "prices-under-test.json");
  } catch (err) {
    return (err as Error).message;
  }
  return "(the file was accepted)";
};

describe("the committed price file", () => {
  it("is valid", () => {
    const file = parsePriceFile(committed);
    expect(file.schemaVersion).toBe(1);
    expect(Object.keys(file.providers)).toEqual(["openai", "azure-openai", "anthropic", "groq", "together-ai", "fireworks-ai", "google"]);
    for (const provider of Object.values(file.providers)) expect(provider.date <= file.updated).toBe(true);
  });

  it("names only providers Detour speaks, and says of every provider either its prices or why it has none", () => {
    const file = parsePriceFile(committed);
    const named = [...Object.keys(file.providers), ...Object.keys(file.unpriced)];
    for (const id of named) expect(isProviderId(id), id).toBe(true);
    expect([...named].sort()).toEqual([...PROVIDER_IDS].sort());
  });

  it("gives Azure OpenAI OpenAI's table", () => {
    const file = parsePriceFile(committed);
    expect(file.providers["azure-openai"]!.models).toEqual(file.providers.openai!.models);
    expect(file.providers["azure-openai"]!.sameAs).toBe("openai");
  });
});

describe("parsePriceFile", () => {
  it("reads snake_case into the prices cost() uses, tiers and same_as resolved", () => {
    const file = parsePriceFile(sample());
    expect(file.providers.openai!.models["gpt-4.1"]).toEqual({ input: 2, output: 8, cachedInput: 0.5, maxOutputTokens: 32768 });
    expect(file.providers["azure-openai"]!.models["gpt-4.1"]).toEqual(file.providers.openai!.models["gpt-4.1"]);
    expect(file.providers.anthropic!.models["claude-x"]).toEqual({
      input: 3,
      output: 15,
      cachedInput: 0.3,
      cacheWrite: 3.75,
      above: { tokens: 200000, input: 6, output: 22.5, cachedInput: 0.6, cacheWrite: 7.5 },
    });
    expect(file.unpriced).toEqual({ ollama: "your own servers" });
    expect(Object.isFrozen(file.providers.openai!.models)).toBe(true);
  });

  it("lets a provider's own entries win over the table it reuses", () => {
    const data = changed(["providers", "azure-openai", "models"], { "gpt-4.1": { input: 2.2, output: 8.8 } });
    const file = parsePriceFile(data);
    expect(file.providers["azure-openai"]!.models["gpt-4.1"]).toEqual({ input: 2.2, output: 8.8 });
    expect(file.providers.openai!.models["gpt-4.1"]!.input).toBe(2);
  });

  it("names the file and the path of each problem", () => {
    const data = changed(["providers", "openai", "models", "gpt-4.1", "input"], -1);
    ((((data.providers as JsonObject).anthropic as JsonObject).models as JsonObject)["claude-x"] as JsonObject).output = "15";
    expect(problemsOf(data)).toBe(
      [
        "prices-under-test.json is not a valid price file:",
        '  providers.openai.models["gpt-4.1"].input: must be a finite number >= 0 (USD per 1M tokens)',
        '  providers.anthropic.models["claude-x"].output: must be a finite number >= 0 (USD per 1M tokens)',
      ].join("\n"),
    );
  });

  it("refuses a wrong version, bad dates and sources, unknown fields and non-canonical model names", () => {
    const openai = ["providers", "openai"];
    const gpt41 = [...openai, "models", "gpt-4.1"];
    const cases: [string[], Json | undefined, string][] = [
      [["schema_version"], 2, "schema_version: must be 1"],
      [["updated"], "5 Dec 2026", "updated: must be a date, YYYY-MM-DD"],
      [[...openai, "source"], "http://example.com", "providers.openai.source: must be an https:// URL"],
      [[...gpt41, "cachedInput"], 0.5, 'providers.openai.models["gpt-4.1"]: Unrecognized key'],
      [[...openai, "models", "GPT-4o"], { input: 1 }, 'providers.openai.models["GPT-4o"]: a model name must be canonical'],
      [[...openai, "models", "gpt-35-turbo"], { input: 1 }, 'models["gpt-35-turbo"]: a model name must be canonical'],
      [[...gpt41, "max_output_tokens"], 1.5, "max_output_tokens: must be a whole number > 0"],
      [[...openai, "date"], "2027-01-01", "providers.openai.date: is later than updated (2026-01-02)"],
      [[...gpt41, "input"], undefined, 'providers.openai.models["gpt-4.1"].input: must be a finite number'],
      [["unpriced", "openai"], "listed twice", "unpriced.openai: is also listed under providers"],
    ];
    for (const [path, value, expected] of cases) expect(problemsOf(changed(path, value)), expected).toContain(expected);
  });

  it("refuses a long-prompt tier that does not name the same kinds of price as the base", () => {
    const claude = ["providers", "anthropic", "models", "claude-x", "above"];
    expect(problemsOf(changed([...claude, "cache_write"], undefined))).toContain(
      'providers.anthropic.models["claude-x"].above.cache_write: must be given exactly when the base tier gives cache_write',
    );
    expect(problemsOf(changed([...claude, "tokens"], 0))).toContain("above.tokens: must be a whole number of prompt tokens > 0");
  });

  it("refuses same_as naming a provider the file lacks, itself, or a chain", () => {
    expect(problemsOf(changed(["providers", "azure-openai", "same_as"], "groq"))).toContain(
      'providers["azure-openai"].same_as: must name another provider of this file',
    );
    expect(problemsOf(changed(["providers", "anthropic", "same_as"], "azure-openai"))).toContain(
      "providers.anthropic.same_as: azure-openai itself reuses another table; name that one",
    );
  });

  it("never lets a __proto__ model name become a table's prototype", () => {
    const data = JSON.parse(JSON.stringify(sample()).replace('"gpt-4.1"', '"__proto__"'));
    const table = parsePriceFile(data).providers.openai!.models;
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(Object.keys(table)).toEqual([]);
  });
});
