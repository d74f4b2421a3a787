import { describe, expect, it } from "vitest";
import { sourceBadge, summarizeConfig, targetRoles, targetSource } from "./config-summary";

const keys = new Map([
  ["openai-prod", "openai"],
  ["azure-eu", "azure-openai"],
  ["claude", "anthropic"],
]);

describe("targetRoles", () => {
  it("names a fallback's targets Primary, Fallback 1, Fallback 2", () => {
    expect(targetRoles({ strategy: { mode: "fallback" }, targets: [{}, {}, {}] })).toEqual(["Primary", "Fallback 1", "Fallback 2"]);
  });

  it("says which target of a single strategy serves and which are unused", () => {
    expect(targetRoles({ strategy: { mode: "single" }, targets: [{}, {}] })).toEqual(["Primary", "Unused (single mode serves the first)"]);
    // targets without a strategy are routed as single
    expect(targetRoles({ targets: [{}] })).toEqual(["Primary"]);
  });

  it("gives a load balance's targets their share of traffic, weight 1 by default, weight 0 never drawn", () => {
    expect(targetRoles({ strategy: { mode: "loadbalance" }, targets: [{ weight: 3 }, {}, { weight: 0 }] })).toEqual([
      "75% of traffic",
      "25% of traffic",
      "Never drawn (weight 0)",
    ]);
    expect(targetRoles({ strategy: { mode: "loadbalance" }, targets: [{}, {}, {}] })).toEqual([
      "33% of traffic",
      "33% of traffic",
      "33% of traffic",
    ]);
  });

  it("says a load balance by latency or in flight puts the best target first, weights sharing ties", () => {
    expect(targetRoles({ strategy: { mode: "loadbalance", by: "latency" }, targets: [{ weight: 3 }, {}, { weight: 0 }] })).toEqual([
      "Fastest first; 75% of ties",
      "Fastest first; 25% of ties",
      "Never drawn (weight 0)",
    ]);
    expect(targetRoles({ strategy: { mode: "loadbalance", by: "in_flight" }, targets: [{}, {}] })[0]).toBe("Least busy first; 50% of ties");
    const lb = (by: string) => ({
      strategy: { mode: "loadbalance", by },
      targets: [{ virtual_key: "azure-eu" }, { virtual_key: "claude" }, { virtual_key: "openai-prod", weight: 0 }],
    });
    expect(summarizeConfig(lb("latency"), keys)).toBe("Azure OpenAI / Anthropic / OpenAI 0% by lowest latency");
    expect(summarizeConfig(lb("in_flight"), keys)).toBe("Azure OpenAI / Anthropic / OpenAI 0% by fewest in flight");
    expect(summarizeConfig(lb("weight"), keys)).toBe("Azure OpenAI 50% / Anthropic 50% / OpenAI 0%");
  });

  it("names a conditional's targets by the conditions that route to them and the default", () => {
    const node = {
      strategy: {
        mode: "conditional",
        conditions: [
          { query: { "metadata.tier": "pro" }, then: "fast" },
          { query: { "metadata.tier": "free" }, then: "cheap" },
          { query: { "metadata.team": "ml" }, then: "fast" },
        ],
        default: "cheap",
      },
      targets: [{ name: "fast" }, { name: "cheap" }, { name: "spare" }, {}],
    };
    expect(targetRoles(node)).toEqual(["Conditions 1, 3", "Condition 2 · Default", "Not routed to", "Not routed to (no name)"]);
  });

  it("invents no role under a mode Detour does not have", () => {
    expect(targetRoles({ strategy: { mode: "fallbak" }, targets: [{}, {}] })).toEqual(["", ""]);
  });
});

describe("targetSource and its badge", () => {
  it("reads a virtual key as its provider, and says when the slug is not an active key", () => {
    expect(sourceBadge(targetSource({ virtual_key: "azure-eu" }, keys))).toBe("Azure OpenAI");
    expect(targetSource({ virtual_key: "gone" }, keys)).toEqual({ kind: "unknown_key", slug: "gone" });
    expect(sourceBadge(targetSource({ provider: "anthropic", api_key: "x" }, keys))).toBe("Anthropic");
    expect(sourceBadge(targetSource({}, keys))).toBe("credentials from the request");
    expect(sourceBadge(targetSource({ strategy: { mode: "loadbalance" }, targets: [{}, {}] }, keys))).toBe("load balance of 2");
  });
});

describe("summarizeConfig", () => {
  it("says a fallback as providers in order and the status codes that move on", () => {
    const config = {
      strategy: { mode: "fallback", on_status_codes: [429, 503] },
      targets: [{ virtual_key: "openai-prod" }, { virtual_key: "azure-eu" }],
    };
    expect(summarizeConfig(config, keys)).toBe("OpenAI -> Azure OpenAI on 429, 503");
  });

  it("says a hedge on a fallback or a load balance: after N ms or each target's p95, and how many more", () => {
    const targets = [{ virtual_key: "openai-prod" }, { virtual_key: "azure-eu" }];
    expect(summarizeConfig({ strategy: { mode: "fallback", hedge: { after_ms: 300 } }, targets }, keys)).toBe(
      "OpenAI -> Azure OpenAI on any failure, hedged after 300 ms",
    );
    expect(summarizeConfig({ strategy: { mode: "loadbalance", hedge: { after_ms: "p95", max: 2 } }, targets }, keys)).toBe(
      "OpenAI 50% / Azure OpenAI 50%, hedged after each target's p95, up to 2 more at once",
    );
    expect(summarizeConfig({ strategy: { mode: "loadbalance", by: "latency", hedge: { after_ms: 2000 } }, targets }, keys)).toBe(
      "OpenAI / Azure OpenAI by lowest latency, hedged after 2 s",
    );
  });

  it("says 'on any failure' without a status list, and adds retries, timeout and cache", () => {
    const config = {
      strategy: { mode: "fallback" },
      retry: { attempts: 2, on_status_codes: [429] },
      request_timeout: 10000,
      cache: { mode: "simple" },
      targets: [{ virtual_key: "openai-prod" }, { provider: "anthropic", api_key: "k" }],
    };
    expect(summarizeConfig(config, keys)).toBe("OpenAI -> Anthropic on any failure · retry 2× on 429 · timeout 10 s · cached");
  });

  it("puts a nested strategy in parentheses and a target's own settings in brackets", () => {
    const config = {
      strategy: { mode: "fallback", on_status_codes: [503] },
      targets: [
        { virtual_key: "openai-prod", request_timeout: 2500 },
        { strategy: { mode: "loadbalance" }, targets: [{ virtual_key: "azure-eu", weight: 3 }, { virtual_key: "claude" }] },
      ],
    };
    expect(summarizeConfig(config, keys)).toBe("OpenAI [timeout 2500 ms] -> (Azure OpenAI 75% / Anthropic 25%) on 503");
  });

  it("says a conditional's rules and its default", () => {
    const config = {
      strategy: { mode: "conditional", conditions: [{ query: { "metadata.tier": "pro" }, then: "a" }], default: "b" },
      targets: [
        { name: "a", virtual_key: "openai-prod" },
        { name: "b", virtual_key: "azure-eu" },
      ],
    };
    expect(summarizeConfig(config, keys)).toBe("if 1 -> OpenAI, else Azure OpenAI");
  });

  it("says what it cannot read instead of guessing: unknown keys, invalid modes, bare configs", () => {
    expect(summarizeConfig({ virtual_key: "gone" }, keys)).toBe("unknown key gone");
    expect(summarizeConfig({ strategy: { mode: "fallbak" }, targets: [{}] }, keys)).toBe('an invalid mode "fallbak"');
    expect(summarizeConfig({}, keys)).toBe("Empty: each request must name its virtual key.");
    expect(summarizeConfig([], keys)).toBe("Not a config: the JSON must be an object.");
    expect(summarizeConfig({ retry: { attempts: 3 } }, keys)).toBe("the request's own credentials · retry 3×");
  });
});
