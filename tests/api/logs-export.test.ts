/**
 * GET /v1/logs/export over real HTTP against the production build (docs/MANAGEMENT-API.md, "Log
 * export"), once per database (DETOUR_TEST_DB): known rows in a workspace of their own (with
 * formula-like and quote-laden values), another workspace's rows that must never appear, and one
 * real request through the gateway whose headers carried a provider key. Checks: the export holds
 * exactly what GET /v1/logs pages through for the same filters and sort, in that order; JSONL rows
 * are the API's log objects (with bodies: GET /v1/logs/{id} without its attempts); CSV parses back
 * (RFC 4180) to the same values, formula cells neutralised; 400s name the parameter and send no
 * file; roles; and a failure mid-stream reaches the client as a truncated transfer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/crypto";
import type { LogRecord } from "@/lib/logs/types";
import { insertLogBatch } from "@/lib/store/logs";
import { createUserInWorkspace } from "@/lib/store/users";
import { parseCsv } from "@/testing/csv";
import { testLogRecord } from "@/testing/sample-log-record";
import { ADMIN_KEY, ADMIN_PASSWORD, answerOf, createWorkspace, errorOf, withKey, type ApiClient } from "../../testing/api-client";
import { attemptSignIn, cookieHeader } from "../../testing/auth-client";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const T0 = Date.parse("2025-04-01T08:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const id = (n: number) => `log_EX${String(n).padStart(2, "0")}`;

const FORMULA_TRACE = '=HYPERLINK("http://evil.example","click")';
const FORMULA_MODEL = "@SUM(A1)";
const MINUS_CONFIG = "-pc-minus";
const TAB_TRACE = "\tstarts with a tab";
const QUOTED_BODY = JSON.stringify({ messages: [{ role: "user", content: 'a, "b"\nc\r\nd' }] });
const FORMULA_RESPONSE = "=cmd|' /C calc'!A0";

/** 12 rows over 12 minutes: statuses, providers, costs, latencies, fallbacks and metadata vary. */
function fixture(workspaceId: string, apiKeyId: string | null): LogRecord[] {
  const providers = ["openai", "azure-openai", "anthropic"];
  return Array.from({ length: 12 }, (_, i) => {
    const n = i + 1;
    const status = [200, 200, 503, 429, 200, 500][i % 6]!;
    return testLogRecord({
      id: id(n),
      workspaceId,
      apiKeyId,
      createdAt: at(i),
      traceId: n === 1 ? FORMULA_TRACE : n === 3 ? TAB_TRACE : `trace-ex-${n}`,
      metadata: n % 3 === 0 ? null : { env: n % 2 ? "prod" : "staging", note: 'a,b "c"\nd', sign: "+1" },
      configSlug: n === 2 ? MINUS_CONFIG : n % 4 === 0 ? "pc-four" : null,
      configVersion: n === 2 || n % 4 === 0 ? 1 : null,
      provider: providers[i % 3]!,
      model: n === 5 ? FORMULA_MODEL : "gpt-4o",
      status,
      errorType: status >= 400 ? "upstream_error" : null,
      promptTokens: status === 200 ? 10 * n : null,
      completionTokens: status === 200 ? n : null,
      totalTokens: status === 200 ? 11 * n : null,
      cost: status === 200 ? n / 1000 : null,
      latencyMs: ((n * 37) % 11) * 100 + n,
      overheadMs: 1.25,
      retryCount: n % 2,
      fallbackUsed: n % 4 === 1,
      cacheStatus: n === 6 ? "HIT" : "DISABLED",
      requestBody: n === 2 ? QUOTED_BODY : `{"n":${n}}`,
      responseBody: n === 7 ? FORMULA_RESPONSE : `{"ok":${n}}`,
      responseBodyTruncated: n === 8,
      requestHeaders: JSON.stringify({ "content-type": "application/json", "x-portkey-api-key": "[redacted]" }),
      responseHeaders: JSON.stringify({ "x-request-id": `up-${n}` }),
    });
  });
}

/** A CSV cell back to the value's text: the neutralising apostrophe removed. */
function unneutralise(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

const cellText = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

const COLUMNS = [
  "id",
  "created_at",
  "trace_id",
  "status",
  "provider",
  "model",
  "model_requested",
  "method",
  "path",
  "stream",
  "config",
  "config_version",
  "config_from_api_key",
  "virtual_key",
  "virtual_key_name",
  "virtual_key_version",
  "api_key_id",
  "api_key_name",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost",
  "cost_saved",
  "latency_ms",
  "overhead_ms",
  "fallback_used",
  "retry_count",
  "cache_status",
  "error_type",
  "response_id",
  "metadata",
];
const BODY_COLUMNS = [
  "request_body",
  "request_body_truncated",
  "response_body",
  "response_body_truncated",
  "request_headers",
  "response_headers",
];

type Rec = Record<string, any>;

describe("GET /v1/logs/export", () => {
  let h: Harness;
  let ws: { workspaceId: string; adminKey: string; keyId: string };
  let other: { workspaceId: string; adminKey: string };
  let api: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    const a = await createWorkspace(h, "Export fixtures");
    const key = await h.db.apiKey.findFirstOrThrow({ where: { workspaceId: a.workspaceId, scope: "gateway" } });
    ws = { workspaceId: a.workspaceId, adminKey: a.adminKey, keyId: key.id };
    other = await createWorkspace(h, "Someone else");
    api = withKey(h, ws.adminKey);
    await insertLogBatch(h.db, fixture(ws.workspaceId, ws.keyId));
    await insertLogBatch(
      h.db,
      [1, 2, 3].map((n) =>
        testLogRecord({ id: `log_WB${n}`, workspaceId: other.workspaceId, createdAt: at(n), traceId: `trace-B-${n}`, cost: 0.5 }),
      ),
    );
  });
  afterAll(async () => h?.close());

  async function download(query: string, auth: Record<string, string> = { "x-portkey-api-key": ws.adminKey }) {
    const res = await fetch(`${h.baseURL}/logs/export?${query}`, { headers: auth });
    return answerOf(res);
  }

  async function jsonl(query: string, auth?: Record<string, string>): Promise<Rec[]> {
    const r = await download(`format=jsonl&${query}`, auth);
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    if (r.text === "") return [];
    expect(r.text.endsWith("\n")).toBe(true);
    return r.text
      .slice(0, -1)
      .split("\n")
      .map((line) => JSON.parse(line) as Rec);
  }

  async function csv(query: string): Promise<{ header: string[]; rows: Rec[] }> {
    const r = await download(`format=csv&${query}`);
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...records] = parseCsv(r.text);
    return { header: header!, rows: records.map((rec) => Object.fromEntries(header!.map((c, i) => [c, rec[i]]))) };
  }

  /** Every log GET /v1/logs returns for a query, page by page. */
  async function listed(query: string): Promise<Rec[]> {
    const out: Rec[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams(query);
      params.set("limit", "5");
      if (cursor) params.set("cursor", cursor);
      const r = await api.get(`/logs?${params}`);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      out.push(...r.json.data);
      cursor = r.json.next_cursor;
    } while (cursor);
    return out;
  }

  it("JSONL: every log as GET /v1/logs shows it, with its API key, newest first, as an attachment", async () => {
    const res = await fetch(`${h.baseURL}/logs/export?format=jsonl`, { headers: { "x-portkey-api-key": ws.adminKey } });
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="detour-logs-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.jsonl"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    await res.arrayBuffer();
    const rows = await jsonl("");
    const list = await listed("");
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => id(12 - i)));
    expect(rows).toEqual(list.map((item) => ({ ...item, api_key_id: ws.keyId })));
    expect(rows[0]).not.toHaveProperty("request_body");
  });

  const QUERIES = [
    "status=5xx",
    "status=200,429&sort=latency_ms",
    "provider=azure-openai&sort=-cost",
    "sort=cost",
    "fallback=true&order=asc",
    "metadata.env=prod&sort=-latency_ms",
    "from=2025-04-01T08:03:00Z&to=2025-04-01T08:09:00Z&sort=created_at",
    "config=pc-four",
    "cost_min=0.003&cost_max=0.01&sort=cost",
    `trace_id=${encodeURIComponent(FORMULA_TRACE)}`,
    "model=gpt-5",
  ];

  it.each(QUERIES)("JSONL and CSV hold exactly the rows GET /v1/logs pages through for %s, in its order", async (query) => {
    const expected = (await listed(query)).map((r) => r.id);
    if (query !== "model=gpt-5") expect(expected.length).toBeGreaterThan(0);
    expect((await jsonl(query)).map((r) => r.id)).toEqual(expected);
    expect((await csv(query)).rows.map((r) => r.id)).toEqual(expected);
  });

  it("CSV: the documented header, RFC 4180 quoting, every value back as JSONL has it", async () => {
    const { header, rows } = await csv("");
    expect(header).toEqual(COLUMNS);
    const objects = await jsonl("");
    expect(rows.length).toBe(objects.length);
    for (const [i, row] of rows.entries()) {
      for (const column of COLUMNS) expect(unneutralise(row[column]), `${row.id} ${column}`).toBe(cellText(objects[i]![column]));
    }
    const row2 = rows.find((r) => r.id === id(2))!;
    expect(JSON.parse(row2.metadata)).toEqual({ env: "staging", note: 'a,b "c"\nd', sign: "+1" });
    expect(row2.config).toBe(`'${MINUS_CONFIG}`);
  });

  it("CSV: cells starting with = + - @ or a tab get a leading apostrophe", async () => {
    const { rows } = await csv("bodies=true");
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[id(1)]!.trace_id).toBe(`'${FORMULA_TRACE}`);
    expect(byId[id(3)]!.trace_id).toBe(`'${TAB_TRACE}`);
    expect(byId[id(5)]!.model).toBe(`'${FORMULA_MODEL}`);
    expect(byId[id(2)]!.config).toBe(`'${MINUS_CONFIG}`);
    expect(byId[id(7)]!.response_body).toBe(`'${FORMULA_RESPONSE}`);
    expect(byId[id(2)]!.request_body).toBe(QUOTED_BODY); // quotes, commas and line breaks survive
    expect(byId[id(4)]!.trace_id).toBe("trace-ex-4");
  });

  it("bodies=true adds the stored bodies and headers exactly as GET /v1/logs/{id} shows them", async () => {
    const rows = await jsonl("bodies=true");
    expect(rows.length).toBe(12);
    for (const row of rows) {
      const detail = await api.get(`/logs/${row.id}`);
      const { attempts: _attempts, ...shown } = detail.json;
      expect(row).toEqual(shown);
    }
    const { header } = await csv("bodies=true");
    expect(header).toEqual([...COLUMNS, ...BODY_COLUMNS]);
    expect(await jsonl("bodies=false")).toEqual(await jsonl(""));
  });

  it("another workspace's logs never appear, whatever the filters", async () => {
    const mine = await jsonl("bodies=true");
    expect(mine.some((r) => r.id.startsWith("log_WB"))).toBe(false);
    expect(await jsonl("trace_id=trace-B-1")).toEqual([]);
    expect((await csv("trace_id=trace-B-1")).rows).toEqual([]);
    const theirs = await jsonl("", { "x-portkey-api-key": other.adminKey });
    expect(theirs.map((r) => r.id)).toEqual(["log_WB3", "log_WB2", "log_WB1"]);
  });

  it.each([
    ["", "format", /required: csv or jsonl/],
    ["format=xml", "format", /csv or jsonl/],
    ["format=csv&format=jsonl", "format", /once/],
    ["format=csv&bodies=yes", "bodies", /true or false/],
    ["format=csv&limit=10", "limit", /not accepted/],
    ["format=jsonl&cursor=abc", "cursor", /not accepted/],
    ["format=csv&status=999", "status", /status code/],
    ["format=csv&sort=tokens", "sort", /one of/],
    ["format=csv&colour=red", "colour", /not a log query parameter/],
    ["format=csv&from=2025-04-02&to=2025-04-01", "to", /later than from/],
  ])("400 before any file byte for %j, naming %s", async (query, param, message) => {
    const r = await download(query);
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.headers.get("content-disposition")).toBeNull();
    const error = errorOf(r);
    expect(error.code).toBe("bad_request");
    const issue = error.issues?.find((i) => i.path === param);
    expect(issue, JSON.stringify(error)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it("a viewer may export; a gateway key is refused; no credential is 401", async () => {
    const email = "export-viewer@detour.test";
    const password = "export-viewer-pw-1";
    await createUserInWorkspace(h.db, { email, passwordHash: await hashPassword(password), workspaceId: ws.workspaceId, role: "viewer" });
    const signIn = await attemptSignIn(h, email, password);
    expect(signIn.session, signIn.error ?? undefined).toBeTruthy();
    const rows = await jsonl("status=5xx", { cookie: cookieHeader(signIn.jar) });
    expect(rows.map((r) => r.id)).toEqual((await listed("status=5xx")).map((r) => r.id));

    const gateway = await download("format=csv", { "x-portkey-api-key": h.apiKey });
    expect(gateway.status).toBe(403);
    const none = await download("format=csv", {});
    expect(none.status).toBe(401);
    expect(errorOf(none).code).toBe("unauthorized");
  });

  it("a logged request whose headers carried a provider key: the export shows no more than GET /v1/logs/{id}", async () => {
    const secret = "sk-export-secret-9d8c7b6a5f4e3d2c";
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({
        "x-portkey-provider": "openai",
        authorization: `Bearer ${secret}`,
        "x-portkey-custom-host": `${h.mock.url}/v1`,
      }),
      body: JSON.stringify(chatBody()),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const logId = res.headers.get("x-portkey-request-id")!;
    await h.waitForLog(logId);
    const admin = { "x-portkey-api-key": ADMIN_KEY };
    const exported = (await jsonl("bodies=true", admin)).find((r) => r.id === logId)!;
    const { attempts: _attempts, ...detail } = (await withKey(h, ADMIN_KEY).get(`/logs/${logId}`)).json;
    expect(exported).toEqual(detail);
    expect(JSON.stringify(exported.request_headers)).toContain("[redacted]");
    for (const format of ["jsonl", "csv"]) {
      const file = await download(`format=${format}&bodies=true`, admin);
      expect(file.status).toBe(200);
      expect(file.text).toContain(logId);
      expect(file.text).not.toContain(secret);
      expect(file.text).not.toContain(secret.slice(3, 20));
    }
  });
});

describe("GET /v1/logs/export: a failure mid-stream", () => {
  let h: Harness;
  let adminKey: string;
  const ROWS = 1200;
  const BODY = `{"text":"${"x".repeat(30_000)}"}`;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    const ws = await createWorkspace(h, "Big export");
    adminKey = ws.adminKey;
    for (let start = 0; start < ROWS; start += 200) {
      await insertLogBatch(
        h.db,
        Array.from({ length: 200 }, (_, i) =>
          testLogRecord({
            id: `log_BIG${String(start + i).padStart(5, "0")}`,
            workspaceId: ws.workspaceId,
            createdAt: at(start + i),
            requestBody: BODY,
            responseBody: BODY,
          }),
        ),
      );
    }
  }, 120_000);
  afterAll(async () => h?.close());

  it("ends the transfer abnormally (the client's read fails), never as a complete file", async () => {
    const res = await fetch(`${h.baseURL}/logs/export?format=jsonl&bodies=true`, { headers: { "x-portkey-api-key": adminKey } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // The next pages fail: the table is gone until the end of the test.
    await h.db.$executeRawUnsafe(`ALTER TABLE "RequestLog" RENAME TO "RequestLogAway"`);
    let received = first.value!.byteLength;
    let failure: unknown = null;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
      }
    } catch (err) {
      failure = err;
    } finally {
      await h.db.$executeRawUnsafe(`ALTER TABLE "RequestLogAway" RENAME TO "RequestLog"`);
    }
    expect(failure, `read ${received} bytes and ended normally`).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe("terminated"); // undici's word for a body cut short
    expect(received).toBeLessThan(ROWS * BODY.length * 2);
    // The server is fine afterwards: the same export completes.
    const again = await fetch(`${h.baseURL}/logs/export?format=jsonl`, { headers: { "x-portkey-api-key": adminKey } });
    expect((await again.text()).split("\n").length - 1).toBe(ROWS);
  }, 120_000);
});
