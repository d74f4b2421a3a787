/**
 * GET /v1/logs over real HTTP against 14 known rows (inserted with insertLogBatch, lib/store/logs.ts,
 * into a workspace of their own): every filter of docs/GATEWAY.md §8 and combinations with the
 * exact ids expected, every sort both ways (ties by id, logs without a cost last), paging through
 * each sort page by page, bad values and unknown parameters (400 naming the parameter), and auth
 * (admin key, session, gateway key 403, none 401). Run once per database (DETOUR_TEST_DB).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogRecord } from "@/testing/sample-log-record";
import type { LogRecord } from "@/lib/logs/types";
import { encodeCursor } from "@/lib/logs/query";
import { insertLogBatch } from "@/lib/store/logs";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, apiClient, createWorkspace, errorOf, signIn, withKey, type ApiClient } from "../../testing/api-client";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

type Row = [
  n: number,
  minute: number,
  status: number,
  provider: string | null,
  model: string | null,
  cost: number | null,
  latencyMs: number,
  fallback: boolean,
  config: string | null,
  vk: string | null,
  metadata: Record<string, string> | null,
  trace: string,
];

const A = "pc-alpha-000001";
const F = "pc-fallb-000002";
const OPENAI = "openai-main-aaaaaa";
const AZURE = "azure-east-bbbbbb";
const USER_KEY = "user id";
const USER_VALUE = "a b&c=d/é";

// prettier-ignore
const ROWS: Row[] = [
  [1, 0, 200, "openai", "gpt-4o", 0.01, 800, false, A, OPENAI, { env: "prod", team: "search" }, "trace-1"],
  [2, 1, 200, "openai", "gpt-4o-mini", 0.001, 300, false, A, OPENAI, { env: "prod", team: "billing" }, "trace-1"],
  [3, 2, 503, "openai", "gpt-4o", null, 1500, false, A, OPENAI, { env: "prod" }, "trace-2"],
  [4, 3, 200, "azure-openai", "gpt-4o", 0.02, 1200, true, F, AZURE, { env: "staging", team: "search" }, "trace-2"],
  [5, 4, 429, "openai", "gpt-4o", null, 100, false, null, OPENAI, null, "trace-3"],
  [6, 5, 200, "azure-openai", "gpt-4o-mini", 0.002, 400, true, F, AZURE, { env: "prod", team: "search" }, "trace-4"],
  [7, 6, 500, "azure-openai", "gpt-4o", null, 2000, true, F, AZURE, { env: "dev" }, "trace-5"],
  [8, 7, 200, "openai", "text-embedding-3-small", 0.0001, 90, false, null, OPENAI, { env: "prod", [USER_KEY]: USER_VALUE }, "trace-6"],
  [9, 8, 400, null, null, null, 5, false, null, null, null, "trace-7"],
  [10, 9, 200, "openai", "gpt-4o", 0.01, 800, false, A, "openai-other-cccccc", { env: "prod" }, "trace-8"],
  [11, 10, 200, "openai", "ft:gpt-4o-mini:acme", null, 700, false, null, OPENAI, null, "trace-9"],
  [12, 11, 200, "openai", "gpt-4o", 0, 50, false, A, OPENAI, { env: "prod" }, "trace-10"],
  [13, 11, 200, "openai", "gpt-4o", 0, 50, false, A, OPENAI, { env: "prod" }, "trace-10"],
  [14, 12, 502, "openai", "gpt-4o-mini", null, 900, true, F, OPENAI, { env: "prod", team: "billing" }, "trace-11"],
];

/** Responses API rows: 11 created a response, 14 read it by id (logged with the template path). */
const RESPONSE_ID = "resp_fx11";
const RESPONSES: Partial<Record<number, Partial<LogRecord>>> = {
  11: { path: "/v1/responses", responseId: RESPONSE_ID, reasoningTokens: 3 },
  14: { path: "/v1/responses/{id}", responseId: RESPONSE_ID },
};

/** Ids are `log_FX01`..`log_FX14`: the same order on every database and collation. */
const id = (n: number) => `log_FX${String(n).padStart(2, "0")}`;
const ids = (...ns: number[]) => ns.map(id);

function fixtureRecord(
  workspaceId: string,
  [n, minute, status, provider, model, cost, latencyMs, fallbackUsed, configSlug, vk, metadata, traceId]: Row,
): LogRecord {
  return testLogRecord({
    id: id(n),
    workspaceId,
    createdAt: at(minute),
    traceId,
    metadata,
    configSlug,
    configVersion: configSlug ? 1 : null,
    path: model?.startsWith("text-embedding") ? "/v1/embeddings" : "/v1/chat/completions",
    modelRequested: model,
    status,
    errorType: status === 400 ? "bad_config" : null,
    provider,
    model,
    virtualKeySlug: vk,
    virtualKeyVersion: vk ? 1 : null,
    promptTokens: cost === null ? null : 10,
    completionTokens: cost === null ? null : 5,
    totalTokens: cost === null ? null : 15,
    cost,
    latencyMs,
    overheadMs: 1.5,
    cacheStatus: cost === 0 ? "HIT" : "DISABLED",
    fallbackUsed,
    requestBody: `{"n":${n}}`,
    ...RESPONSES[n],
  });
}

describe("GET /v1/logs: filters, sorting, validation", () => {
  let h: Harness;
  let api: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    const ws = await createWorkspace(h, "Log fixtures");
    api = withKey(h, ws.adminKey);
    await insertLogBatch(
      h.db,
      ROWS.map((r) => fixtureRecord(ws.workspaceId, r)),
    );
  });
  afterAll(async () => h?.close());

  const list = async (query: string | URLSearchParams) => {
    const r = await api.get(`/logs?${query}`);
    expect(r.status, `${query}: ${r.text.slice(0, 300)}`).toBe(200);
    return r.json as { object: string; data: Record<string, any>[]; next_cursor: string | null };
  };
  const idsOf = async (query: string | URLSearchParams) => (await list(query)).data.map((d) => d.id);

  /** Every page of a query, following next_cursor. */
  async function allPages(query: string, limit: number): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const params = new URLSearchParams(query);
      params.set("limit", String(limit));
      if (cursor) params.set("cursor", cursor);
      const body = await list(params);
      expect(body.data.length).toBeLessThanOrEqual(limit);
      out.push(...body.data.map((d) => d.id));
      cursor = body.next_cursor;
      if (!cursor) return out;
      expect(body.data.length).toBe(limit); // only the last page is short
    }
    throw new Error("more than 100 pages");
  }

  it("lists newest first in section 9's snake_case, without bodies", async () => {
    const body = await list("");
    expect(body.object).toBe("list");
    expect(body.next_cursor).toBeNull();
    expect(body.data.map((d) => d.id)).toEqual(ids(14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    const row8 = body.data.find((d) => d.id === id(8))!;
    expect(row8).toEqual({
      id: id(8),
      created_at: at(7).toISOString(),
      trace_id: "trace-6",
      metadata: { env: "prod", [USER_KEY]: USER_VALUE },
      status: 200,
      provider: "openai",
      model: "text-embedding-3-small",
      stream: false,
      // No API key on these rows; the virtual key's slug names no key of the workspace (the rows are written raw).
      api_key_id: null,
      api_key_name: null,
      api_key_prefix: null,
      api_key_state: null,
      virtual_key: OPENAI,
      virtual_key_name: null,
      virtual_key_state: "deleted",
      virtual_key_version: 1,
      config: null,
      config_version: null,
      config_from_api_key: false,
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cache_read_tokens: null,
      cache_write_tokens: null,
      reasoning_tokens: null,
      response_id: null,
      cost: 0.0001,
      cost_saved: null,
      usage_estimated: false,
      latency_ms: 90,
      overhead_ms: 1.5,
      retry_count: 0,
      cache_status: "DISABLED",
      fallback_used: false,
      error_type: null,
      model_requested: "text-embedding-3-small",
      method: "POST",
      path: "/v1/embeddings",
    });
    expect(body.data.find((d) => d.id === id(5))!.metadata).toEqual({});
    expect(body.data.find((d) => d.id === id(11))).toMatchObject({ path: "/v1/responses", response_id: RESPONSE_ID, reasoning_tokens: 3 });
    expect(body.data.find((d) => d.id === id(9))).toMatchObject({
      status: 400,
      error_type: "bad_config",
      provider: null,
      model: null,
      cost: null,
    });
  });

  // Each filter alone, with the exact rows expected (newest first).
  const single: [string, number[]][] = [
    ["trace_id=trace-2", [4, 3]],
    ["trace_id=trace-404", []],
    ["status=503", [3]],
    ["status=5xx", [14, 7, 3]],
    ["status=4xx", [9, 5]],
    ["status=2xx", [13, 12, 11, 10, 8, 6, 4, 2, 1]],
    ["status=3xx", []],
    ["status=429,5xx", [14, 7, 5, 3]],
    ["status=200,400", [13, 12, 11, 10, 9, 8, 6, 4, 2, 1]],
    ["status=502,503", [14, 3]],
    ["cost_min=0.01", [10, 4, 1]],
    ["cost_max=0.001", [13, 12, 8, 2]],
    ["cost_min=0.001&cost_max=0.01", [10, 6, 2, 1]],
    ["cost_min=0", [13, 12, 10, 8, 6, 4, 2, 1]],
    ["cost_max=0", [13, 12]],
    ["fallback=true", [14, 7, 6, 4]],
    ["fallback=false", [13, 12, 11, 10, 9, 8, 5, 3, 2, 1]],
    ["provider=azure-openai", [7, 6, 4]],
    ["provider=openai", [14, 13, 12, 11, 10, 8, 5, 3, 2, 1]],
    ["model=gpt-4o-mini", [14, 6, 2]],
    ["model=ft%3Agpt-4o-mini%3Aacme", [11]],
    [`config=${F}`, [14, 7, 6, 4]],
    [`virtual_key=openai-other-cccccc`, [10]],
    [`virtual_key=${AZURE}`, [7, 6, 4]],
    [`from=${at(5).toISOString()}`, [14, 13, 12, 11, 10, 9, 8, 7, 6]],
    [`to=${at(3).toISOString()}`, [3, 2, 1]],
    [`from=${at(3).toISOString()}&to=${at(5).toISOString()}`, [5, 4]],
    ["from=2025-03-01", [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]],
    ["to=2025-03-01", []],
    ["from=2025-03-01T11:05:00%2B01:00", [14, 13, 12, 11, 10, 9, 8, 7, 6]],
    ["metadata.env=prod", [14, 13, 12, 10, 8, 6, 3, 2, 1]],
    ["metadata.team=search", [6, 4, 1]],
    ["metadata.env=nope", []],
    ["metadata.nokey=prod", []],
    [new URLSearchParams({ [`metadata.${USER_KEY}`]: USER_VALUE }).toString(), [8]],
    ["endpoint=/v1/embeddings", [8]],
    ["endpoint=/v1/responses", [11]],
    ["endpoint=%2Fv1%2Fresponses%2F%7Bid%7D", [14]],
    ["endpoint=/v1/nothing", []],
    [`response_id=${RESPONSE_ID}`, [14, 11]],
    ["response_id=resp_none", []],
  ];
  it.each(single)("filter %s", async (query, expected) => {
    expect(await idsOf(query)).toEqual(ids(...expected));
  });

  const combined: [string, number[]][] = [
    ["provider=openai&status=5xx", [14, 3]],
    ["fallback=true&model=gpt-4o", [7, 4]],
    ["status=2xx&cost_min=0.005&metadata.env=prod", [10, 1]],
    ["metadata.env=prod&metadata.team=search", [6, 1]],
    ["metadata.env=prod&metadata.team=billing&status=5xx", [14]],
    [`config=${A}&virtual_key=${OPENAI}&status=200`, [13, 12, 2, 1]],
    [`trace_id=trace-1&model=gpt-4o`, [1]],
    [`provider=azure-openai&from=${at(4).toISOString()}&to=${at(6).toISOString()}`, [6]],
    ["fallback=false&cost_max=0.001&sort=-cost", [2, 8, 13, 12]],
    ["status=5xx&sort=latency_ms", [14, 3, 7]],
  ];
  it.each(combined)("filters combined: %s", async (query, expected) => {
    expect(await idsOf(query)).toEqual(ids(...expected));
  });

  // Every sort both ways: ties broken by id in the same direction; logs without a cost come last.
  const sorts: [string, number[]][] = [
    ["", [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]],
    ["sort=-created_at", [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]],
    ["sort=created_at", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]],
    ["order=asc", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]],
    ["sort=-cost", [4, 10, 1, 6, 2, 8, 13, 12, 14, 11, 9, 7, 5, 3]],
    ["sort=cost&order=desc", [4, 10, 1, 6, 2, 8, 13, 12, 14, 11, 9, 7, 5, 3]],
    ["sort=cost", [12, 13, 8, 2, 6, 1, 10, 4, 3, 5, 7, 9, 11, 14]],
    ["sort=latency_ms", [9, 12, 13, 8, 5, 2, 6, 11, 1, 10, 14, 4, 3, 7]],
    ["sort=-latency_ms", [7, 3, 4, 14, 10, 1, 11, 6, 2, 5, 8, 13, 12, 9]],
  ];
  it.each(sorts)("sort %s (one page, then page by page with limits 1, 3 and 5)", async (query, expected) => {
    expect(await idsOf(query)).toEqual(ids(...expected));
    for (const limit of [1, 3, 5]) expect(await allPages(query, limit)).toEqual(ids(...expected));
  });

  it("filtered queries page the same way (status class, metadata, cost range sorted by cost)", async () => {
    expect(await allPages("status=5xx", 1)).toEqual(ids(14, 7, 3));
    expect(await allPages("status=429,5xx&sort=created_at", 2)).toEqual(ids(3, 5, 7, 14));
    expect(await allPages("metadata.env=prod", 4)).toEqual(ids(14, 13, 12, 10, 8, 6, 3, 2, 1));
    expect(await allPages("cost_min=0&sort=-cost", 3)).toEqual(ids(4, 10, 1, 6, 2, 8, 13, 12));
    expect(await allPages("provider=openai&sort=cost", 2)).toEqual(ids(12, 13, 8, 2, 1, 10, 3, 5, 11, 14));
  });

  it("next_cursor is null on the last page and opaque base64url otherwise", async () => {
    const first = await list("limit=13");
    expect(first.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const last = await list(`limit=13&cursor=${first.next_cursor}`);
    expect(last.data.map((d) => d.id)).toEqual(ids(1));
    expect(last.next_cursor).toBeNull();
    expect((await list("limit=14")).next_cursor).toBeNull();
  });

  const bad: [string, string, RegExp][] = [
    ["status=abc", "status", /status code \(503\) or class \(2xx, 4xx, 5xx\)/],
    ["status=600", "status", /"600"/],
    ["status=5xx,abc", "status", /"abc"/],
    ["status=", "status", /must not be empty/],
    ["cost_min=-1", "cost_min", /number >= 0/],
    ["cost_max=abc", "cost_max", /number >= 0/],
    ["cost_min=1e3", "cost_min", /number >= 0/],
    ["cost_min=1&cost_max=0.5", "cost_max", /cost_min/],
    ["fallback=yes", "fallback", /true or false/],
    ["fallback=1", "fallback", /true or false/],
    ["from=yesterday", "from", /ISO 8601/],
    ["to=2025-13-01", "to", /ISO 8601/],
    ["from=2025-03-01T10:00:00", "from", /Z or an offset/],
    ["from=2025-03-02&to=2025-03-01", "to", /later than from/],
    ["sort=cost_usd", "sort", /created_at, -created_at, cost, -cost, latency_ms, -latency_ms/],
    ["order=up", "order", /asc or desc/],
    ["sort=-cost&order=asc", "order", /contradicts/],
    ["limit=0", "limit", /1 to 200/],
    ["limit=201", "limit", /1 to 200/],
    ["limit=ten", "limit", /1 to 200/],
    ["cursor=garbage!", "cursor", /not a valid cursor/],
    ["cursor=eyJmIjoiY29zdCJ9", "cursor", /not a valid cursor/],
    ["provider=", "provider", /must not be empty/],
    ["endpoint=v1/responses", "endpoint", /a request path as logged/],
    ["response_id=", "response_id", /must not be empty/],
    ["trace_id=a&trace_id=b", "trace_id", /given 2 times/],
    ["status=500&status=502", "status", /comma list/],
    ["metadata=env", "metadata", /metadata\.<key>=<value>/],
    ["metadata.=prod", "metadata.", /needs a key/],
    ["stauts=5xx", "stauts", /not a log query parameter; allowed: q, trace_id, status,/],
    ["virtual-key=abc", "virtual-key", /allowed: .*virtual_key/],
    ["page=2", "page", /not a log query parameter/],
  ];
  it.each(bad)("400 for %s, naming %s", async (query, param, message) => {
    const r = await api.get(`/logs?${query}`);
    expect(r.status, r.text).toBe(400);
    const error = errorOf(r);
    expect(error).toMatchObject({ code: "bad_request", type: "invalid_request_error", param });
    expect(error.message).toContain(param);
    expect(error.message).toMatch(message);
  });

  it("a cursor is bound to the sort it was made for", async () => {
    const byCost = await list("sort=-cost&limit=2");
    const r = await api.get(`/logs?sort=-latency_ms&cursor=${byCost.next_cursor}`);
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ param: "cursor", message: expect.stringMatching(/made for sort=-cost, not sort=-latency_ms/) });
    const flipped = await api.get(`/logs?sort=cost&cursor=${byCost.next_cursor}`);
    expect(errorOf(flipped).param).toBe("cursor");
    // A well-formed cursor of the right sort but with a wrongly typed value is refused too.
    const forged = encodeCursor({ sort: { field: "created_at", direction: "desc" }, value: 12, id: id(3) });
    expect(errorOf(await api.get(`/logs?cursor=${forged}`)).param).toBe("cursor");
  });

  it("filter values are data, never SQL", async () => {
    for (const value of ["' OR 1=1 --", 'x" OR "1"="1', "%", "_", "*"]) {
      for (const param of ["trace_id", "provider", "model", "config", "virtual_key", "api_key", "response_id", "metadata.env"]) {
        // A lone * is no trace-id prefix (one character at least comes before it), and an API key is
        // named by its id or prefix (dtr_...): refused by the schema, naming the parameter, never run.
        if ((param === "trace_id" && value === "*") || param === "api_key") {
          const refused = await withKey(h, ADMIN_KEY).get(`/logs?${new URLSearchParams({ [param]: value })}`);
          if (refused.status !== 200) {
            expect(refused.status).toBe(400);
            expect(errorOf(refused).param).toBe(param);
            continue;
          }
        }
        expect(await idsOf(new URLSearchParams({ [param]: value }))).toEqual([]);
      }
    }
    // A trace-id prefix is matched as text: LIKE's wildcards and quotes in it match nothing.
    for (const prefix of ["%*", "_*", "' OR 1=1 --*", "\\*"]) expect(await idsOf(new URLSearchParams({ trace_id: prefix }))).toEqual([]);
    expect(await idsOf("")).toHaveLength(ROWS.length); // nothing was changed
  });

  it("auth: admin key and session 200, gateway key 403, no key 401, unknown key 401", async () => {
    expect((await withKey(h, ADMIN_KEY).get("/logs")).status).toBe(200);
    expect((await apiClient(h, { cookie: await signIn(h) }).get("/logs")).status).toBe(200);
    const gateway = await withKey(h, h.apiKey).get("/logs");
    expect(gateway.status).toBe(403);
    expect(errorOf(gateway).type).toBe("permission_error");
    expect((await withKey(h, h.apiKey).get(`/logs/${id(1)}`)).status).toBe(403);
    const none = await apiClient(h, {}).get("/logs");
    expect(none.status).toBe(401);
    expect(errorOf(none).type).toBe("authentication_error");
    expect((await apiClient(h, {}).get(`/logs/${id(1)}`)).status).toBe(401);
    expect((await withKey(h, "dt-not-a-real-key-000000000000000000").get("/logs")).status).toBe(401);
  });
});
