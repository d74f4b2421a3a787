/**
 * Saved log views, column layouts, relative ranges and totals over real HTTP against the
 * production build (docs/MANAGEMENT-API.md, "Log views"; docs/GATEWAY.md §8): views and layouts
 * belong to the signed-in user (an API key gets 403 user_required; another user's view is 404 and
 * never listed); a view's query is checked by the log query's parser (400 naming
 * `query.<parameter>`), names are unique per user whatever their case (409 name_taken), writes
 * are audited; `range` works on the list, the totals and the export and is refused beside from/to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogRecord } from "@/lib/logs/types";
import { insertLogBatch } from "@/lib/store/logs";
import { testLogRecord } from "@/testing/sample-log-record";
import { ADMIN_KEY, ADMIN_PASSWORD, errorOf, withKey } from "../../testing/api-client";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { addMember, signedIn, type Session } from "../../testing/team-client";

const MIN = 60_000;

describe("management API: log views, column layouts, relative ranges, totals", () => {
  let h: Harness;
  let owner: Session;
  let viewer: Session;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    await addMember(h, "views-viewer@detour.test", "viewer");
    owner = await signedIn(h, "admin@detour.local", ADMIN_PASSWORD);
    viewer = await signedIn(h, "views-viewer@detour.test");
    const now = Date.now();
    const rows: LogRecord[] = [
      // Two in the last hour (one of them 5xx), one three hours ago, one two days ago.
      testLogRecord({ workspaceId: h.workspaceId, createdAt: new Date(now - 10 * MIN), status: 200, provider: "openai", cost: 0.25 }),
      testLogRecord({ workspaceId: h.workspaceId, createdAt: new Date(now - 20 * MIN), status: 503, provider: "openai", cost: null }),
      testLogRecord({ workspaceId: h.workspaceId, createdAt: new Date(now - 180 * MIN), status: 200, provider: "anthropic", cost: 0.5 }),
      testLogRecord({ workspaceId: h.workspaceId, createdAt: new Date(now - 2 * 24 * 60 * MIN), status: 200, provider: "openai", cost: 1 }),
    ];
    await insertLogBatch(h.db, rows);
  });
  afterAll(async () => h?.close());

  it("an API key gets 403 user_required: views and layouts belong to a user", async () => {
    const key = withKey(h, ADMIN_KEY);
    for (const [method, path, body] of [
      ["GET", "/log-views", undefined],
      ["POST", "/log-views", { name: "x", query: "" }],
      ["GET", "/log-columns", undefined],
      ["PUT", "/log-columns", { hidden: [] }],
    ] as const) {
      const r = await key.call(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(errorOf(r).code).toBe("user_required");
      expect(errorOf(r).message).toMatch(/sign in/);
    }
  });

  it("creates, lists, reads, renames, updates and deletes the user's own views; writes are audited", async () => {
    const created = await owner.api.post("/log-views", {
      name: "Errors, last hour",
      query: "?status=5xx&range=1h&order=desc",
      hidden_columns: ["trace_id"],
    });
    expect(created.status).toBe(201);
    // Stored canonical: the default order dropped, the relative range kept as written.
    expect(created.json).toMatchObject({
      object: "log_view",
      name: "Errors, last hour",
      query: "status=5xx&range=1h",
      hidden_columns: ["trace_id"],
    });
    const id = created.json.id as string;

    const list = await owner.api.get("/log-views");
    expect(list.json.data.map((v: { name: string }) => v.name)).toEqual(["Errors, last hour"]);
    expect((await owner.api.get(`/log-views/${id}`)).json.query).toBe("status=5xx&range=1h");

    const renamed = await owner.api.call("PATCH", `/log-views/${id}`, { name: "Prod errors" });
    expect(renamed.json).toMatchObject({ name: "Prod errors", query: "status=5xx&range=1h" });
    const updated = await owner.api.call("PATCH", `/log-views/${id}`, { query: "provider=openai&range=24h", hidden_columns: null });
    expect(updated.json).toMatchObject({ name: "Prod errors", query: "provider=openai&range=24h", hidden_columns: null });

    const audit = await withKey(h, ADMIN_KEY).get("/audit?action=log_view.create");
    expect(audit.status).toBe(200);
    expect(audit.json.data.some((e: { target: { id: string } | null; target_id?: string }) => JSON.stringify(e).includes(id))).toBe(true);

    const gone = await owner.api.del(`/log-views/${id}`);
    expect(gone.json).toEqual({ id, object: "log_view", deleted: true });
    expect((await owner.api.get(`/log-views/${id}`)).status).toBe(404);
    expect((await owner.api.del(`/log-views/${id}`)).status).toBe(404);
  });

  it("refuses a query the log query refuses, naming query.<parameter>; bad names and columns name their field", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: "a", query: "status=6xx" }, "query.status", /not a status code/],
      [{ name: "a", query: "stauts=5xx" }, "query.stauts", /not a log query parameter/],
      [{ name: "a", query: "range=1h&from=2026-01-01" }, "query.range", /cannot be combined with from/],
      [{ name: "a", query: "range=2w" }, "query.range", /relative range/],
      [{ name: "a", query: "cursor=abc" }, "query.cursor", /not part of a view/],
      [{ name: "", query: "" }, "name", /empty/],
      [{ name: "a", query: "", hidden_columns: ["nope"] }, "hidden_columns[0]", /must be one of/],
      [{ name: "a", query: "", hidden_columns: ["created_at"] }, "hidden_columns[0]", /cannot be hidden/],
      [{ name: "a", query: "", extra: 1 }, "extra", /./],
    ];
    for (const [body, path, message] of cases) {
      const r = await owner.api.post("/log-views", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const issue = errorOf(r).issues?.find((i) => i.path === path);
      expect(issue, `${JSON.stringify(body)}: ${r.text}`).toBeDefined();
      expect(issue!.message).toMatch(message);
    }
    expect((await owner.api.get("/log-views")).json.data).toEqual([]);
  });

  it("names are unique per user whatever their case (409 naming the clash); another user may use the same name", async () => {
    expect((await owner.api.post("/log-views", { name: "Slow", query: "sort=-latency_ms" })).status).toBe(201);
    const clash = await owner.api.post("/log-views", { name: "SLOW", query: "" });
    expect(clash.status).toBe(409);
    expect(errorOf(clash)).toMatchObject({ code: "name_taken", param: "name" });
    expect(errorOf(clash).message).toContain('"Slow"');
    expect((await viewer.api.post("/log-views", { name: "slow", query: "" })).status).toBe(201);
  });

  it("a user never sees or changes another user's view: 404, and never listed", async () => {
    const mine = await owner.api.post("/log-views", { name: "Owner only", query: "provider=openai" });
    const id = mine.json.id as string;
    expect((await viewer.api.get(`/log-views/${id}`)).status).toBe(404);
    const patch = await viewer.api.call("PATCH", `/log-views/${id}`, { name: "Taken over" });
    expect(patch.status).toBe(404);
    expect(errorOf(patch).code).toBe("not_found");
    expect((await viewer.api.del(`/log-views/${id}`)).status).toBe(404);
    expect((await viewer.api.get("/log-views")).json.data.map((v: { name: string }) => v.name)).toEqual(["slow"]);
    expect((await owner.api.get(`/log-views/${id}`)).json.name).toBe("Owner only");
  });

  it("column layouts: per user, validated, returned as stored", async () => {
    expect((await viewer.api.get("/log-columns")).json).toEqual({ object: "log_column_layout", hidden: [], widths: {} });
    const put = await owner.api.put("/log-columns", { hidden: ["trace_id", "config"], widths: { model: 240, provider: 120 } });
    expect(put.status).toBe(200);
    expect((await owner.api.get("/log-columns")).json).toEqual({
      object: "log_column_layout",
      hidden: ["trace_id", "config"],
      widths: { model: 240, provider: 120 },
    });
    expect((await viewer.api.get("/log-columns")).json.hidden).toEqual([]);
    for (const [body, path] of [
      [{ widths: { model: 5 } }, "widths.model"],
      [{ widths: { nope: 100 } }, "widths.nope"],
      [{ hidden: ["created_at"] }, "hidden[0]"],
      [{ hidden: ["model", "model"] }, "hidden[1]"],
    ] as const) {
      const r = await owner.api.put("/log-columns", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r).issues?.map((i) => i.path) ?? [errorOf(r).param]).toContain(path);
    }
  });

  it("range on the list, the totals and the export; refused beside from or to; totals refuse a cursor", async () => {
    const key = withKey(h, ADMIN_KEY);
    const list = await key.get("/logs?range=1h");
    expect(list.json.data).toHaveLength(2);
    expect((await key.get("/logs?range=24h")).json.data).toHaveLength(3);
    expect((await key.get("/logs?range=7d")).json.data).toHaveLength(4);
    const both = await key.get("/logs?range=1h&to=2026-01-01");
    expect(both.status).toBe(400);
    expect(errorOf(both).param).toBe("range");

    expect((await key.get("/logs/totals?range=1h")).json).toMatchObject({ object: "log_totals", requests: 2, cost_usd: 0.25, exact: true });
    expect((await key.get("/logs/totals?range=24h&provider=openai")).json).toMatchObject({ requests: 2, cost_usd: 0.25, exact: true });
    expect((await key.get("/logs/totals")).json).toMatchObject({
      requests: 4,
      cost_usd: 1.75,
      exact: true,
      counted: true,
      source: "rollups",
    });
    expect((await key.get("/logs/totals?range=7d&cost_min=0.3")).json).toMatchObject({
      requests: 2,
      cost_usd: 1.5,
      exact: true,
      source: "rows",
    });
    expect((await owner.api.get("/logs/totals?status=5xx&range=1h")).json).toMatchObject({ requests: 1, cost_usd: 0 });
    const cursor = await key.get("/logs/totals?cursor=abc");
    expect(cursor.status).toBe(400);
    expect(errorOf(cursor).param).toBe("cursor");

    const exported = await key.get("/logs/export?format=jsonl&range=1h");
    expect(exported.status).toBe(200);
    expect(exported.text.trim().split("\n")).toHaveLength(2);
    const badExport = await key.get("/logs/export?format=jsonl&range=1h&from=2026-01-01");
    expect(badExport.status).toBe(400);
    expect(errorOf(badExport).issues?.map((i) => i.path)).toContain("range");
  });
});
