/**
 * GET /v1/logs and /v1/logs/{id} over real HTTP: keyset pagination stays exact while new rows are
 * written between page fetches (every sort), a larger workspace exercises the query plans for
 * common and rare metadata values and status classes, one log with its attempts in order and its
 * bodies as stored, workspace isolation for list and detail, real requests through the gateway
 * showing up with their attempts, and the indexes the queries rely on exist on this database.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAttempt, testLogRecord } from "@/testing/sample-log-record";
import type { AttemptRecordRow, LogRecord } from "@/lib/logs/types";
import { insertLogBatch } from "@/lib/store/logs";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { TEST_DB_KIND } from "../../testing/test-db";
import { ADMIN_KEY, chat, createWorkspace, errorOf, withKey, type ApiClient, type OtherWorkspace } from "../../testing/api-client";

const BASE = Date.parse("2025-06-01T00:00:00.000Z");
let counter = 0;

/** A log row; ids are `log_` + upper-case hex, so every database and collation orders them alike. */
function record(workspaceId: string, fields: Partial<LogRecord> = {}): LogRecord {
  counter += 1;
  return testLogRecord({
    id: `log_${String(counter).padStart(6, "0")}${randomBytes(5).toString("hex").toUpperCase()}`,
    workspaceId,
    createdAt: new Date(BASE + counter * 1000),
    traceId: `trace-${counter}`,
    virtualKeySlug: "openai-main-aaaaaa",
    virtualKeyVersion: 1,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cost: 0.001,
    latencyMs: 100,
    overheadMs: 1,
    ...fields,
  });
}

type Page = { data: { id: string; cost: number | null }[]; next_cursor: string | null };

describe("GET /v1/logs: paging, detail, isolation", () => {
  let h: Harness;
  let a: ApiClient;
  let wsB: OtherWorkspace;
  let b: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    a = withKey(h, ADMIN_KEY);
    wsB = await createWorkspace(h, "Workspace B");
    b = withKey(h, wsB.adminKey);
  });
  afterAll(async () => h?.close());

  async function page(api: ApiClient, query: URLSearchParams): Promise<Page> {
    const r = await api.get(`/logs?${query}`);
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    return r.json as Page;
  }

  /**
   * Walks every page of `sort` in a fresh workspace of `initial` rows, writing `perPage` new rows
   * (from `makeNew`) before each next page. Returns the ids seen, in order, and the rows written.
   */
  async function walkWhileWriting(
    sort: string,
    initial: LogRecord[],
    makeNew: (ws: string, i: number) => LogRecord,
    perPage = 3,
    limit = 4,
  ) {
    const ws = await createWorkspace(h, `paging ${sort}`);
    const api = withKey(h, ws.adminKey);
    const first = initial.map((r) => ({ ...r, workspaceId: ws.workspaceId }));
    await insertLogBatch(h.db, first);
    const seen: string[] = [];
    const written: LogRecord[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 50; n++) {
      const q = new URLSearchParams({ sort, limit: String(limit) });
      if (cursor) q.set("cursor", cursor);
      const p = await page(api, q);
      seen.push(...p.data.map((d) => d.id));
      cursor = p.next_cursor;
      if (!cursor) break;
      const fresh = Array.from({ length: perPage }, () => makeNew(ws.workspaceId, written.length));
      written.push(...fresh);
      await insertLogBatch(h.db, fresh);
    }
    return { seen, first, written };
  }

  it("newest first: rows written between pages never shift, repeat or hide a row", async () => {
    const initial = Array.from({ length: 17 }, () => record("x"));
    // New rows arrive with later times (as the gateway writes them); some share a time with the newest.
    const newest = initial[initial.length - 1]!.createdAt;
    const { seen, first } = await walkWhileWriting("-created_at", initial, (ws, i) =>
      record(ws, { createdAt: i % 2 ? newest : new Date(Date.now() + i) }),
    );
    expect(seen).toEqual(first.map((r) => r.id).reverse());
  });

  it("every other sort: each row already there is seen exactly once, in order, while rows are written", async () => {
    const costs = [0.5, null, 0, 0.25, null, 0.25, 0, 1, null, 0.125, 0.25, 0, null, 2, 0.5];
    const latencies = [100, 50, 100, 900, 50, 100, 30, 100, 700, 50, 100, 100, 20, 100, 60];
    const newRow = (ws: string, i: number) =>
      record(ws, { cost: [null, 0, 0.25, 3][i % 4]!, latencyMs: [100, 50, 5000][i % 3]!, createdAt: new Date(BASE - 1000 * (i + 1)) });
    const cmp = (x: number | null, y: number | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y); // nulls last
    const orders: [string, (p: LogRecord, q: LogRecord) => number][] = [
      ["cost", (p, q) => cmp(p.cost, q.cost) || (p.id < q.id ? -1 : 1)],
      ["-cost", (p, q) => (p.cost === null || q.cost === null ? cmp(p.cost, q.cost) : q.cost - p.cost) || (p.id < q.id ? 1 : -1)],
      ["latency_ms", (p, q) => p.latencyMs - q.latencyMs || (p.id < q.id ? -1 : 1)],
      ["-latency_ms", (p, q) => q.latencyMs - p.latencyMs || (p.id < q.id ? 1 : -1)],
      ["created_at", (p, q) => p.createdAt.getTime() - q.createdAt.getTime() || (p.id < q.id ? -1 : 1)],
    ];
    for (const [sort, order] of orders) {
      const initial = costs.map((cost, i) => record("x", { cost, latencyMs: latencies[i]! })); // fresh ids: ids are unique across workspaces
      const { seen, first, written } = await walkWhileWriting(sort, initial, newRow, 2, 3);
      expect(new Set(seen).size, sort).toBe(seen.length); // no duplicates
      const firstIds = new Set(first.map((r) => r.id));
      // Every row present from the start is seen (no gaps), in the sort order.
      expect(
        seen.filter((x) => firstIds.has(x)),
        sort,
      ).toEqual([...first].sort(order).map((r) => r.id));
      // Rows written later show up only where they sort after the cursor: what was seen is in order.
      const byId = new Map([...first, ...written].map((r) => [r.id, r]));
      const seenRows = seen.map((x) => byId.get(x)!);
      expect(
        seenRows.map((r) => r.id),
        sort,
      ).toEqual([...seenRows].sort(order).map((r) => r.id));
      // (New rows sort after the cursor in these orders, so some were seen: the walk did overlap the writes.)
      if (sort !== "created_at") expect(seen.length, sort).toBeGreaterThan(first.length);
    }
  });

  it("a larger workspace: common and rare metadata values and status classes give exact pages", async () => {
    const ws = await createWorkspace(h, "bulk");
    const api = withKey(h, ws.adminKey);
    // 2,200 rows tagged kind=bulk (more than the metadata-candidate bound), 5 tagged kind=rare.
    const rows = Array.from({ length: 2205 }, (_, i) =>
      record(ws.workspaceId, {
        metadata: { kind: i % 441 === 0 ? "rare" : "bulk", shard: String(i % 3) },
        status: [200, 200, 200, 503, 429, 200, 500][i % 7]!,
        cost: i % 5 === 0 ? null : (i % 13) / 100,
        requestBody: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `where is parcel ${i}?` }] }),
      }),
    );
    for (let i = 0; i < rows.length; i += 500) await insertLogBatch(h.db, rows.slice(i, i + 500));
    // SQLite's inserts are synchronous (better-sqlite3): they held this process's event loop for
    // seconds, past the server's 5 s keep-alive, so the fetch pool had not yet seen the server close
    // its idle connection and sent the next request on it ("other side closed"). One turn of the
    // loop lets it see the close first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const newestFirst = [...rows].reverse();
    const expectPages = async (query: string, expected: LogRecord[], limit: number, pages: number) => {
      const got: string[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < pages; n++) {
        const q = new URLSearchParams(query);
        q.set("limit", String(limit));
        if (cursor) q.set("cursor", cursor);
        const p = await page(api, q);
        got.push(...p.data.map((d) => d.id));
        cursor = p.next_cursor;
        if (!cursor) break;
      }
      expect(got, query).toEqual(expected.slice(0, got.length).map((r) => r.id));
      expect(got.length, query).toBe(Math.min(expected.length, limit * pages));
    };
    await expectPages(
      "metadata.kind=bulk",
      newestFirst.filter((r) => r.metadata!.kind === "bulk"),
      50,
      3,
    );
    await expectPages(
      "metadata.kind=rare",
      newestFirst.filter((r) => r.metadata!.kind === "rare"),
      2,
      5,
    );
    await expectPages(
      "metadata.kind=rare&metadata.shard=0",
      newestFirst.filter((r) => r.metadata!.kind === "rare" && r.metadata!.shard === "0"),
      50,
      1,
    );
    await expectPages(
      "metadata.kind=bulk&status=503",
      newestFirst.filter((r) => r.metadata!.kind === "bulk" && r.status === 503),
      40,
      3,
    );
    await expectPages(
      "status=5xx",
      newestFirst.filter((r) => r.status >= 500),
      30,
      4,
    );
    await expectPages(
      "status=429,500",
      newestFirst.filter((r) => r.status === 429 || r.status === 500),
      30,
      4,
    );
    await expectPages(
      "status=2xx&sort=created_at",
      rows.filter((r) => r.status === 200),
      100,
      3,
    );
    const byCostDesc = [...rows].sort(
      (p, q) =>
        (p.cost === null || q.cost === null ? (p.cost === q.cost ? 0 : p.cost === null ? 1 : -1) : q.cost - p.cost) ||
        (p.id < q.id ? 1 : -1),
    );
    await expectPages("sort=-cost", byCostDesc, 200, 12);

    // A search sorted by cost with more matches than it may sort (2,000): a 400 naming `q` and the
    // window of its newest 2,000, which then sorts, every page.
    const broad = await api.get("/logs?q=parcel&sort=-cost");
    expect(broad.status, broad.text.slice(0, 300)).toBe(400);
    expect(errorOf(broad).issues?.[0]?.path).toBe("q");
    const window = /from=(\S+)&to=(\S+) holds the newest 2,000 or fewer/.exec(errorOf(broad).message);
    expect(window, errorOf(broad).message).not.toBeNull();
    const [from, to] = [new Date(window![1]!), new Date(window![2]!)];
    const newest = byCostDesc.filter((r) => r.createdAt >= from && r.createdAt < to);
    expect(new Set(newest.map((r) => r.id))).toEqual(new Set(newestFirst.slice(0, 2000).map((r) => r.id)));
    await expectPages(`q=parcel&from=${from.toISOString()}&to=${to.toISOString()}&sort=-cost`, newest, 200, 10);
  });

  it("one log: every field, the stored bodies verbatim, the headers as an object, the attempts in order", async () => {
    const requestBody = JSON.stringify({
      model: "gpt-4o",
      messages: [{ role: "user", content: '<script>alert(1)</script> & "quotes" é 😀' }],
    });
    const attempt = (index: number, fields: Partial<AttemptRecordRow>): AttemptRecordRow =>
      testAttempt(index, { virtualKeySlug: "openai-main-aaaaaa", virtualKeyVersion: 2, startedAt: new Date(BASE + index), ...fields });
    const log = record(h.workspaceId, {
      traceId: "detail-trace",
      metadata: { env: "prod" },
      configSlug: "pc-fallb-000002",
      configVersion: 3,
      status: 200,
      provider: "azure-openai",
      fallbackUsed: true,
      retryCount: 1,
      requestBody,
      responseBody: '{"id":"chatcmpl-1","choices":[{"message":{"content":"</div><img src=x onerror=alert(1)>"}}]}'.slice(0, 60),
      responseBodyTruncated: true,
      requestHeaders: JSON.stringify({ "content-type": "application/json", "x-portkey-api-key": "[redacted]" }),
      // Written out of order: the API returns them by index.
      attempts: [
        attempt(2, { provider: "azure-openai", virtualKeySlug: "azure-east-bbbbbb", virtualKeyVersion: 1, latencyMs: 300 }),
        attempt(0, { status: 503, errorClass: "upstream_5xx", errorMessage: "Service Unavailable", latencyMs: 100 }),
        attempt(1, { status: null, errorClass: "timeout", errorMessage: "no answer within 500 ms", latencyMs: 500, retry: 1 }),
      ],
    });
    await insertLogBatch(h.db, [log]);
    const r = await a.get(`/logs/${log.id}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: log.id,
      created_at: log.createdAt.toISOString(),
      trace_id: "detail-trace",
      metadata: { env: "prod" },
      status: 200,
      provider: "azure-openai",
      config: "pc-fallb-000002",
      config_version: 3,
      fallback_used: true,
      retry_count: 1,
      method: "POST",
      path: "/v1/chat/completions",
      request_body: requestBody,
      request_body_truncated: false,
      response_body: log.responseBody,
      response_body_truncated: true,
      request_headers: { "content-type": "application/json", "x-portkey-api-key": "[redacted]" },
      response_headers: {},
    });
    expect(r.json.attempts).toEqual([
      {
        index: 0,
        target_path: "config.targets[0]",
        provider: "openai",
        model: "gpt-4o",
        virtual_key: "openai-main-aaaaaa",
        virtual_key_version: 2,
        status: 503,
        error: "upstream_5xx",
        error_message: "Service Unavailable",
        latency_ms: 100,
        retry: 0,
        started_at: new Date(BASE).toISOString(),
      },
      {
        index: 1,
        target_path: "config.targets[1]",
        provider: "openai",
        model: "gpt-4o",
        virtual_key: "openai-main-aaaaaa",
        virtual_key_version: 2,
        status: null,
        error: "timeout",
        error_message: "no answer within 500 ms",
        latency_ms: 500,
        retry: 1,
        started_at: new Date(BASE + 1).toISOString(),
      },
      {
        index: 2,
        target_path: "config.targets[2]",
        provider: "azure-openai",
        model: "gpt-4o",
        virtual_key: "azure-east-bbbbbb",
        virtual_key_version: 1,
        status: 200,
        error: null,
        error_message: null,
        latency_ms: 300,
        retry: 0,
        started_at: new Date(BASE + 2).toISOString(),
      },
    ]);
    // The list has the same fields without bodies, headers and attempts.
    const listed = (await page(a, new URLSearchParams({ trace_id: "detail-trace" }))).data[0] as Record<string, unknown>;
    const {
      request_body,
      response_body,
      request_headers,
      response_headers,
      attempts,
      request_body_truncated,
      response_body_truncated,
      ...rest
    } = r.json;
    void [request_body, response_body, request_headers, response_headers, attempts, request_body_truncated, response_body_truncated];
    expect(listed).toEqual(rest);
    for (const hidden of ["request_body", "response_body", "request_headers", "attempts"]) expect(listed).not.toHaveProperty(hidden);
  });

  it("workspace isolation: B lists only its own logs, and A's log is 404 to B (and B's to A)", async () => {
    const logA = record(h.workspaceId, { traceId: "shared-trace", metadata: { env: "isolation" } });
    const logB = record(wsB.workspaceId, { traceId: "shared-trace", metadata: { env: "isolation" } });
    await insertLogBatch(h.db, [logA, logB]);
    for (const q of ["", "trace_id=shared-trace", "metadata.env=isolation", "status=2xx", "sort=-cost", "sort=latency_ms"]) {
      expect(
        (await page(b, new URLSearchParams(q))).data.map((d) => d.id),
        q,
      ).toEqual([logB.id]);
      expect(
        (await page(a, new URLSearchParams(q))).data.map((d) => d.id),
        q,
      ).toContain(logA.id);
      expect(
        (await page(a, new URLSearchParams(q))).data.map((d) => d.id),
        q,
      ).not.toContain(logB.id);
    }
    const cross = await b.get(`/logs/${logA.id}`);
    expect(cross.status).toBe(404);
    expect(errorOf(cross).code).toBe("not_found");
    expect((await a.get(`/logs/${logB.id}`)).status).toBe(404);
    expect((await b.get(`/logs/${logB.id}`)).json.id).toBe(logB.id);
    for (const missing of ["log_DOESNOTEXIST", "x".repeat(500), encodeURIComponent("' OR 1=1 --")]) {
      const r = await a.get(`/logs/${missing}`);
      expect(r.status, missing).toBe(404);
      expect(errorOf(r).type).toBe("not_found_error");
    }
  });

  it("real requests through the gateway show up with their attempts, filterable", async () => {
    h.mock.reset();
    const openai = await h.openaiKey("OpenAI logs");
    const azure = await h.azureKey("Azure logs");
    const config = await h.config("Logs fallback", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openai }, { virtual_key: azure }],
    });
    const trace = `pipeline-${randomBytes(4).toString("hex")}`;
    const metadata = JSON.stringify({ team: "pipeline", run: trace });
    const direct = await chat(h, h.apiKey, {
      "x-portkey-virtual-key": openai,
      "x-portkey-trace-id": trace,
      "x-portkey-metadata": metadata,
    });
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    const fellBack = await chat(
      h,
      h.apiKey,
      { "x-portkey-config": config, "x-portkey-trace-id": trace, "x-portkey-metadata": metadata },
      chatBody({ model: "gpt-4o-mini" }),
    );
    expect([direct.status, fellBack.status]).toEqual([200, 200]);
    await h.waitForLog(direct.requestId);
    await h.waitForLog(fellBack.requestId);

    const listed = await page(a, new URLSearchParams({ trace_id: trace }));
    expect(listed.data.map((d) => d.id)).toEqual([fellBack.requestId, direct.requestId]);
    expect((await page(a, new URLSearchParams({ "metadata.run": trace, fallback: "true" }))).data.map((d) => d.id)).toEqual([
      fellBack.requestId,
    ]);
    expect(
      (await page(a, new URLSearchParams({ "metadata.run": trace, config, provider: "azure-openai", model: "gpt-4o-mini" }))).data.map(
        (d) => d.id,
      ),
    ).toEqual([fellBack.requestId]);
    expect(
      (await page(a, new URLSearchParams({ "metadata.run": trace, virtual_key: openai, status: "2xx" }))).data.map((d) => d.id),
    ).toEqual([direct.requestId]);

    const detail = (await a.get(`/logs/${fellBack.requestId}`)).json;
    expect(detail).toMatchObject({
      trace_id: trace,
      metadata: { team: "pipeline", run: trace },
      config,
      fallback_used: true,
      provider: "azure-openai",
      status: 200,
    });
    expect(detail.attempts.map((x: Record<string, unknown>) => [x.index, x.target_path, x.provider, x.status])).toEqual([
      [0, "config.targets[0]", "openai", 503],
      [1, "config.targets[1]", "azure-openai", 200],
    ]);
    expect(JSON.parse(detail.request_body)).toMatchObject({ model: "gpt-4o-mini" });
    expect(JSON.stringify(detail)).not.toContain(h.apiKey);
  });

  it(`the indexes the log queries use exist (${TEST_DB_KIND})`, async () => {
    const rows: { name: string }[] =
      TEST_DB_KIND === "sqlite"
        ? await h.db
            .$queryRaw`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('RequestLog', 'RequestLogMetadata', 'RequestAttempt')`
        : await h.db
            .$queryRaw`SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('RequestLog', 'RequestLogMetadata', 'RequestAttempt')`;
    const names = rows.map((r) => r.name);
    for (const index of [
      "RequestLog_workspaceId_createdAt_idx",
      "RequestLog_workspaceId_traceId_createdAt_idx",
      "RequestLog_workspaceId_status_createdAt_idx",
      "RequestLog_workspaceId_fallbackUsed_createdAt_idx",
      "RequestLog_workspaceId_cost_id_idx",
      "RequestLog_workspaceId_latencyMs_idx",
      "RequestLog_workspaceId_configSlug_createdAt_idx",
      "RequestLog_workspaceId_virtualKeySlug_createdAt_idx",
      "RequestLog_workspaceId_provider_createdAt_idx",
      "RequestLog_workspaceId_model_createdAt_idx",
      "RequestLogMetadata_workspaceId_key_value_logCreatedAt_logId_idx",
      "RequestAttempt_logId_index_key",
    ]) {
      expect(names, index).toContain(index);
    }
  });
});
