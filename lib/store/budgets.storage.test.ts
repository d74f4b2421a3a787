/**
 * The management side of lib/store/budgets.ts on a real database: writes inside an item's
 * transaction, the copy of a rotation, a page's budgets and their spend in a bounded number of
 * queries (equal to periodSpend's, one budget at a time), and the subjects' names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Budget, BudgetPeriod } from "@/lib/budgets/types";
import {
  budgetsOfSubjects,
  copyBudget,
  describeBudgetSubjects,
  getBudget,
  listBudgets,
  periodSpend,
  periodSpends,
  writeBudget,
} from "@/lib/store/budgets";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";

// Wednesday 2026-12-09 15:00 UTC: its ISO week began Monday 2026-12-07, its month on the 1st.
const NOW = Date.UTC(2026, 11, 9, 15, 0, 0);

describe(`budget store, management side (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let ws: string;
  let other: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Other", slug: "other-budgets" } })).id;
  });
  afterAll(async () => t?.drop());

  const spend = (scope: string, subjectId: string, day: string, costUsd: number, workspaceId = ws) =>
    t.db.spendDaily.create({ data: { scope, subjectId, day, workspaceId, costUsd, requests: 1 } });

  it("writes, replaces and removes a budget inside a transaction, and rolls back with it", async () => {
    const subject = { scope: "virtual_key" as const, id: "vk-tx" };
    await t.db.$transaction(async (tx) => {
      await writeBudget(tx, ws, subject, { limit_usd: 50, period: "monthly", alert_at_pct: 80 });
    });
    expect(await getBudget(t.db, ws, subject)).toMatchObject({ limitUsd: 50, period: "monthly", alertAtPct: 80 });
    await writeBudget(t.db, ws, subject, { limit_usd: 60, period: "rolling_7d", alert_at_pct: null });
    expect(await getBudget(t.db, ws, subject)).toMatchObject({ limitUsd: 60, period: "rolling_7d", alertAtPct: null });

    await expect(
      t.db.$transaction(async (tx) => {
        await writeBudget(tx, ws, subject, null);
        throw new Error("the item's write failed");
      }),
    ).rejects.toThrow("the item's write failed");
    expect(await getBudget(t.db, ws, subject)).not.toBeNull();

    expect(await writeBudget(t.db, ws, subject, null)).toBeNull();
    expect(await getBudget(t.db, ws, subject)).toBeNull();
  });

  it("copies a budget to another subject (a rotation), and nothing when there is none", async () => {
    await writeBudget(t.db, ws, { scope: "api_key", id: "old-key" }, { limit_usd: 5, period: "daily", alert_at_pct: 50 });
    expect(await copyBudget(t.db, ws, { scope: "api_key", id: "old-key" }, { scope: "api_key", id: "new-key" })).toBe(true);
    expect(await getBudget(t.db, ws, { scope: "api_key", id: "new-key" })).toMatchObject({ limitUsd: 5, period: "daily", alertAtPct: 50 });
    expect(await getBudget(t.db, ws, { scope: "api_key", id: "old-key" })).not.toBeNull();
    expect(await copyBudget(t.db, ws, { scope: "api_key", id: "no-budget" }, { scope: "api_key", id: "other-new" })).toBe(false);
    expect(await getBudget(t.db, ws, { scope: "api_key", id: "other-new" })).toBeNull();
  });

  it("sums each budget's current period like periodSpend, for every period at once", async () => {
    const periods: BudgetPeriod[] = ["total", "daily", "weekly", "monthly", "rolling_3d", "rolling_30d"];
    const budgets: Budget[] = [];
    for (const [i, period] of periods.entries()) {
      const id = `cfg-${period}`;
      budgets.push((await writeBudget(t.db, ws, { scope: "config", id }, { limit_usd: 10, period, alert_at_pct: null }))!);
      await spend("config", id, "2026-12-09", 1 + i); // today
      await spend("config", id, "2026-12-07", 0.5); // Monday: this week, 3 days ago is 12-07
      await spend("config", id, "2026-12-06", 0.25); // Sunday: last week, this month, not rolling_3d
      await spend("config", id, "2026-11-30", 2); // last month, within 30 days
      await spend("config", id, "2025-01-01", 100); // total only
    }
    // Another subject and another scope with the same id never count.
    await spend("api_key", "cfg-daily", "2026-12-09", 1000);

    const all = await periodSpends(t.db, budgets, NOW);
    for (const b of budgets) expect(all.get(b.id), b.period).toEqual(await periodSpend(t.db, b, NOW));
    const spent = Object.fromEntries(budgets.map((b) => [b.period, all.get(b.id)!.spent_usd]));
    expect(spent).toEqual({
      total: 1 + 0.5 + 0.25 + 2 + 100,
      daily: 2,
      weekly: 3 + 0.5,
      monthly: 4 + 0.5 + 0.25,
      rolling_3d: 5 + 0.5,
      rolling_30d: 6 + 0.5 + 0.25 + 2,
    });
    expect(all.get(budgets[0]!.id)).toMatchObject({ period_start: null, resets_at: null, remaining_usd: 0 });
    expect(all.get(budgets[3]!.id)).toMatchObject({
      period_start: "2026-12-01T00:00:00.000Z",
      resets_at: "2027-01-01T00:00:00.000Z",
      remaining_usd: 10 - 4.75,
    });
    expect(await periodSpends(t.db, [], NOW)).toEqual(new Map());
  });

  it("reads a page's budgets by subject, and lists them by scope, newest first", async () => {
    const found = await budgetsOfSubjects(t.db, ws, "config", ["cfg-daily", "cfg-weekly", "cfg-none"]);
    expect([...found.keys()].sort()).toEqual(["cfg-daily", "cfg-weekly"]);
    expect(await budgetsOfSubjects(t.db, other, "config", ["cfg-daily"])).toEqual(new Map());
    const configs = await listBudgets(t.db, ws, { scope: "config", skip: 0, take: 2 });
    expect(configs.total).toBe(6);
    expect(configs.rows.map((b) => b.subjectId)).toEqual(["cfg-rolling_30d", "cfg-rolling_3d"]);
    expect((await listBudgets(t.db, other, { skip: 0, take: 10 })).total).toBe(0);
  });

  it("names the subjects with their slug and status; another workspace's are not named", async () => {
    const key = await t.db.apiKey.create({
      data: { workspaceId: ws, name: "billing", prefix: "dtr_ab", hash: "h-billing", scope: "gateway" },
    });
    const revoked = await t.db.apiKey.create({
      data: { workspaceId: ws, name: "old", prefix: "dtr_cd", hash: "h-old", scope: "gateway", revokedAt: new Date(NOW - 1000) },
    });
    const vk = await t.db.virtualKey.create({
      data: { workspaceId: ws, slug: "openai-x1", name: "OpenAI prod", provider: "openai", expiresAt: new Date(NOW - 1) },
    });
    const cfg = await t.db.config.create({ data: { workspaceId: ws, slug: "pc-chat-1", name: "chat", status: "archived" } });
    const foreign = await t.db.config.create({ data: { workspaceId: other, slug: "pc-other-1", name: "theirs" } });
    const b = (scope: Budget["scope"], subjectId: string): Budget => ({
      id: subjectId,
      workspaceId: ws,
      scope,
      subjectId,
      limitUsd: 1,
      period: "daily",
      alertAtPct: null,
    });
    const named = await describeBudgetSubjects(
      t.db,
      ws,
      [
        b("workspace", ws),
        b("api_key", key.id),
        b("api_key", revoked.id),
        b("virtual_key", vk.id),
        b("config", cfg.id),
        b("config", foreign.id),
      ],
      new Date(NOW),
    );
    expect(Object.fromEntries(named)).toEqual({
      [`workspace:${ws}`]: { name: "Default workspace", slug: null, status: "active" },
      [`api_key:${key.id}`]: { name: "billing", slug: null, status: "active" },
      [`api_key:${revoked.id}`]: { name: "old", slug: null, status: "revoked" },
      [`virtual_key:${vk.id}`]: { name: "OpenAI prod", slug: "openai-x1", status: "expired" },
      [`config:${cfg.id}`]: { name: "chat", slug: "pc-chat-1", status: "archived" },
    });
  });
});
