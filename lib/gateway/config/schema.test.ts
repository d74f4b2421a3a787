import { describe, expect, expectTypeOf, it } from "vitest";
import { CACHE_KEYS, CIRCUIT_BREAKER_KEYS, NODE_KEYS, RETRY_KEYS } from "./keys";
import {
  cacheSettingsSchema,
  circuitBreakerSettingsSchema,
  formatConfigIssues,
  MAX_CONFIG_TARGETS,
  MAX_UPSTREAM_ATTEMPTS,
  parseConfig,
  parseConfigJson,
  PROVIDERS,
  retrySettingsSchema,
  targetSchema,
  toCanonicalJson,
  worstCaseAttempts,
  type Config,
  type ConfigIssue,
  type Target,
} from "./schema";

function valid(input: unknown): Config {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(`expected a valid config, got ${formatConfigIssues(result.issues)}`);
  return result.config;
}

function issues(input: unknown): ConfigIssue[] {
  const result = parseConfig(input);
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.config)}`);
  return result.issues;
}

/** The one issue at `path` (fails when there is none). */
function issueAt(input: unknown, path: string): string {
  const found = issues(input).filter((issue) => issue.path === path);
  expect(found, `issues: ${JSON.stringify(issues(input))}`).toHaveLength(1);
  return found[0]?.message ?? "";
}

const fallback = (targets: unknown[], extra: Record<string, unknown> = {}) => ({
  strategy: { mode: "fallback", ...extra },
  targets,
});

describe("valid configs", () => {
  it("accepts the cookbook's fallback config and defaults weight to 1", () => {
    const config = valid(fallback([{ virtual_key: "openai-vk" }, { virtual_key: "azure-vk" }], { on_status_codes: [429] }));
    expect(config.strategy).toEqual({ mode: "fallback", on_status_codes: [429] });
    expect(config.targets?.map((t) => t.weight)).toEqual([1, 1]);
  });

  it("accepts a bare single target, and a leaf with no credential (inherits the request's virtual key)", () => {
    expect(valid({ virtual_key: "openai-vk" }).virtual_key).toBe("openai-vk");
    expect(valid({ retry: { attempts: 2 } }).retry).toEqual({ attempts: 2 });
    expect(valid(fallback([{ override_params: { model: "gpt-4o" } }, { virtual_key: "b" }])).targets).toHaveLength(2);
  });

  it("accepts direct provider targets, Azure with its fields, and nested strategies", () => {
    const config = valid({
      strategy: { mode: "loadbalance" },
      targets: [
        { provider: "openai", api_key: "sk-1", custom_host: "http://127.0.0.1:4010/v1", weight: 0.7 },
        { provider: "azure-openai", api_key: "k", resource_name: "res", deployment_id: "gpt4o", api_version: "2024-06-01" },
        { weight: 0, ...fallback([{ virtual_key: "a" }, { virtual_key: "b" }]) },
      ],
    });
    expect(config.targets?.[2]?.targets).toHaveLength(2);
  });

  it("gives snake_case-only output types", () => {
    expectTypeOf<Config>().toHaveProperty("virtual_key");
    expectTypeOf<Config>().not.toHaveProperty("virtualKey");
    expectTypeOf<Target["weight"]>().toEqualTypeOf<number>();
  });
});

describe("camelCase keys", () => {
  const camel = {
    strategy: { mode: "fallback", onStatusCodes: [429] },
    overrideParams: { maxTokens: 10 },
    requestTimeout: 1000,
    retry: { attempts: 2, onStatusCodes: [503], useRetryAfterHeader: true },
    cache: { mode: "simple", maxAge: 60 },
    targets: [
      { virtualKey: "a", customHost: "https://proxy.example/v1" },
      { provider: "azure-openai", apiKey: "k", resourceName: "r", deploymentId: "d", apiVersion: "v" },
    ],
  };
  const snake = {
    strategy: { mode: "fallback", on_status_codes: [429] },
    override_params: { maxTokens: 10 },
    request_timeout: 1000,
    retry: { attempts: 2, on_status_codes: [503], use_retry_after_header: true },
    cache: { mode: "simple", max_age: 60 },
    targets: [
      { virtual_key: "a", custom_host: "https://proxy.example/v1" },
      { provider: "azure-openai", api_key: "k", resource_name: "r", deployment_id: "d", api_version: "v" },
    ],
  };

  it("normalises every camelCase key to snake_case, leaving override_params keys alone", () => {
    expect(valid(camel)).toEqual(valid(snake));
    expect(valid(camel).override_params).toEqual({ maxTokens: 10 });
  });

  it("leaves condition query keys alone", () => {
    const query = { "metadata.userTier": { $in: ["pro"] }, "params.maxTokens": { $gt: 10 } };
    const config = valid({
      strategy: { mode: "conditional", conditions: [{ query, then: "a" }] },
      targets: [{ name: "a", virtualKey: "x" }],
    });
    expect(config.strategy?.mode === "conditional" && config.strategy.conditions[0]?.query).toEqual(query);
  });

  it("accepts a key given in both spellings with the same value, rejects different values", () => {
    expect(valid({ virtual_key: "a", virtualKey: "a" }).virtual_key).toBe("a");
    expect(issueAt(fallback([{ virtual_key: "a" }, { virtual_key: "a", virtualKey: "b" }]), "targets[1].virtual_key")).toBe(
      "is given twice, as virtual_key and virtualKey, with different values: keep one",
    );
    expect(issueAt({ retry: { attempts: 1, onStatusCodes: [429], on_status_codes: [500] } }, "retry.on_status_codes")).toMatch(/twice/);
  });
});

describe("strategy", () => {
  it("names the allowed modes", () => {
    expect(issueAt(fallback([{ virtual_key: "a" }], { mode: "roundrobin" }), "strategy.mode")).toBe(
      "must be one of single, fallback, loadbalance, conditional",
    );
    expect(issueAt({ strategy: {}, targets: [{ virtual_key: "a" }] }, "strategy.mode")).toMatch(/^is required: one of single/);
  });

  it("requires strategy with targets, and non-empty targets with strategy", () => {
    expect(issueAt({ targets: [{ virtual_key: "a" }] }, "strategy")).toMatch(/is required when targets are given/);
    expect(issueAt({ strategy: { mode: "fallback" } }, "targets")).toMatch(/is required when strategy is given/);
    expect(issueAt(fallback([]), "targets")).toBe("must list at least one target");
  });

  it("allows on_status_codes only with fallback", () => {
    const config = { strategy: { mode: "loadbalance", on_status_codes: [429] }, targets: [{ virtual_key: "a" }] };
    expect(issueAt(config, "strategy.on_status_codes")).toBe("on_status_codes is only allowed with mode fallback");
  });

  it("takes loadbalance by weight, latency or in_flight, and by only with loadbalance", () => {
    const lb = (by: unknown) => ({ strategy: { mode: "loadbalance", by }, targets: [{ virtual_key: "a" }] });
    expect(valid(lb("latency")).strategy).toEqual({ mode: "loadbalance", by: "latency" });
    expect(valid(lb("in_flight")).strategy).toEqual({ mode: "loadbalance", by: "in_flight" });
    expect(valid(lb("weight")).strategy).toEqual({ mode: "loadbalance", by: "weight" });
    expect(issueAt(lb("fastest"), "strategy.by")).toBe('must be one of weight, latency, in_flight, not "fastest"');
    const nested = {
      strategy: { mode: "fallback" },
      targets: [{ strategy: { mode: "fallback", by: "latency" }, targets: [{ virtual_key: "a" }] }],
    };
    expect(issueAt(nested, "targets[0].strategy.by")).toBe("by is only allowed with mode loadbalance");
    // camelCase is accepted for the node keys around it (by has one spelling).
    expect(valid({ strategy: { mode: "loadbalance", by: "in_flight" }, targets: [{ virtualKey: "a" }] }).targets?.[0]?.virtual_key).toBe(
      "a",
    );
  });

  it("takes a hedge on fallback and loadbalance, with after_ms (or p95) and max in range", () => {
    const fb = (hedge: unknown, mode = "fallback") => ({
      strategy: { mode, hedge },
      targets: [{ virtual_key: "a" }, { virtual_key: "b" }],
    });
    expect(valid(fb({ afterMs: 800, max: 2, allowNonIdempotent: true })).strategy).toEqual({
      mode: "fallback",
      hedge: { after_ms: 800, max: 2, allow_non_idempotent: true },
    });
    expect(issueAt(fb({ after_ms: 0 }), "strategy.hedge.after_ms")).toBe('must be an integer from 1 to 600000 milliseconds, or "p95"');
    expect(issueAt(fb({ after_ms: 10, max: 4 }), "strategy.hedge.max")).toBe("must be an integer from 1 to 3 (extra attempts at once)");
    expect(issueAt(fb({}), "strategy.hedge.after_ms")).toMatch(/^is required/);
    expect(issueAt(fb({ after_ms: 10 }, "single"), "strategy.hedge")).toBe("hedge is only allowed with mode fallback or loadbalance");
    expect(valid(fb({ after_ms: "p95" }, "loadbalance")).strategy).toEqual({ mode: "loadbalance", hedge: { after_ms: "p95" } });
    expect(issueAt(fb({ after_ms: "p99" }), "strategy.hedge.after_ms")).toBe('must be an integer from 1 to 600000 milliseconds, or "p95"');
    expect(issueAt(fb({ after_ms: 1.5 }, "loadbalance"), "strategy.hedge.after_ms")).toBe(
      'must be an integer from 1 to 600000 milliseconds, or "p95"',
    );
  });

  it("needs a target with weight > 0 under loadbalance", () => {
    const config = { strategy: { mode: "loadbalance" }, targets: [{ virtual_key: "a", weight: 0 }] };
    expect(issueAt(config, "targets")).toBe("loadbalance needs at least one target with weight > 0");
  });

  it("checks conditional conditions, then and default against the node's target names", () => {
    const targets = [
      { name: "fast", virtual_key: "a" },
      { name: "cheap", virtual_key: "b" },
    ];
    const conditional = (strategy: Record<string, unknown>) => ({ strategy: { mode: "conditional", ...strategy }, targets });
    expect(issueAt(conditional({}), "strategy.conditions")).toMatch(/^is required/);
    expect(issueAt(conditional({ conditions: [] }), "strategy.conditions")).toBe("must list at least one condition");
    const bad = conditional({
      conditions: [
        { query: {}, then: "fast" },
        { query: {}, then: "slow" },
      ],
      default: "nope",
    });
    expect(issueAt(bad, "strategy.conditions[1].then")).toBe('"slow" names no target of this node; targets here are named fast, cheap');
    expect(issueAt(bad, "strategy.default")).toMatch(/"nope" names no target/);
    const duplicate = { ...conditional({ conditions: [{ query: {}, then: "a" }] }), targets: [{ name: "a" }, { name: "a" }] };
    expect(issueAt(duplicate, "targets[1].name")).toMatch(/duplicate target name "a"/);
  });
});

describe("unknown keys", () => {
  it("rejects typos at config and target level, naming the key and the likely intended one", () => {
    expect(issueAt({ virtual_key: "a", on_status_code: [429] }, "on_status_code")).toBe(
      "unknown key on_status_code (did you mean on_status_codes?)",
    );
    expect(issueAt(fallback([{ virtual_key: "a" }, { virtualKeys: "b" }]), "targets[1].virtualKeys")).toBe(
      "unknown key virtualKeys (did you mean virtual_key?)",
    );
  });

  it("rejects Portkey keys Detour does not implement, and unknown keys at every level", () => {
    expect(issueAt({ virtual_key: "a", before_request_hooks: [] }, "before_request_hooks")).toMatch(/does not support/);
    expect(issueAt({ virtual_key: "a", mode: "fallback" }, "mode")).toMatch(/mode belongs in strategy/);
    expect(issueAt({ retry: { attempts: 1, backoff: 2 } }, "retry.backoff")).toMatch(/^unknown key backoff/);
    expect(issueAt({ cache: { mode: "simple", ttl: 2 } }, "cache.ttl")).toMatch(/^unknown key ttl/);
    const condition = { query: {}, then: "a", else: "b" };
    const config = { strategy: { mode: "conditional", conditions: [condition] }, targets: [{ name: "a" }] };
    expect(issueAt(config, "strategy.conditions[0].else")).toMatch(/^unknown key else/);
  });

  it("reports each of several unknown keys at its own path", () => {
    expect(issues({ foo: 1, bar: 2 }).map((issue) => issue.path)).toEqual(["foo", "bar"]);
  });
});

describe("field rules", () => {
  const withTarget = (target: Record<string, unknown>) => fallback([{ virtual_key: "a" }, target]);

  it("bounds retry.attempts to integers 0..5 and types the other retry fields", () => {
    expect(issueAt(withTarget({ retry: { attempts: 6 } }), "targets[1].retry.attempts")).toBe("must be an integer from 0 to 5");
    expect(issueAt(withTarget({ retry: { attempts: 1.5 } }), "targets[1].retry.attempts")).toBe("must be an integer from 0 to 5");
    expect(issueAt(withTarget({ retry: {} }), "targets[1].retry.attempts")).toMatch(/^is required/);
    expect(issueAt({ retry: { attempts: 1, use_retry_after_header: "yes" } }, "retry.use_retry_after_header")).toBe(
      "must be true or false",
    );
    expect(issueAt({ retry: { attempts: 1, on_status_codes: [700] } }, "retry.on_status_codes[0]")).toMatch(/100 to 599/);
  });

  it("takes status codes as integers 100..599 on strategy and targets", () => {
    expect(issueAt(fallback([{}], { on_status_codes: [99] }), "strategy.on_status_codes[0]")).toBe(
      "must be an integer from 100 to 599 (an HTTP status code)",
    );
    expect(issueAt(fallback([{}], { on_status_codes: ["429"] }), "strategy.on_status_codes[0]")).toMatch(/integer/);
    expect(issueAt(fallback([{}], { on_status_codes: [] }), "strategy.on_status_codes")).toMatch(/at least one/);
    expect(valid(withTarget({ on_status_codes: [429, 503] })).targets?.[1]?.on_status_codes).toEqual([429, 503]);
    expect(issueAt({ virtual_key: "a", on_status_codes: [429] }, "on_status_codes")).toMatch(/no effect at the top level/);
  });

  it("checks cache, request_timeout, weight and custom_host", () => {
    expect(issueAt({ cache: { mode: "semantic" } }, "cache.mode")).toBe('cache mode "semantic" is not supported; supported: simple');
    expect(issueAt({ cache: { mode: "simple", max_age: 0 } }, "cache.max_age")).toMatch(/positive whole number of seconds/);
    expect(issueAt({ request_timeout: 0 }, "request_timeout")).toBe("must be an integer from 1 to 600000 milliseconds");
    expect(issueAt({ request_timeout: 600_001 }, "request_timeout")).toMatch(/600000/);
    expect(issueAt(withTarget({ weight: -1 }), "targets[1].weight")).toBe("must be a number >= 0");
    expect(issueAt({ custom_host: "ftp://example.com" }, "custom_host")).toMatch(/http\(s\) URL/);
    expect(issueAt({ custom_host: "not a url" }, "custom_host")).toMatch(/http\(s\) URL/);
    expect(issueAt({ override_params: [1] }, "override_params")).toBe("must be an object of body parameters");
  });
});

describe("credentials", () => {
  it("takes virtual_key or provider (+ api_key), not both", () => {
    expect(issueAt({ virtual_key: "a", provider: "openai" }, "provider")).toMatch(/either virtual_key or provider/);
    expect(issueAt({ api_key: "sk" }, "api_key")).toBe(`needs provider (one of ${PROVIDERS.join(", ")})`);
    expect(issueAt({ virtual_key: "a", api_key: "sk" }, "api_key")).toMatch(/cannot be combined with virtual_key/);
  });

  it("names the supported providers", () => {
    expect(PROVIDERS.slice(0, 2)).toEqual(["openai", "azure-openai"]);
    expect(issueAt({ provider: "no-such-provider" }, "provider")).toBe(
      `unknown provider "no-such-provider"; supported: ${PROVIDERS.join(", ")}`,
    );
  });

  it("keeps credentials off strategy nodes", () => {
    expect(issueAt({ ...fallback([{}]), virtual_key: "a" }, "virtual_key")).toMatch(/cannot be set on a node with targets/);
  });

  it("requires Azure's fields with azure-openai and only there", () => {
    const found = issues({ provider: "azure-openai", api_key: "k" }).map((issue) => issue.path);
    expect(found).toEqual(["resource_name", "deployment_id", "api_version"]);
    expect(
      valid({ provider: "azure-openai", custom_host: "https://gw.example/openai", deployment_id: "d", api_version: "v" }).provider,
    ).toBe("azure-openai");
    expect(issueAt({ provider: "openai", deployment_id: "d" }, "deployment_id")).toBe("is only used with provider azure-openai");
  });
});

describe("condition queries", () => {
  const conditional = (query: unknown) => ({
    strategy: { mode: "conditional", conditions: [{ query, then: "a" }] },
    targets: [{ name: "a" }],
  });
  const at = (suffix: string) => `strategy.conditions[0].query${suffix}`;

  it("accepts every operator", () => {
    const query = {
      "metadata.tier": "pro",
      "params.model": { $eq: "gpt-4o", $ne: "x", $regex: "^gpt", $in: ["gpt-4o"], $nin: ["y"] },
      "params.max_tokens": { $gt: 1, $gte: 1, $lt: 9, $lte: 9 },
      $and: [{ "metadata.a": "1" }],
      $or: [{ "metadata.b": "2" }, { $and: [{ "metadata.c": null }] }],
    };
    expect(valid(conditional(query)).strategy).toMatchObject({ conditions: [{ query }] });
  });

  it("names unknown operators, bad fields, bad operands and regexes that do not compile", () => {
    expect(issueAt(conditional({ "metadata.tier": { $foo: 1 } }), at('["metadata.tier"].$foo'))).toMatch(
      /^unknown operator \$foo; allowed: \$eq/,
    );
    expect(issueAt(conditional({ $not: [] }), at(".$not"))).toMatch(/unknown operator \$not/);
    expect(issueAt(conditional({ tier: "pro" }), at(".tier"))).toMatch(/metadata.<key>, params.<key>/);
    expect(issueAt(conditional({ "params.n": { $in: "a" } }), at('["params.n"].$in'))).toMatch(/takes a list/);
    expect(issueAt(conditional({ $or: [] }), at(".$or"))).toBe("$or takes a non-empty list of queries");
    expect(issueAt(conditional({ $and: [{ "params.m": { $regex: "(" } }] }), at('.$and[0]["params.m"].$regex'))).toMatch(
      /^\$regex does not compile/,
    );
    expect(issueAt(conditional("tier=pro"), at(""))).toMatch(/must be an object/);
  });
});

describe("parseConfigJson", () => {
  it("reports invalid JSON before anything else", () => {
    const result = parseConfigJson("{ strategy: ");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]?.message).toMatch(/^config is not valid JSON: /);
  });

  it("parses valid JSON and reports a non-object clearly", () => {
    expect(parseConfigJson('{"virtualKey":"a"}')).toEqual({ ok: true, config: { virtual_key: "a", weight: 1 } });
    expect(parseConfigJson("[]")).toEqual({
      ok: false,
      issues: [{ path: "", message: "config must be an object (a target or a strategy node)" }],
    });
    for (const text of ["[1,2]", "42", "null", "true"]) {
      expect(parseConfigJson(text)).toEqual({
        ok: false,
        issues: [{ path: "", message: "config must be an object (a target or a strategy node)" }],
      });
    }
    expect(parseConfigJson('"pc-abc-123456"')).toEqual({
      ok: false,
      issues: [
        {
          path: "",
          message:
            'config must be an object (a target or a strategy node); a saved config\'s id is sent as it is, without quotes ("pc-abc-123456")',
        },
      ],
    });
  });
});

describe("toCanonicalJson", () => {
  it("is the same text for the same config whatever the spelling and key order", () => {
    const a = valid({ targets: [{ virtualKey: "x", overrideParams: { b: 1, a: 2 } }], strategy: { mode: "fallback" } });
    const b = valid({ strategy: { mode: "fallback" }, targets: [{ override_params: { a: 2, b: 1 }, virtual_key: "x", weight: 1 }] });
    expect(toCanonicalJson(a)).toBe(toCanonicalJson(b));
    expect(JSON.parse(toCanonicalJson(a))).toEqual({
      strategy: { mode: "fallback" },
      targets: [{ weight: 1, virtual_key: "x", override_params: { a: 2, b: 1 } }],
    });
  });

  it("round-trips through parseConfig", () => {
    const config = valid({
      strategy: { mode: "conditional", conditions: [{ then: "a", query: { "metadata.t": { $in: ["x"] } } }], default: "a" },
      retry: { useRetryAfterHeader: true, attempts: 2 },
      targets: [{ name: "a", virtualKey: "k", requestTimeout: 10 }],
    });
    const text = toCanonicalJson(config);
    expect(toCanonicalJson(valid(JSON.parse(text)))).toBe(text);
    expect(text).not.toMatch(/[a-z][A-Z]/); // snake_case only
  });
});

describe("schema and normaliser stay in sync", () => {
  it("lists the same keys", () => {
    expect(Object.keys(targetSchema.shape).sort()).toEqual([...NODE_KEYS].sort());
    expect(Object.keys(retrySettingsSchema.shape).sort()).toEqual([...RETRY_KEYS].sort());
    expect(Object.keys(cacheSettingsSchema.shape).sort()).toEqual([...CACHE_KEYS].sort());
    expect(Object.keys(circuitBreakerSettingsSchema.shape).sort()).toEqual([...CIRCUIT_BREAKER_KEYS].sort());
  });
});

describe("hostile input", () => {
  it("refuses targets nested deeper than 10 levels without blowing the stack", () => {
    let node: Record<string, unknown> = { virtual_key: "leaf" };
    for (let i = 0; i < 5000; i++) node = { strategy: { mode: "single" }, targets: [node] };
    const found = issues(node);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toBe("is nested too deeply: at most 10 levels of targets");
    expect(found[0]?.path).toBe(`${"targets[0].".repeat(10)}targets`);
  });

  it("accepts 10 levels", () => {
    let node: Record<string, unknown> = { virtual_key: "leaf" };
    for (let i = 0; i < 10; i++) node = { strategy: { mode: "single" }, targets: [node] };
    expect(parseConfig(node).ok).toBe(true);
  });
});

describe("circuit_breaker", () => {
  const fallback = (target: Record<string, unknown>) => ({
    strategy: { mode: "fallback" },
    targets: [{ virtual_key: "a", ...target }, { virtual_key: "b" }],
  });

  it("accepts snake_case and camelCase on a target or a strategy node", () => {
    const snake = valid(fallback({ circuit_breaker: { failure_threshold: 2, cooldown_ms: 1000, failure_status_codes: [503] } }));
    const camel = valid(fallback({ circuitBreaker: { failureThreshold: 2, cooldownMs: 1000, failureStatusCodes: [503] } }));
    expect(camel).toEqual(snake);
    expect(snake.targets?.[0]?.circuit_breaker).toEqual({ failure_threshold: 2, cooldown_ms: 1000, failure_status_codes: [503] });
    expect(valid({ ...fallback({}), circuit_breaker: { failure_threshold: 100, cooldown_ms: 600000 } }).circuit_breaker).toBeDefined();
  });

  it("bounds and requires its fields, with paths in the issues", () => {
    const at = (cb: unknown, path: string) => issueAt(fallback({ circuit_breaker: cb }), `targets[0].circuit_breaker${path}`);
    expect(at({ failure_threshold: 0, cooldown_ms: 1000 }, ".failure_threshold")).toBe(
      "must be an integer from 1 to 100 (consecutive failures)",
    );
    expect(at({ failure_threshold: 101, cooldown_ms: 1000 }, ".failure_threshold")).toMatch(/1 to 100/);
    expect(at({ failure_threshold: 2, cooldown_ms: 999 }, ".cooldown_ms")).toBe("must be an integer from 1000 to 600000 milliseconds");
    expect(at({ failure_threshold: 2, cooldown_ms: 1500.5 }, ".cooldown_ms")).toMatch(/1000 to 600000/);
    expect(at({ cooldown_ms: 1000 }, ".failure_threshold")).toMatch(/^is required/);
    expect(at({ failure_threshold: 2, cooldown_ms: 1000, failure_status_codes: [] }, ".failure_status_codes")).toMatch(/at least one/);
    expect(at({ failure_threshold: 2, cooldown_ms: 1000, failure_status_codes: [99] }, ".failure_status_codes[0]")).toMatch(/100 to 599/);
    expect(at({ failure_threshold: 2, cooldown_ms: 1000, threshold: 3 }, ".threshold")).toMatch(/^unknown key threshold/);
    expect(at(5, "")).toMatch(/^must be an object such as/);
  });

  it("is in the canonical JSON, after on_status_codes and before targets, and round-trips", () => {
    const config = valid({ circuitBreaker: { failureStatusCodes: [500], cooldownMs: 2000, failureThreshold: 3 }, ...fallback({}) });
    const text = toCanonicalJson(config);
    expect(Object.keys(JSON.parse(text))).toEqual(["strategy", "circuit_breaker", "targets"]);
    expect(Object.keys(JSON.parse(text).circuit_breaker)).toEqual(["failure_threshold", "cooldown_ms", "failure_status_codes"]);
    expect(toCanonicalJson(valid(JSON.parse(text)))).toBe(text);
  });
});

describe("limits: targets and upstream attempts", () => {
  const leaves = (n: number) => Array.from({ length: n }, (_, i) => ({ virtual_key: `k${i}` }));

  it(`refuses more than ${MAX_CONFIG_TARGETS} leaf targets (nested ones included) with one issue naming the count and the limit`, () => {
    const flat = issues({ strategy: { mode: "loadbalance" }, targets: leaves(1000) });
    expect(flat).toEqual([
      {
        path: "targets",
        message: `holds 1000 targets (leaf targets, nested ones included); a config may hold at most ${MAX_CONFIG_TARGETS}`,
      },
    ]);
    const nested = {
      strategy: { mode: "loadbalance" },
      targets: [
        { strategy: { mode: "loadbalance" }, targets: leaves(30) },
        { strategy: { mode: "loadbalance" }, targets: leaves(21) },
      ],
    };
    expect(issueAt(nested, "targets")).toMatch(/^holds 51 targets/);
  });

  it(`accepts exactly ${MAX_CONFIG_TARGETS} targets`, () => {
    expect(valid({ strategy: { mode: "loadbalance" }, targets: leaves(MAX_CONFIG_TARGETS) }).targets).toHaveLength(MAX_CONFIG_TARGETS);
  });

  it("computes the worst case with the router's rules (fallback adds up, the others take one child, retry inherited)", () => {
    const retry = (attempts: number) => ({ retry: { attempts } });
    expect(worstCaseAttempts(valid({ virtual_key: "a" }))).toBe(1);
    expect(worstCaseAttempts(valid({ virtual_key: "a", ...retry(5) }))).toBe(6);
    expect(worstCaseAttempts(valid({ ...fallback(leaves(3)), ...retry(2) }))).toBe(9);
    expect(worstCaseAttempts(valid({ ...fallback([{ virtual_key: "a", ...retry(0) }, { virtual_key: "b" }]), ...retry(4) }))).toBe(6);
    expect(
      worstCaseAttempts(
        valid({
          strategy: { mode: "loadbalance" },
          targets: [
            { virtual_key: "a", ...retry(5) },
            { virtual_key: "b", ...retry(1) },
          ],
        }),
      ),
    ).toBe(6);
    expect(
      worstCaseAttempts(
        valid({
          strategy: { mode: "loadbalance" },
          targets: [
            { virtual_key: "a", ...retry(1) },
            { virtual_key: "b", weight: 0, ...retry(5) },
          ],
        }),
      ),
    ).toBe(2);
    // A hedged loadbalance may try 1 + max of its drawable children: the largest ones add up.
    const hedgedLb = (max: number) => ({
      strategy: { mode: "loadbalance", hedge: { after_ms: 100, max } },
      targets: [
        { virtual_key: "a", ...retry(3) },
        { virtual_key: "b", ...retry(1) },
        { virtual_key: "c", weight: 0, ...retry(5) },
        { virtual_key: "d" },
      ],
    });
    expect(worstCaseAttempts(valid(hedgedLb(1)))).toBe(6);
    expect(worstCaseAttempts(valid(hedgedLb(3)))).toBe(7);
    expect(
      worstCaseAttempts(valid({ strategy: { mode: "single" }, targets: [{ virtual_key: "a" }, { virtual_key: "b", ...retry(5) }] })),
    ).toBe(1);
    const nested = fallback([
      { ...fallback(leaves(2)), ...retry(1) },
      { strategy: { mode: "loadbalance" }, targets: leaves(10) },
    ]);
    expect(worstCaseAttempts(valid(nested))).toBe(2 * 2 + 1);
  });

  it(`refuses a config that can make more than ${MAX_UPSTREAM_ATTEMPTS} upstream attempts for one request, naming both numbers`, () => {
    const message = issueAt({ ...fallback(leaves(4)), retry: { attempts: 5 } }, "");
    expect(message).toBe(
      `config can make up to 24 upstream attempts for one request (when every target fails, retries included); at most ${MAX_UPSTREAM_ATTEMPTS} are allowed: lower retry.attempts or use fewer fallback targets`,
    );
    expect(issueAt(fallback(leaves(MAX_UPSTREAM_ATTEMPTS + 1)), "")).toMatch(/^config can make up to 21 upstream attempts/);
    expect(parseConfig(fallback(leaves(MAX_UPSTREAM_ATTEMPTS))).ok).toBe(true);
    // 50 targets under loadbalance with the most retries: one target a request, 6 attempts.
    expect(parseConfig({ strategy: { mode: "loadbalance" }, retry: { attempts: 5 }, targets: leaves(50) }).ok).toBe(true);
  });
});

describe("keys that are names of JavaScript internals", () => {
  it.each(["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"])(
    "%s is an unknown key like any other, at every level",
    (key) => {
      const allowed = /^unknown key \S+; allowed here: /;
      const at = (input: unknown, path: string) => {
        const message = issueAt(input, path);
        expect(message).toMatch(allowed);
        expect(message).not.toMatch(/native code|function|undefined|\[object/);
      };
      // As JSON text: an object literal would turn "__proto__" into a prototype instead of a key.
      const top = parseConfigJson(`{"virtual_key": "a", "${key}": {"provider": "openai", "api_key": "k"}}`);
      expect(!top.ok && top.issues).toEqual([{ path: key, message: expect.stringMatching(allowed) }]);
      at(JSON.parse(`{"virtual_key": "a", "retry": {"attempts": 1, "${key}": 2}}`), `retry.${key}`);
      at(JSON.parse(`{"strategy": {"mode": "fallback", "${key}": 1}, "targets": [{"virtual_key": "a"}]}`), `strategy.${key}`);
      at(JSON.parse(`{"strategy": {"mode": "fallback"}, "targets": [{"virtual_key": "a", "${key}": 1}]}`), `targets[0].${key}`);
    },
  );

  it("refuses __proto__ in override_params (it cannot be forwarded as a body parameter)", () => {
    const result = parseConfigJson('{"virtual_key": "a", "override_params": {"__proto__": {"x": 1}, "a": 1}}');
    expect(!result.ok && result.issues).toEqual([{ path: "override_params.__proto__", message: "__proto__ is not a body parameter" }]);
    expect(valid(JSON.parse('{"virtual_key": "a", "override_params": {"constructor": 1}}')).override_params).toEqual({ constructor: 1 });
  });
});

describe("affinity", () => {
  const config = (extra: Record<string, unknown>) => ({
    strategy: { mode: "fallback" },
    targets: [{ virtual_key: "a" }, { virtual_key: "b" }],
    ...extra,
  });

  it("takes on_origin_failure at the top level, snake_case or camelCase, and keeps it in canonical JSON", () => {
    const snake = valid(config({ affinity: { on_origin_failure: "fallback_without_state" } }));
    expect(valid(config({ affinity: { onOriginFailure: "fallback_without_state" } }))).toEqual(snake);
    expect(snake.affinity).toEqual({ on_origin_failure: "fallback_without_state" });
    expect(toCanonicalJson(snake)).toContain('"affinity": {\n    "on_origin_failure": "fallback_without_state"\n  }');
    expect(valid(config({ affinity: { on_origin_failure: "error" } })).affinity?.on_origin_failure).toBe("error");
  });

  it("refuses an unknown value, an unknown key, and the setting below the top level", () => {
    expect(issueAt(config({ affinity: { on_origin_failure: "fallback" } }), "affinity.on_origin_failure")).toBe(
      'must be one of error, fallback_without_state, not "fallback"',
    );
    expect(issueAt(config({ affinity: { mode: "x", on_origin_failure: "error" } }), "affinity.mode")).toMatch(/^unknown key mode/);
    const nested = {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: "a", affinity: { on_origin_failure: "error" } }, { virtual_key: "b" }],
    };
    expect(issueAt(nested, "targets[0].affinity")).toBe("is read at the top level of the config only");
  });
});
