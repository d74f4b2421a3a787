import { describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../config/schema";
import { route } from "./route-request";
import { mergeSettings } from "./settings";
import { ok, scriptedAttempt } from "../../../testing/router-fakes";
import { buildRouteTree, listRouteLeaves, mapRouteLeaves } from "./tree";
import { pickWeighted } from "./weighted";

function config(input: unknown): Config {
  const parsed = parseConfig(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config;
}

describe("mergeSettings", () => {
  const parent = {
    retry: { attempts: 3, onStatusCodes: [429] },
    cache: { mode: "simple" as const, maxAgeSeconds: 60 },
    overrideParams: { temperature: 0, max_tokens: 100 },
    requestTimeoutMs: 5000,
    customHost: "https://parent.example/v1",
  };

  it("inherits everything when the child sets nothing", () => {
    expect(mergeSettings(parent, {})).toEqual(parent);
  });

  it("replaces retry and cache whole, merges override_params with the child winning", () => {
    const child = {
      retry: { attempts: 1 },
      cache: { mode: "simple" as const },
      overrideParams: { max_tokens: 5, top_p: 1 },
      requestTimeoutMs: 100,
      customHost: "https://child.example/v1",
    };
    expect(mergeSettings(parent, child)).toEqual({
      retry: { attempts: 1 },
      cache: { mode: "simple" },
      overrideParams: { temperature: 0, max_tokens: 5, top_p: 1 },
      requestTimeoutMs: 100,
      customHost: "https://child.example/v1",
    });
  });
});

describe("buildRouteTree", () => {
  it("turns a bare target into one leaf at path config", () => {
    const tree = buildRouteTree(config({ virtualKey: "openai-prod", requestTimeout: 2000 }));
    expect(tree).toEqual({
      kind: "leaf",
      path: "config",
      target: { virtual_key: "openai-prod", weight: 1, request_timeout: 2000 },
      settings: { requestTimeoutMs: 2000 },
    });
  });

  it("gives nested paths and inherits settings down the tree", () => {
    const tree = buildRouteTree(
      config({
        strategy: { mode: "fallback", on_status_codes: [429, 503] },
        retry: { attempts: 2 },
        override_params: { temperature: 0 },
        targets: [
          { virtual_key: "a", override_params: { max_tokens: 10 } },
          {
            strategy: { mode: "loadbalance" },
            request_timeout: 1000,
            targets: [
              { virtual_key: "b", weight: 3, name: "b" },
              { provider: "openai", api_key: "sk-x", weight: 0, retry: { attempts: 0 } },
            ],
          },
        ],
      }),
    );
    const leaves = listRouteLeaves(tree);
    expect(leaves.map((l) => l.path)).toEqual(["config.targets[0]", "config.targets[1].targets[0]", "config.targets[1].targets[1]"]);
    expect(leaves.map((l) => l.settings)).toEqual([
      { retry: { attempts: 2 }, overrideParams: { temperature: 0, max_tokens: 10 } },
      { retry: { attempts: 2 }, overrideParams: { temperature: 0 }, requestTimeoutMs: 1000 },
      { retry: { attempts: 0 }, overrideParams: { temperature: 0 }, requestTimeoutMs: 1000 },
    ]);
    expect(tree.kind === "strategy" && tree.strategy).toEqual({ mode: "fallback", onStatusCodes: [429, 503] });
    const inner = tree.kind === "strategy" ? tree.children[1]?.node : undefined;
    expect(inner?.kind === "strategy" && inner.children.map((c) => [c.name, c.weight])).toEqual([
      ["b", 3],
      [undefined, 0],
    ]);
  });

  it("carries conditional strategies and target-level on_status_codes", () => {
    const tree = buildRouteTree(
      config({
        strategy: { mode: "conditional", conditions: [{ query: { "metadata.tier": "pro" }, then: "fast" }], default: "slow" },
        targets: [
          { name: "fast", virtual_key: "a", on_status_codes: [429] },
          { name: "slow", virtual_key: "b" },
        ],
      }),
    );
    expect(tree.kind === "strategy" && tree.strategy).toEqual({
      mode: "conditional",
      conditions: [{ query: { "metadata.tier": "pro" }, then: "fast" }],
      default: "slow",
    });
    expect(tree.kind === "strategy" && tree.children[0]?.onStatusCodes).toEqual([429]);
  });
});

describe("mapRouteLeaves", () => {
  it("resolves every leaf (async) and the result routes", async () => {
    const tree = buildRouteTree(config({ strategy: { mode: "fallback" }, targets: [{ virtual_key: "a" }, { virtual_key: "b" }] }));
    const resolved = await mapRouteLeaves(tree, async (leaf) => `resolved:${leaf.target.virtual_key}`);
    expect(listRouteLeaves(resolved).map((l) => l.target)).toEqual(["resolved:a", "resolved:b"]);
    const { attempt } = scriptedAttempt({ "config.targets[0]": [{ status: 500 }], "config.targets[1]": [ok()] });
    const result = await route(resolved, { attempt });
    expect(result.target).toBe("resolved:b");
  });
});

describe("pickWeighted", () => {
  const items = [
    { id: "a", weight: 1 },
    { id: "zero", weight: 0 },
    { id: "b", weight: 1 },
  ];
  it("maps random() onto cumulative weights, skipping weight 0", () => {
    expect(
      pickWeighted(
        items,
        (i) => i.weight,
        () => 0,
      )?.id,
    ).toBe("a");
    expect(
      pickWeighted(
        items,
        (i) => i.weight,
        () => 0.49,
      )?.id,
    ).toBe("a");
    expect(
      pickWeighted(
        items,
        (i) => i.weight,
        () => 0.5,
      )?.id,
    ).toBe("b");
    expect(
      pickWeighted(
        items,
        (i) => i.weight,
        () => 0.999999,
      )?.id,
    ).toBe("b");
    expect(
      pickWeighted(
        items,
        (i) => i.weight,
        () => 1,
      )?.id,
    ).toBe("b");
  });
  it("returns undefined when nothing can be drawn", () => {
    expect(
      pickWeighted(
        [{ weight: 0 }],
        (i) => i.weight,
        () => 0.5,
      ),
    ).toBeUndefined();
    expect(
      pickWeighted(
        [],
        () => 1,
        () => 0.5,
      ),
    ).toBeUndefined();
  });
});

describe("circuit_breaker inheritance", () => {
  it("is inherited by every target below the node that sets it; a child's own replaces it whole", () => {
    const parsed = parseConfig({
      strategy: { mode: "fallback" },
      circuit_breaker: { failure_threshold: 3, cooldown_ms: 5000 },
      targets: [
        { virtual_key: "a" },
        { virtual_key: "b", circuitBreaker: { failureThreshold: 1, cooldownMs: 1000, failureStatusCodes: [500] } },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const leaves = listRouteLeaves(buildRouteTree(parsed.config));
    expect(leaves.map((l) => l.settings.circuitBreaker)).toEqual([
      { failureThreshold: 3, cooldownMs: 5000 },
      { failureThreshold: 1, cooldownMs: 1000, failureStatusCodes: [500] },
    ]);
  });
});

describe("buildRouteTree with hedge", () => {
  it("measures and times the leaves below a hedge after p95 only, and carries the hedge on loadbalance", () => {
    const tree = buildRouteTree(
      config({
        strategy: { mode: "fallback" },
        targets: [
          { strategy: { mode: "loadbalance", hedge: { after_ms: "p95", max: 2 } }, targets: [{ virtual_key: "a" }, { virtual_key: "b" }] },
          { strategy: { mode: "fallback", hedge: { after_ms: 300 } }, targets: [{ virtual_key: "c" }, { virtual_key: "d" }] },
        ],
      }),
    );
    const leaves = listRouteLeaves(tree);
    expect(leaves.map((l) => [l.settings.measured, l.settings.timed])).toEqual([
      [true, true],
      [true, true],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    if (tree.kind !== "strategy") throw new Error("not a strategy");
    const [lb, fb] = tree.children.map((c) => c.node);
    expect(lb?.kind === "strategy" && lb.strategy).toEqual({ mode: "loadbalance", hedge: { afterMs: "p95", max: 2 } });
    expect(fb?.kind === "strategy" && fb.strategy).toEqual({ mode: "fallback", hedge: { afterMs: 300, max: 1 } });
  });
});
