/**
 * Budgets over real HTTP (docs/MANAGEMENT-API.md, Budgets): `budget` set, read, changed and removed
 * on API keys, virtual keys, configs and the workspace; validation errors naming the field; another
 * workspace's items 404; a rotated API key's budget inherited; the spend of the current period read
 * from the settled spend rows (`SpendDaily`, inserted here as the log writer would); `GET /v1/budgets`
 * naming each budget's subject.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentPeriod, dayOf } from "@/lib/budgets/period";
import type { BudgetPeriod, BudgetScope } from "@/lib/budgets/types";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, createWorkspace, errorOf, withKey, type ApiClient, type OtherWorkspace } from "../../testing/api-client";

const DAY_MS = 86_400_000;
const MONTHLY_50 = { limit_usd: 50, period: "monthly", alert_at_pct: 80 };

/** The spend part of an answer for a budget with nothing spent yet, as of now. */
function unspent(period: BudgetPeriod, limit: number) {
  const p = currentPeriod(period, Date.now());
  return {
    period_start: p.start === null ? null : new Date(p.start).toISOString(),
    resets_at: p.resetsAt === null ? null : new Date(p.resetsAt).toISOString(),
    spent_usd: 0,
    remaining_usd: limit,
  };
}

describe("management API: budgets", () => {
  let h: Harness;
  let api: ApiClient;
  let b: OtherWorkspace;
  let cfgBody: unknown;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    b = await createWorkspace(h, "Budget workspace B");
    cfgBody = { virtual_key: await h.openaiKey("budget cfg target") };
  });
  afterAll(async () => h?.close());

  const newVirtualKey = (name: string, extra: Record<string, unknown> = {}) =>
    api.post("/virtual-keys", { name, provider: "openai", key: "sk-budget-test-000000000000000001", ...extra });
  const newConfig = (name: string, extra: Record<string, unknown> = {}) => api.post("/configs", { name, config: cfgBody, ...extra });
  const newApiKey = (name: string, extra: Record<string, unknown> = {}) => api.post("/api-keys", { name, ...extra });

  /** For each subject kind: create with a budget, where to read one, where its list is, its id in a list. */
  const kinds = [
    {
      kind: "virtual key",
      create: newVirtualKey,
      path: (r: { json: { slug: string } }) => `/virtual-keys/${r.json.slug}`,
      list: "/virtual-keys",
      idOf: (r: { json: { id: string } }) => r.json.id,
    },
    {
      kind: "config",
      create: newConfig,
      path: (r: { json: { slug: string } }) => `/configs/${r.json.slug}`,
      list: "/configs",
      idOf: (r: { json: { id: string } }) => r.json.id,
    },
    {
      kind: "API key",
      create: newApiKey,
      path: (r: { json: { id: string } }) => `/api-keys/${r.json.id}`,
      list: "/api-keys",
      idOf: (r: { json: { id: string } }) => r.json.id,
    },
  ];

  for (const k of kinds) {
    it(`${k.kind}: set on create, read, change, remove; every read shows it with its spend`, async () => {
      const created = await k.create(`budget ${k.kind}`, { budget: MONTHLY_50 });
      expect(created.status).toBe(201);
      const expected = { ...MONTHLY_50, spend: unspent("monthly", 50) };
      expect(created.json.budget).toEqual(expected);
      expect((await api.get(k.path(created))).json.budget).toEqual(expected);
      const listed = (await api.get(`${k.list}?page_size=500`)).json.data.find((row: { id: string }) => row.id === k.idOf(created));
      expect(listed.budget).toEqual(expected);

      // A PUT with only the budget is a change (not "nothing to change"); camelCase works.
      const changed = await api.put(k.path(created), { budget: { limitUsd: 12.345678, period: "rolling_7d" } });
      expect(changed.status).toBe(200);
      expect(changed.json.budget).toEqual({
        limit_usd: 12.345678,
        period: "rolling_7d",
        alert_at_pct: null,
        spend: unspent("rolling_7d", 12.345678),
      });
      if (k.kind === "config") expect(changed.json.new_version).toBe(false);
      expect((await api.get(k.path(created))).json.budget).toMatchObject({ limit_usd: 12.345678, period: "rolling_7d" });

      // A PUT without `budget` leaves it as it is.
      if (k.kind !== "config") {
        const other = await api.put(k.path(created), { allowed_models: ["gpt-4o"] });
        expect(other.json.budget).toMatchObject({ limit_usd: 12.345678 });
      }

      const removed = await api.put(k.path(created), { budget: null });
      expect(removed.status).toBe(200);
      expect(removed.json.budget).toBeNull();
      expect((await api.get(k.path(created))).json.budget).toBeNull();
      expect(await h.db.budget.count({ where: { subjectId: k.idOf(created) } })).toBe(0);

      const plain = await k.create(`no budget ${k.kind}`);
      expect(plain.json.budget).toBeNull();
    });
  }

  it("workspace: GET shows it (null at first), PUT sets, changes and removes it", async () => {
    const ws = await h.db.workspace.findUniqueOrThrow({ where: { id: h.workspaceId } });
    expect((await api.get("/workspace")).json).toEqual({
      object: "workspace",
      id: ws.id,
      name: ws.name,
      slug: ws.slug,
      budget: null,
      log_retention: { days: null, default_days: 30, effective_days: 30 },
    });
    const set = await api.put("/workspace", { budget: { limit_usd: 1000, period: "total", alert_at_pct: 90 } });
    expect(set.status).toBe(200);
    expect(set.json.budget).toEqual({ limit_usd: 1000, period: "total", alert_at_pct: 90, spend: unspent("total", 1000) });
    expect(set.json.budget.spend).toMatchObject({ period_start: null, resets_at: null });
    expect((await api.put("/workspace", { budget: { limit_usd: 200, period: "daily" } })).json.budget).toMatchObject({
      limit_usd: 200,
      period: "daily",
      alert_at_pct: null,
    });
    expect((await api.get("/workspace")).json.budget).toMatchObject({ limit_usd: 200, period: "daily" });
    // Workspace B sees its own workspace, without A's budget.
    expect((await withKey(h, b.adminKey).get("/workspace")).json).toMatchObject({
      id: b.workspaceId,
      name: "Budget workspace B",
      budget: null,
    });

    const removed = await api.put("/workspace", { budget: null });
    expect(removed.json.budget).toBeNull();
  });

  it("validation errors name the field; a refused create saves nothing", async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ limit_usd: 0, period: "monthly" }, "budget.limit_usd", /greater than 0 and at most 1,000,000/],
      [{ limit_usd: -5, period: "monthly" }, "budget.limit_usd", /greater than 0/],
      [{ limit_usd: 2_000_000, period: "monthly" }, "budget.limit_usd", /at most 1,000,000/],
      [{ limit_usd: 0.0000001, period: "monthly" }, "budget.limit_usd", /at most 6 decimals/],
      [{ limit_usd: "50", period: "monthly" }, "budget.limit_usd", /must be a number of US dollars/],
      [
        { limit_usd: 50, period: "yearly" },
        "budget.period",
        /must be total, daily, weekly, monthly or rolling_<N>d with N from 1 to 366 \(got "yearly"\)/,
      ],
      [{ limit_usd: 50, period: "rolling_0d" }, "budget.period", /\(got "rolling_0d"\)/],
      [{ limit_usd: 50, period: "rolling_367d" }, "budget.period", /with N from 1 to 366/],
      [{ limit_usd: 50 }, "budget.period", /is required/],
      [{ limit_usd: 50, period: "daily", alert_at_pct: 101 }, "budget.alert_at_pct", /integer from 1 to 100/],
      [{ limit_usd: 50, period: "daily", alert_at_pct: 0 }, "budget.alert_at_pct", /integer from 1 to 100/],
      [{ limit_usd: 50, period: "daily", currency: "EUR" }, "budget.currency", /unknown key currency/],
      ["50 a month", "budget", /must be an object \{limit_usd, period, alert_at_pct\?\}, or null/],
    ];
    for (const [budget, param, message] of cases) {
      for (const [what, send] of [
        ["virtual key", () => newVirtualKey("invalid budget", { budget })],
        ["config", () => newConfig("invalid budget", { budget })],
        ["API key", () => newApiKey("invalid budget", { budget })],
        ["workspace", () => api.put("/workspace", { budget })],
      ] as const) {
        const r = await send();
        const label = `${what} ${JSON.stringify(budget)}`;
        expect(r.status, label).toBe(400);
        expect(errorOf(r).code, label).toBe("bad_request");
        expect(errorOf(r).param, label).toBe(param);
        expect(errorOf(r).message, label).toMatch(message);
      }
    }
    expect(await h.db.virtualKey.count({ where: { name: "invalid budget" } })).toBe(0);
    expect(await h.db.config.count({ where: { name: "invalid budget" } })).toBe(0);
    expect(await h.db.apiKey.count({ where: { name: "invalid budget" } })).toBe(0);
    expect((await api.get("/workspace")).json.budget).toBeNull();

    // The workspace's PUT takes `budget` and `log_retention_days`, at least one.
    const unknown = await api.put("/workspace", { budget: null, name: "renamed" });
    expect(errorOf(unknown)).toMatchObject({ code: "bad_request", param: "name" });
    expect(errorOf(unknown).message).toMatch(/name cannot be changed here; rename it with PATCH \/v1\/workspaces\/\{id\}/);
    const missing = await api.put("/workspace", {});
    expect(errorOf(missing)).toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/nothing to change: give budget, log_retention_days or both/),
    });
  });

  it("another workspace's items answer 404 and keep their budget; each workspace lists only its own", async () => {
    const vk = await newVirtualKey("budget isolation", { budget: MONTHLY_50 });
    const cfg = await newConfig("budget isolation", { budget: MONTHLY_50 });
    const key = await newApiKey("budget isolation", { budget: MONTHLY_50 });
    const other = withKey(h, b.adminKey);
    for (const path of [`/virtual-keys/${vk.json.slug}`, `/configs/${cfg.json.slug}`, `/api-keys/${key.json.id}`]) {
      expect((await other.get(path)).status, path).toBe(404);
      const put = await other.put(path, { budget: null });
      expect(put.status, path).toBe(404);
      expect(errorOf(put).code).toBe("not_found");
      expect((await api.get(path)).json.budget, path).toMatchObject({ limit_usd: 50 });
    }
    const theirs = (await other.get("/budgets")).json;
    expect(theirs).toEqual({ object: "list", total: 0, data: [] });
    const ours = (await api.get("/budgets?page_size=500")).json.data.map((x: { subject_id: string }) => x.subject_id);
    expect(ours).toEqual(expect.arrayContaining([vk.json.id, cfg.json.id, key.json.id]));
  });

  it("a rotated API key's replacement inherits its budget and its spend; the old key keeps its own while it works", async () => {
    const key = await newApiKey("budget rotation", { budget: { limit_usd: 5, period: "weekly", alert_at_pct: 50 } });
    // The old key spent $1.25 today: a rotation does not reset the budget.
    await h.db.spendDaily.create({
      data: {
        scope: "api_key",
        subjectId: key.json.id,
        day: new Date().toISOString().slice(0, 10),
        workspaceId: h.workspaceId,
        costUsd: 1.25,
        requests: 2,
      },
    });
    const rotated = await api.post(`/api-keys/${key.json.id}/rotate`, { grace_period_seconds: 60 });
    expect(rotated.status).toBe(201);
    const expected = {
      limit_usd: 5,
      period: "weekly",
      alert_at_pct: 50,
      spend: { ...unspent("weekly", 5), spent_usd: 1.25, remaining_usd: 3.75 },
    };
    expect(rotated.json.budget).toEqual(expected);
    expect((await api.get(`/api-keys/${rotated.json.id}`)).json.budget).toEqual(expected);
    expect((await api.get(`/api-keys/${key.json.id}`)).json.budget).toEqual(expected);

    // A key without a budget rotates to a key without one.
    const plain = await newApiKey("budget rotation plain");
    expect((await api.post(`/api-keys/${plain.json.id}/rotate`)).json.budget).toBeNull();
  });

  it("shows the settled spend of the current period from the spend rows, per period", async () => {
    const now = Date.now();
    const today = dayOf(now);
    const longAgo = dayOf(now - 40 * DAY_MS);
    const vk = await newVirtualKey("budget spend", { budget: { limit_usd: 10, period: "daily", alert_at_pct: 80 } });
    const spend = (scope: BudgetScope, subjectId: string, day: string, costUsd: number, workspaceId = h.workspaceId) =>
      h.db.spendDaily.create({ data: { scope, subjectId, day, workspaceId, costUsd, requests: 3 } });
    await spend("virtual_key", vk.json.id, today, 2.5);
    await spend("virtual_key", vk.json.id, longAgo, 100);
    // Another subject's spend and another scope's row with the same id never count.
    await spend("config", vk.json.id, today, 1000);

    const path = `/virtual-keys/${vk.json.slug}`;
    const daily = currentPeriod("daily", Date.now());
    expect((await api.get(path)).json.budget.spend).toEqual({
      period_start: new Date(daily.start!).toISOString(),
      resets_at: new Date(daily.resetsAt!).toISOString(),
      spent_usd: 2.5,
      remaining_usd: 7.5,
    });
    expect((await api.put(path, { budget: { limit_usd: 10, period: "rolling_60d" } })).json.budget.spend).toMatchObject({
      spent_usd: 102.5,
      remaining_usd: 0,
    });
    expect((await api.put(path, { budget: { limit_usd: 200, period: "total" } })).json.budget.spend).toEqual({
      period_start: null,
      resets_at: null,
      spent_usd: 102.5,
      remaining_usd: 97.5,
    });
    const listed = (await api.get("/virtual-keys?page_size=500")).json.data.find((k: { id: string }) => k.id === vk.json.id);
    expect(listed.budget.spend).toMatchObject({ spent_usd: 102.5, remaining_usd: 97.5 });

    // The workspace's own spend rows.
    await spend("workspace", h.workspaceId, today, 0.125);
    await api.put("/workspace", { budget: { limit_usd: 1, period: "monthly" } });
    expect((await api.get("/workspace")).json.budget.spend).toMatchObject({ spent_usd: 0.125, remaining_usd: 0.875 });
    await api.put("/workspace", { budget: null });
  });

  it("GET /v1/budgets lists every budget with its subject's name, slug and status, filtered by scope", async () => {
    const vk = await newVirtualKey("listed key", { budget: { limit_usd: 1, period: "daily" } });
    const cfg = await newConfig("listed config", { budget: { limit_usd: 2, period: "weekly" } });
    const key = await newApiKey("listed api key", { budget: { limit_usd: 3, period: "monthly" } });
    await api.put("/workspace", { budget: { limit_usd: 4, period: "total" } });
    await api.del(`/api-keys/${key.json.id}`);
    await api.put(`/configs/${cfg.json.slug}`, { status: "archived" });

    const all = (await api.get("/budgets?page_size=500")).json;
    expect(all.object).toBe("list");
    expect(all.total).toBe(all.data.length);
    const byId = new Map(all.data.map((x: { subject_id: string }) => [x.subject_id, x]));
    expect(byId.get(vk.json.id)).toEqual({
      object: "budget",
      id: expect.any(String),
      scope: "virtual_key",
      subject_id: vk.json.id,
      subject_name: "listed key",
      subject_slug: vk.json.slug,
      subject_status: "active",
      limit_usd: 1,
      period: "daily",
      alert_at_pct: null,
      spend: unspent("daily", 1),
    });
    expect(byId.get(cfg.json.id)).toMatchObject({
      scope: "config",
      subject_name: "listed config",
      subject_slug: cfg.json.slug,
      subject_status: "archived",
    });
    expect(byId.get(key.json.id)).toMatchObject({
      scope: "api_key",
      subject_name: "listed api key",
      subject_slug: null,
      subject_status: "revoked",
    });
    expect(byId.get(h.workspaceId)).toMatchObject({
      scope: "workspace",
      subject_name: "Default workspace",
      subject_status: "active",
      limit_usd: 4,
    });

    const configs = (await api.get("/budgets?scope=config&page_size=500")).json;
    expect(configs.data.every((x: { scope: string }) => x.scope === "config")).toBe(true);
    expect(configs.data.map((x: { subject_id: string }) => x.subject_id)).toContain(cfg.json.id);
    const paged = (await api.get("/budgets?page_size=1&current_page=1")).json;
    expect(paged).toMatchObject({ total: all.total, data: [all.data[1]] });

    const bad = await api.get("/budgets?scope=team");
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ param: "scope", message: expect.stringMatching(/workspace, api_key, virtual_key, config/) });

    // A revoked key's budget cannot be changed any more.
    const put = await api.put(`/api-keys/${key.json.id}`, { budget: null });
    expect(put.status).toBe(409);
    await api.put("/workspace", { budget: null });
  });
});
