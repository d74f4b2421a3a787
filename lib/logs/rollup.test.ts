/** The rollup fold and its latency histogram: bins, stated error, counts per dimension, key order. */
import { describe, expect, it } from "vitest";
import {
  addHistogram,
  binValue,
  foldRollups,
  histogramPercentile,
  LATENCY_ERROR,
  latencyBin,
  MAX_BIN,
  ROLLUP_DIMENSIONS,
  RollupFold,
  type RollupSource,
} from "./rollup";

/** percentile_cont over exact values. */
function exact(sorted: number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const upper = sorted[lo + 1] ?? sorted[lo]!;
  return sorted[lo]! + (upper - sorted[lo]!) * (pos - lo);
}

function histogram(values: number[]): number[] {
  const h: number[] = [];
  for (const v of values) {
    const b = latencyBin(v);
    while (h.length <= b) h.push(0);
    h[b]!++;
  }
  return h;
}

const T = Date.UTC(2026, 2, 1, 10, 0, 0);
function src(over: Partial<RollupSource> = {}): RollupSource {
  return {
    workspaceId: "ws1",
    createdAt: new Date(T),
    status: 200,
    provider: "openai",
    model: "gpt-4o",
    path: "/v1/chat/completions",
    apiKeyId: null,
    virtualKeySlug: "vk-1",
    configSlug: null,
    cost: 0.001,
    fallbackUsed: false,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    latencyMs: 100,
    ...over,
  };
}

describe("latency histogram", () => {
  it("puts every whole ms in a bin whose value is within the stated error, small values exactly", () => {
    expect(latencyBin(0)).toBe(0);
    expect(latencyBin(-3)).toBe(0);
    expect(binValue(0)).toBe(0);
    for (let v = 1; v <= 20; v++) expect(binValue(latencyBin(v))).toBe(v);
    let prev = 0;
    for (let v = 1; v < 3_000_000; v += v < 10_000 ? 1 : 997) {
      const b = latencyBin(v);
      expect(b).toBeGreaterThanOrEqual(prev); // monotonic
      prev = b;
      expect(Math.abs(binValue(b) - v) / v).toBeLessThanOrEqual(LATENCY_ERROR);
    }
    expect(latencyBin(2 ** 40)).toBe(MAX_BIN);
  });

  it("reads percentiles like percentile_cont within the stated error (20k random latencies)", () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values = Array.from({ length: 20_000 }, () => Math.round(20 + -Math.log(1 - rand()) * 900));
    const sorted = [...values].sort((a, b) => a - b);
    // Added in two parts, as two batches would be.
    const h = addHistogram(histogram(values.slice(0, 7_000)), histogram(values.slice(7_000)));
    for (const p of [0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const want = exact(sorted, p);
      expect(Math.abs(histogramPercentile(h, p)! - want) / want, `p${p * 100}`).toBeLessThanOrEqual(LATENCY_ERROR);
    }
  });

  it("has no percentile when empty, and interpolates between two exact small values", () => {
    expect(histogramPercentile([], 0.5)).toBeNull();
    expect(histogramPercentile([0, 0], 0.5)).toBeNull();
    expect(histogramPercentile(histogram([10, 20]), 0.5)).toBe(15);
    expect(histogramPercentile(histogram([10, 20]), 0.95)).toBeCloseTo(19.5, 12);
  });
});

describe("foldRollups", () => {
  it("adds each log to one row per dimension, with the counts the analytics define", () => {
    const deltas = foldRollups([
      src(),
      src({ status: 503, cost: null, promptTokens: null, completionTokens: null, totalTokens: null, latencyMs: 7 }),
      src({ fallbackUsed: true, provider: "azure-openai", cost: 0.0025 }), // rescued
      src({ fallbackUsed: true, status: 429, cost: null }), // a fallback, not rescued, an error
      src({ cost: null, configSlug: "pc-1", apiKeyId: "key-1" }), // unpriced
      src({ createdAt: new Date(T + 3_599_999) }), // same hour
      src({ cost: 0, costSaved: 0.0004 }), // a cache hit
    ]);
    expect(new Set(deltas.map((d) => d.dimension))).toEqual(new Set(ROLLUP_DIMENSIONS));
    const all = deltas.find((d) => d.dimension === "")!;
    expect(all).toMatchObject({
      key: "",
      hour: new Date(T),
      requests: 7,
      errors: 2,
      rescued: 1,
      fallbacks: 2,
      unpriced: 1,
      costNanoUsd: 1_000_000 * 2 + 2_500_000,
      savedNanoUsd: 400_000,
      promptTokens: 60,
      completionTokens: 30,
      totalTokens: 90,
    });
    expect(all.latency.reduce((s, c) => s + c, 0)).toBe(7);
    // Each dimension's rows add up to the whole.
    for (const dim of ROLLUP_DIMENSIONS) expect(deltas.filter((d) => d.dimension === dim).reduce((s, d) => s + d.requests, 0)).toBe(7);
    const key = (dimension: string, k: string) => deltas.find((d) => d.dimension === dimension && d.key === k);
    expect(key("provider", "azure-openai")).toMatchObject({ requests: 1, rescued: 1 });
    expect(key("status", "5xx")).toMatchObject({ requests: 1, errors: 1 });
    expect(key("status", "4xx")).toMatchObject({ requests: 1, errors: 1, fallbacks: 1 });
    expect(key("status", "2xx")!.requests).toBe(5);
    expect(key("config", "")!.requests).toBe(6); // absent: "" (never null)
    expect(key("api_key", "key-1")).toMatchObject({ requests: 1, unpriced: 1 });
    expect(key("endpoint", "/v1/chat/completions")!.requests).toBe(7);
    expect(key("provider", "openai")!.savedNanoUsd).toBe(400_000);
  });

  it("returns deltas sorted by (workspace, hour, dimension, key) whatever the input order", () => {
    const rows = [
      src({ workspaceId: "ws2", model: "b" }),
      src({ createdAt: new Date(T + 3_600_000), model: "a" }),
      src({ model: "z" }),
      src({ model: "a", createdAt: new Date(T - 1) }),
    ];
    const deltas = foldRollups(rows);
    const keys = deltas.map((d) => [d.workspaceId, d.hour.getTime(), d.dimension, d.key] as const);
    const sorted = [...keys].sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0),
    );
    expect(keys).toEqual(sorted);
    expect(foldRollups([...rows].reverse())).toEqual(deltas);
  });

  it("folds incrementally to the same deltas as at once, cost summed exactly in nano-USD", () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      src({ cost: i % 7 === 0 ? null : 0.1 + i * 1e-7, latencyMs: i * 3, model: `m${i % 5}` }),
    );
    const fold = new RollupFold();
    for (const r of rows) fold.add(r);
    expect(fold.deltas()).toEqual(foldRollups(rows));
    const all = fold.deltas().find((d) => d.dimension === "")!;
    expect(all.costNanoUsd).toBe(rows.reduce((s, r) => s + (r.cost === null ? 0 : Math.round(r.cost * 1e9)), 0));
    expect(Number.isInteger(all.costNanoUsd)).toBe(true);
  });
});
