/**
 * getAnalytics (read from the rollups the writer maintains) on known rows: counts, error rates,
 * cost sums, rescued counts, percentiles within the histogram's stated error (exact for small
 * latencies), bucket edges, the split with "other", workspace isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLogId, type LogRecord } from "@/lib/logs/types";
import { LATENCY_ERROR } from "@/lib/logs/rollup";
import { getAnalytics, type Analytics, type AnalyticsSplit } from "@/lib/store/analytics";
import { insertLogBatch } from "@/lib/store/logs";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";

const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Row = {
  at: number;
  status?: number;
  provider?: string | null;
  model?: string | null;
  cost?: number | null;
  latencyMs: number;
  fallbackUsed?: boolean;
  path?: string;
  apiKeyId?: string | null;
  virtualKeySlug?: string | null;
  configSlug?: string | null;
};

const ZERO = { requests: 0, errors: 0, cost: 0, unpriced: 0, saved: 0, rescued: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 };

/** A percentile read from a rollup histogram: within the stated relative error of the exact one. */
function within(got: number | null | undefined, want: number): void {
  expect(got).not.toBeNull();
  expect(Math.abs(got! - want)).toBeLessThanOrEqual(want * LATENCY_ERROR);
}

let seq = 0;
function log(workspaceId: string, r: Row): LogRecord {
  const createdAt = new Date(r.at);
  const i = seq++;
  return {
    id: `${newLogId(createdAt)}${i}`,
    workspaceId,
    createdAt,
    traceId: `t${i}`,
    metadata: null,
    apiKeyId: r.apiKeyId ?? null,
    configSlug: r.configSlug ?? null,
    configVersion: null,
    configFromKey: false,
    method: "POST",
    path: r.path ?? "/v1/chat/completions",
    modelRequested: "gpt-4o",
    stream: false,
    status: r.status ?? 200,
    errorType: null,
    provider: r.provider === undefined ? "openai" : r.provider,
    model: r.model === undefined ? "gpt-4o" : r.model,
    virtualKeySlug: r.virtualKeySlug ?? null,
    virtualKeyVersion: null,
    promptTokens: 1,
    completionTokens: 1,
    totalTokens: 2,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    responseId: null,
    cost: r.cost === undefined ? null : r.cost,
    latencyMs: r.latencyMs,
    overheadMs: 1,
    retryCount: 0,
    cacheStatus: "DISABLED",
    fallbackUsed: r.fallbackUsed ?? false,
    requestBody: null,
    requestBodyTruncated: false,
    responseBody: null,
    responseBodyTruncated: false,
    requestHeaders: null,
    responseHeaders: null,
    attempts: [],
    affinity: [],
  };
}

describe(`getAnalytics (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let ws: string;
  const hours = (splitBy: AnalyticsSplit | null) =>
    getAnalytics(t.db, { workspaceId: ws, from: new Date(T0), to: new Date(T0 + 3 * HOUR), bucket: "hour", splitBy }, TEST_DB_KIND);

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    const other = (await t.db.workspace.create({ data: { name: "Other", slug: "other-ws" } })).id;
    const rows: Row[] = [
      // Outside the hourly range on both sides.
      { at: T0 - 1, latencyMs: 9999, cost: 5 },
      { at: T0 + 3 * HOUR, latencyMs: 9999, cost: 5 },
      // Hour 0 (its first and last millisecond included).
      { at: T0, latencyMs: 100, cost: 0.01 },
      { at: T0 + 10, status: 503, latencyMs: 200 },
      { at: T0 + 20, provider: "azure-openai", latencyMs: 300, cost: 0.02, fallbackUsed: true }, // rescued
      { at: T0 + HOUR - 1, provider: "azure-openai", model: "gpt-4o-mini", status: 429, latencyMs: 400, fallbackUsed: true }, // fallback, not rescued
      // Hour 1: many models (top 6 + other) and one request that failed before routing.
      { at: T0 + HOUR, model: "m-a", latencyMs: 10, cost: 0.5 },
      { at: T0 + HOUR + 1, model: "m-a", latencyMs: 20, cost: 0.25 },
      { at: T0 + HOUR + 2, model: "m-a", latencyMs: 30 },
      { at: T0 + HOUR + 3, model: "m-b", latencyMs: 40 },
      { at: T0 + HOUR + 4, model: "m-b", latencyMs: 50, status: 500 },
      { at: T0 + HOUR + 5, model: "m-c", latencyMs: 60, path: "/v1/responses" },
      { at: T0 + HOUR + 6, model: "m-d", latencyMs: 70, path: "/v1/responses" },
      { at: T0 + HOUR + 7, model: "m-e", latencyMs: 80, cost: 1 },
      { at: T0 + HOUR + 8, model: "m-f", latencyMs: 90, fallbackUsed: true },
      { at: T0 + HOUR + 9, model: "m-g", latencyMs: 100 },
      { at: T0 + HOUR + 10, provider: null, model: null, status: 400, latencyMs: 110 },
      // The next day.
      { at: T0 + DAY, latencyMs: 7, cost: 0.125 },
    ];
    await insertLogBatch(t.db, [
      ...rows.map((r) => log(ws, r)),
      // Another workspace, same hours: never counted.
      log(other, { at: T0 + 5, latencyMs: 5000, cost: 100, status: 500 }),
      log(other, { at: T0 + HOUR + 5, latencyMs: 5000, cost: 100, fallbackUsed: true }),
    ]);
  });
  afterAll(async () => t?.drop());

  it("counts requests, errors, cost and rescued per hour, empty hours included", async () => {
    const a = await hours(null);
    expect(a.keys).toEqual([]);
    expect(a.series.map((p) => p.start)).toEqual([0, 1, 2].map((h) => new Date(T0 + h * HOUR).toISOString()));
    const [h0, h1, h2] = a.series as [Analytics["series"][number], Analytics["series"][number], Analytics["series"][number]];
    expect({ ...h0, byKey: undefined }).toMatchObject({ requests: 4, errors: 2, rescued: 1 });
    expect(h0.cost).toBeCloseTo(0.03, 12);
    expect(h1).toMatchObject({ requests: 11, errors: 2, rescued: 1 });
    expect(h1.cost).toBeCloseTo(1.75, 12);
    expect(h2).toMatchObject({ ...ZERO, p50: null, p95: null, p99: null });
    expect(a.totals).toMatchObject({ requests: 15, errors: 4, rescued: 2 });
    expect(a.totals.errorRate).toBeCloseTo(4 / 15, 12);
    expect(a.totals.cost).toBeCloseTo(1.78, 12);
  });

  it("counts the answered requests of unknown cost, which the cost sums leave out (errors are not counted)", async () => {
    const a = await hours(null);
    // Hour 0: both answered requests have a cost; the 503 and the 429 are errors.
    expect(a.series[0]!.unpriced).toBe(0);
    // Hour 1: m-a (third), m-b (first), m-c, m-d, m-f, m-g answered without a cost; m-b's 500 and the 400 are errors.
    expect(a.series[1]!.unpriced).toBe(6);
    expect(a.totals.unpriced).toBe(6);
    const m = await hours("model");
    expect(m.series[1]!.byKey["m-a"]!.unpriced).toBe(1);
    expect(m.byKey.find((k) => k.key === "other")!.unpriced).toBe(2); // m-f and m-g; m-e has a cost, unknown is a 400
  });

  it("computes latency p50/p95 like percentile_cont (linear interpolation) within the stated error, per bucket and overall", async () => {
    const a = await hours(null);
    // Hour 0: 100, 200, 300, 400 -> p50 at rank 1.5, p95 at rank 2.85.
    within(a.series[0]!.p50, 250);
    within(a.series[0]!.p95, 385);
    // Hour 1: 10..110 (11 values) -> p50 = 60, p95 at rank 9.5 = 105.
    within(a.series[1]!.p50, 60);
    within(a.series[1]!.p95, 105);
    // All 15: 10..110, 100, 200, 300, 400 sorted -> p50 rank 7 = 80; p95 rank 13.3 = 300 + 0.3 * 100.
    within(a.totals.p50, 80);
    within(a.totals.p95, 330);
  });

  it("splits by model: the top 6 by requests (ties by name), the rest as other, no provider/model as unknown", async () => {
    const a = await hours("model");
    expect(a.keys).toEqual(["gpt-4o", "m-a", "m-b", "gpt-4o-mini", "m-c", "m-d", "other"]);
    const totals = Object.fromEntries(a.byKey.map((k) => [k.key, k.requests]));
    expect(totals).toEqual({ "gpt-4o": 3, "m-a": 3, "m-b": 2, "gpt-4o-mini": 1, "m-c": 1, "m-d": 1, other: 4 }); // m-e, m-f, m-g, unknown
    const other = a.byKey.find((k) => k.key === "other")!;
    expect(other).toMatchObject({ errors: 1, rescued: 1 });
    expect(other.cost).toBeCloseTo(1, 12);
    expect(a.series[0]!.byKey["gpt-4o"]).toMatchObject({ requests: 3, errors: 1, rescued: 1 });
    expect(a.series[0]!.byKey["m-a"]).toEqual(ZERO);
    expect(a.series[1]!.byKey["m-a"]!.cost).toBeCloseTo(0.75, 12);
    expect(a.series[2]!.byKey).toEqual(Object.fromEntries(a.keys.map((k) => [k, ZERO])));
    // The split parts add up to the bucket.
    for (const p of a.series) expect(Object.values(p.byKey).reduce((s, c) => s + c.requests, 0)).toBe(p.requests);
  });

  it("splits by provider, with no other when there are few keys", async () => {
    const a = await hours("provider");
    expect(a.keys).toEqual(["openai", "azure-openai", "unknown"]);
    expect(a.byKey.map((k) => [k.key, k.requests, k.errors, k.rescued])).toEqual([
      ["openai", 12, 2, 1],
      ["azure-openai", 2, 1, 1],
      ["unknown", 1, 1, 0],
    ]);
    // The requests no provider answered were answered by Detour itself: labelled so.
    expect(a.labels).toEqual({ openai: "openai", "azure-openai": "azure-openai", unknown: "Detour" });
  });

  it("splits by endpoint: each path the requests were sent to", async () => {
    const a = await hours("endpoint");
    expect(a.keys).toEqual(["/v1/chat/completions", "/v1/responses"]);
    expect(a.byKey.map((k) => [k.key, k.requests, k.errors])).toEqual([
      ["/v1/chat/completions", 13, 4],
      ["/v1/responses", 2, 0],
    ]);
  });

  it("computes latency p50/p95 per split key like percentile_cont within the stated error, per bucket, other folded before ranking", async () => {
    const close = (
      pct: { p50: number | null; p95: number | null; p99: number | null } | undefined,
      p50: number | null,
      p95: number | null,
    ) => {
      expect(pct).toBeDefined();
      for (const [got, want] of [
        [pct!.p50, p50],
        [pct!.p95, p95],
      ] as const) {
        if (want === null) expect(got).toBeNull();
        else within(got, want);
      }
    };
    const m = await hours("model");
    const [h0, h1, h2] = m.series as [Analytics["series"][number], Analytics["series"][number], Analytics["series"][number]];
    expect(Object.keys(h0.latencyByKey)).toEqual(m.keys);
    // Hour 0, gpt-4o: 100, 200, 300 -> p50 200, p95 at rank 1.9 = 290. gpt-4o-mini: 400 alone.
    close(h0.latencyByKey["gpt-4o"], 200, 290);
    close(h0.latencyByKey["gpt-4o-mini"], 400, 400);
    close(h0.latencyByKey["m-a"], null, null);
    close(h0.latencyByKey.other, null, null);
    // Hour 1: m-a 10, 20, 30 -> 20 / 29; m-b 40, 50 -> 45 / 49.5; other = m-e 80, m-f 90, m-g 100,
    // unknown 110 -> p50 at rank 1.5 = 95, p95 at rank 2.85 = 108.5 (one percentile over the
    // folded rows, not a mix of the folded keys' percentiles).
    close(h1.latencyByKey["m-a"], 20, 29);
    close(h1.latencyByKey["m-b"], 45, 49.5);
    close(h1.latencyByKey["m-c"], 60, 60);
    close(h1.latencyByKey["m-d"], 70, 70);
    close(h1.latencyByKey.other, 95, 108.5);
    close(h1.latencyByKey["gpt-4o"], null, null);
    for (const k of m.keys) close(h2.latencyByKey[k], null, null);

    const p = await hours("provider");
    // openai: hour 0 100, 200 -> 150 / 195; hour 1 10..100 (10 values) -> rank 4.5 = 55, rank 8.55 = 95.5.
    close(p.series[0]!.latencyByKey.openai, 150, 195);
    close(p.series[1]!.latencyByKey.openai, 55, 95.5);
    close(p.series[0]!.latencyByKey["azure-openai"], 350, 395);
    close(p.series[1]!.latencyByKey["azure-openai"], null, null);
    close(p.series[0]!.latencyByKey.unknown, null, null);
    close(p.series[1]!.latencyByKey.unknown, 110, 110);
  });

  it("has no per-key latency without a split", async () => {
    const a = await hours(null);
    for (const p of a.series) expect(p.latencyByKey).toEqual({});
  });

  it("buckets by UTC day", async () => {
    const a = await getAnalytics(
      t.db,
      { workspaceId: ws, from: new Date(T0), to: new Date(T0 + 2 * DAY), bucket: "day", splitBy: null },
      TEST_DB_KIND,
    );
    expect(a.series.map((p) => [p.start, p.requests])).toEqual([
      [new Date(T0).toISOString(), 16],
      [new Date(T0 + DAY).toISOString(), 1],
    ]);
    expect(a.series[1]!.cost).toBeCloseTo(0.125, 12);
    expect(a.series[1]!.p50).toBe(7);
    expect(a.series[1]!.p95).toBe(7);
  });

  it("returns zeros and no percentiles for a workspace or range without rows", async () => {
    const a = await getAnalytics(
      t.db,
      { workspaceId: "ws_none", from: new Date(T0), to: new Date(T0 + 2 * HOUR), bucket: "hour", splitBy: "provider" },
      TEST_DB_KIND,
    );
    expect(a.keys).toEqual([]);
    expect(a.series).toHaveLength(2);
    expect(a.totals).toEqual({ ...ZERO, errorRate: null, p50: null, p95: null, p99: null });
  });
  describe("splits by API key, virtual key and config, shown by name", () => {
    // Ten days after T0: outside every range above.
    const T1 = T0 + 10 * DAY;
    const split = (splitBy: AnalyticsSplit) =>
      getAnalytics(t.db, { workspaceId: ws, from: new Date(T1), to: new Date(T1 + HOUR), bucket: "hour", splitBy }, TEST_DB_KIND);
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const key = (name: string, prefix: string, workspaceId = ws) =>
        t.db.apiKey.create({ data: { workspaceId, name, prefix, hash: `hash-${prefix}`, scope: "gateway" } });
      // Two keys named alike (a rotation keeps the name): their prefixes tell them apart.
      ids.billingOld = (await key("billing", "dtr_aaaa01")).id;
      ids.billingNew = (await key("billing", "dtr_bbbb02")).id;
      ids.search = (await key("search", "dtr_cccc03")).id;
      const otherWs = (await t.db.workspace.findFirstOrThrow({ where: { slug: "other-ws" } })).id;
      ids.foreign = (await key("theirs", "dtr_dddd04", otherWs)).id;
      await t.db.virtualKey.create({ data: { workspaceId: ws, slug: "openai-prod-a1b2c3", name: "OpenAI prod", provider: "openai" } });
      await t.db.virtualKey.create({
        data: { workspaceId: ws, slug: "azure-eu-d4e5f6", name: "Azure EU", provider: "azure-openai", status: "revoked" },
      });
      await t.db.config.create({ data: { workspaceId: ws, slug: "pc-chatfa-000001", name: "chat fallback" } });
      const rows: Row[] = [
        { at: T1, latencyMs: 10, cost: 1, apiKeyId: ids.billingOld, virtualKeySlug: "openai-prod-a1b2c3", configSlug: "pc-chatfa-000001" },
        {
          at: T1 + 1,
          latencyMs: 20,
          cost: 2,
          apiKeyId: ids.billingOld,
          virtualKeySlug: "openai-prod-a1b2c3",
          configSlug: "pc-chatfa-000001",
        },
        { at: T1 + 2, latencyMs: 30, cost: 4, apiKeyId: ids.billingNew, virtualKeySlug: "azure-eu-d4e5f6" },
        { at: T1 + 3, latencyMs: 40, apiKeyId: ids.search, virtualKeySlug: "gone-slug-000000", configSlug: "pc-gone-000002" },
        { at: T1 + 4, latencyMs: 50, status: 401, apiKeyId: null },
        { at: T1 + 5, latencyMs: 60, apiKeyId: ids.foreign },
      ];
      await insertLogBatch(
        t.db,
        rows.map((r) => log(ws, r)),
      );
    });

    it("by API key: ids as keys, names as labels, a shared name with its prefix, none and unknown ids named so", async () => {
      const a = await split("api_key");
      expect(a.keys).toEqual([ids.billingOld, ...[ids.billingNew, ids.foreign, ids.search].sort(), "unknown"]);
      expect(a.byKey.find((k) => k.key === ids.billingOld)).toMatchObject({ requests: 2, cost: 3 });
      expect(a.labels).toEqual({
        [ids.billingOld!]: "billing (dtr_aaaa01...)",
        [ids.billingNew!]: "billing (dtr_bbbb02...)",
        [ids.search!]: "search",
        // Another workspace's key is never named here.
        [ids.foreign!]: ids.foreign,
        unknown: "no API key",
      });
    });

    it("by virtual key and by config: slugs as keys, names as labels (revoked keys too), a slug no row holds as it is", async () => {
      const v = await split("virtual_key");
      expect(v.keys).toEqual(["openai-prod-a1b2c3", "unknown", "azure-eu-d4e5f6", "gone-slug-000000"]);
      expect(v.labels).toEqual({
        "openai-prod-a1b2c3": "OpenAI prod",
        "azure-eu-d4e5f6": "Azure EU",
        "gone-slug-000000": "gone-slug-000000",
        unknown: "no virtual key",
      });
      expect(v.byKey.map((k) => [k.key, k.requests])).toEqual([
        ["openai-prod-a1b2c3", 2],
        ["unknown", 2],
        ["azure-eu-d4e5f6", 1],
        ["gone-slug-000000", 1],
      ]);

      const c = await split("config");
      expect(c.keys).toEqual(["unknown", "pc-chatfa-000001", "pc-gone-000002"]);
      expect(c.labels).toEqual({ "pc-chatfa-000001": "chat fallback", "pc-gone-000002": "pc-gone-000002", unknown: "no config" });
      expect(c.series[0]!.latencyByKey["pc-chatfa-000001"]).toEqual({ p50: 15, p95: 19.5, p99: 19.9 });
    });

    it("keeps the other splits' keys as their labels, and has none without a split", async () => {
      expect((await split("provider")).labels).toEqual({ openai: "openai" });
      expect((await hours(null)).labels).toEqual({});
    });
  });
});
