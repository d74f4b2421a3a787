/**
 * `GET /v1/analytics` over real HTTP against the production build: figures of the caller's
 * workspace only (read from the rollups written with the logs), the range aligned to whole hours,
 * the split with labels, p50/p95/p99 within the stated error, and a 400 naming each bad parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertLogBatch } from "@/lib/store/logs";
import { testLogRecord } from "@/testing/sample-log-record";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, type ApiClient, createWorkspace, errorOf, withKey } from "../../testing/api-client";

const T0 = Date.parse("2025-06-01T10:00:00.000Z");
const MIN = 60_000;

describe("GET /v1/analytics", () => {
  let h: Harness;
  let api: ApiClient;
  let otherApi: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    const ws = await createWorkspace(h, "Analytics API");
    const other = await createWorkspace(h, "Analytics other");
    api = withKey(h, ws.adminKey);
    otherApi = withKey(h, other.adminKey);
    const log = (minute: number, over: Parameters<typeof testLogRecord>[0] = {}) =>
      testLogRecord({ workspaceId: ws.workspaceId, createdAt: new Date(T0 + minute * MIN), ...over });
    await insertLogBatch(h.db, [
      log(0, { latencyMs: 100, cost: 0.5 }),
      log(10, { latencyMs: 200, status: 503, cost: null }),
      log(20, { latencyMs: 300, provider: "azure-openai", fallbackUsed: true, cost: 0.25 }),
      log(70, { latencyMs: 10, cost: null, promptTokens: 3, completionTokens: 4, totalTokens: 7 }),
      log(80, { latencyMs: 1, cost: 0, costSaved: 0.125, cacheStatus: "HIT" }),
      testLogRecord({ workspaceId: other.workspaceId, createdAt: new Date(T0), latencyMs: 5000, cost: 9 }),
    ]);
  }, 180_000);
  afterAll(async () => h?.close());

  it("answers the workspace's hours, aligned to whole hours, with totals, percentiles and the stated error", async () => {
    // 10:30 to 11:30 reads 10:00 to 12:00.
    const res = await api.get(`/analytics?from=2025-06-01T10:30:00Z&to=2025-06-01T11:30:00Z&bucket=hour`);
    expect(res.status).toBe(200);
    const a = res.json;
    expect(a).toMatchObject({
      object: "analytics",
      from: "2025-06-01T10:00:00.000Z",
      to: "2025-06-01T12:00:00.000Z",
      bucket: "hour",
      split_by: null,
      latency_relative_error: 0.025,
      keys: [],
    });
    expect(a.series.map((p: { start: string; requests: number }) => [p.start, p.requests])).toEqual([
      ["2025-06-01T10:00:00.000Z", 3],
      ["2025-06-01T11:00:00.000Z", 2],
    ]);
    expect(a.totals).toMatchObject({ requests: 5, errors: 1, rescued: 1, unpriced: 1, cost: 0.75, cost_saved: 0.125, error_rate: 0.2 });
    expect(a.series[1]).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, cost_saved: 0.125 });
    expect(Math.abs(a.series[0].p50 - 200) / 200).toBeLessThanOrEqual(0.025);
  });

  it("splits by provider with labels and per-key figures; another workspace sees only its own", async () => {
    const a = (await api.get(`/analytics?from=2025-06-01&to=2025-06-02&bucket=day&split_by=provider`)).json;
    expect(a.keys).toEqual([
      { key: "openai", label: "openai" },
      { key: "azure-openai", label: "azure-openai" },
    ]);
    expect(a.by_key.map((k: { key: string; requests: number }) => [k.key, k.requests])).toEqual([
      ["openai", 4],
      ["azure-openai", 1],
    ]);
    expect(a.series).toHaveLength(1);
    expect(a.series[0].by_key["azure-openai"]).toMatchObject({ requests: 1, rescued: 1, cost: 0.25 });
    const b = (await otherApi.get(`/analytics?from=2025-06-01&to=2025-06-02&bucket=day`)).json;
    expect(b.totals).toMatchObject({ requests: 1, cost: 9 });
  });

  it("refuses bad parameters with a 400 naming each", async () => {
    const bad = async (query: string) => {
      const res = await api.get(`/analytics?${query}`);
      expect(res.status).toBe(400);
      return errorOf(res);
    };
    expect(JSON.stringify(await bad("bucket=week&split_by=team"))).toMatch(/bucket[\s\S]*split_by|split_by[\s\S]*bucket/);
    expect(JSON.stringify(await bad("from=yesterday"))).toContain("from");
    expect(JSON.stringify(await bad("from=2025-06-02&to=2025-06-01"))).toContain("must be before to");
    expect(JSON.stringify(await bad("from=2020-01-01&to=2025-01-01&bucket=hour"))).toContain("at most 2000");
    expect(JSON.stringify(await bad("colour=red"))).toContain("colour");
  });
});
