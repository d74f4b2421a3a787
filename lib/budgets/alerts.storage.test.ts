/**
 * Budget alerts once per period, on the real database (SQLite or PostgreSQL, DETOUR_TEST_DB): the
 * BudgetAlert claim under concurrency from two clients (two instances), a new period claiming again,
 * and the process's own path, the exported `noteSpend` with the runtime's environment and database,
 * sending one webhook to a real HTTP server however many instances note the same crossing.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { getRuntime } from "@/lib/runtime";
import { claimBudgetAlert, claimedBudgetAlerts } from "@/lib/store/budget-alerts";
import { metricValue } from "@/testing/metric-value";
import { createTestDatabase, type TestDatabase } from "@/testing/test-db";
import { startWebhookReceiver, testPort, type WebhookReceiver } from "@/testing/webhook-receiver";
import { createBudgetAlerts, noteSpend, type SpendCrossing } from "./alerts";
import { currentPeriod } from "./period";
import type { Budget } from "./types";
import { createWebhookSender } from "./webhook";

const SECRET = "whsec_storage_0123456789";
const NOW = Date.UTC(2026, 2, 18, 14, 30, 0);

describe("BudgetAlert claims", () => {
  let t: TestDatabase;
  let second: Db;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await createTestDatabase();
    // Another instance: its own client (own connections) on the same database.
    second = createDb(t.target);
    receiver = await startWebhookReceiver(testPort(4));
  });
  afterAll(async () => {
    await receiver?.close();
    await second?.$disconnect();
    await t?.drop();
  });

  it("two concurrent claims of the same budget, period and threshold: exactly one wins", async () => {
    const results = await Promise.all([
      claimBudgetAlert(t.db, "bud_race", "2026-03-01", 80),
      claimBudgetAlert(second, "bud_race", "2026-03-01", 80),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    // Many more, from both clients at once: still that one.
    const more = await Promise.all(
      Array.from({ length: 10 }, (_, i) => claimBudgetAlert(i % 2 ? t.db : second, "bud_race", "2026-03-01", 80)),
    );
    expect(more.filter(Boolean)).toHaveLength(0);
    expect(await claimedBudgetAlerts(t.db, "bud_race", "2026-03-01")).toEqual([80]);
  });

  it("another threshold, a new period or another budget claims again; rows read back through Prisma", async () => {
    expect(await claimBudgetAlert(t.db, "bud_period", "2026-03-01", 80)).toBe(true);
    expect(await claimBudgetAlert(t.db, "bud_period", "2026-03-01", 100)).toBe(true);
    expect(await claimBudgetAlert(second, "bud_period", "2026-03-01", 100)).toBe(false);
    expect(await claimBudgetAlert(second, "bud_period", "2026-04-01", 80)).toBe(true);
    expect(await claimBudgetAlert(t.db, "bud_other", "2026-03-01", 80)).toBe(true);
    expect(await claimBudgetAlert(t.db, "bud_period", "total", 100)).toBe(true);
    expect(await claimedBudgetAlerts(t.db, "bud_period", "2026-03-01")).toEqual([80, 100]);
    expect(await claimedBudgetAlerts(second, "bud_period", "2026-04-01")).toEqual([80]);
    const rows = await t.db.budgetAlert.findMany({
      where: { budgetId: "bud_period" },
      orderBy: [{ periodStart: "asc" }, { threshold: "asc" }],
    });
    expect(rows.map((r) => [r.periodStart, r.threshold])).toEqual([
      ["2026-03-01", 80],
      ["2026-03-01", 100],
      ["2026-04-01", 80],
      ["total", 100],
    ]);
    for (const row of rows) expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("two instances noting the same crossing send one webhook; the process's noteSpend does the same", async () => {
    const budget: Budget = {
      id: "bud_instances",
      workspaceId: "ws_1",
      scope: "workspace",
      subjectId: "ws_1",
      limitUsd: 50,
      period: "weekly",
      alertAtPct: 90,
    };
    const crossing: SpendCrossing = {
      budget,
      name: "Default",
      period: currentPeriod("weekly", NOW),
      spentBeforeUsd: 44,
      spentAfterUsd: 46,
    };
    const counted = await metricValue("detour_budget_alerts_total", { scope: "workspace", threshold: "90" });
    const instances = [t.db, second].map((db) =>
      createBudgetAlerts({
        claim: (id, key, pct) => claimBudgetAlert(db, id, key, pct),
        webhook: createWebhookSender({ url: receiver.url, secret: SECRET, allowedHosts: ["127.0.0.1"] }),
        now: () => NOW,
      }),
    );
    for (const alerts of instances) alerts.noteSpend(crossing);
    for (const alerts of instances) await alerts.settled();
    await Promise.all(instances.map((alerts) => alerts.close(5_000)));
    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0]!;
    expect(hook.headers["x-detour-signature"]).toBe(
      `v1=${createHmac("sha256", SECRET).update(`${hook.headers["x-detour-timestamp"]}.${hook.body}`).digest("hex")}`,
    );
    expect(JSON.parse(hook.body)).toMatchObject({
      threshold_pct: 90,
      spent_usd: 46,
      budget: { id: "bud_instances", scope: "workspace", name: "Default", period: "weekly", alert_at_pct: 90 },
      period_start: "2026-03-16T00:00:00.000Z",
      resets_at: "2026-03-23T00:00:00.000Z",
    });
    expect(await metricValue("detour_budget_alerts_total", { scope: "workspace", threshold: "90" })).toBe(counted + 1);

    // The process's path: the runtime's environment (webhook URL, secret, allow-list) and database.
    const rt = getRuntime();
    rt.env = parseEnv({
      DETOUR_ALERT_WEBHOOK_URL: receiver.url,
      DETOUR_ALERT_WEBHOOK_SECRET: SECRET,
      DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
    });
    rt.db = t.db;
    try {
      noteSpend(crossing); // already claimed by the instances above: nothing
      noteSpend({ ...crossing, spentBeforeUsd: 46, spentAfterUsd: 51 });
      const alerts = rt.budgetAlerts!;
      await alerts.settled();
      await alerts.close(5_000);
      expect(receiver.received).toHaveLength(2);
      expect(JSON.parse(receiver.received[1]!.body)).toMatchObject({ threshold_pct: 100, spent_usd: 51 });
      expect(await claimedBudgetAlerts(t.db, "bud_instances", "2026-03-16")).toEqual([90, 100]);
    } finally {
      rt.budgetAlerts = undefined;
      rt.db = undefined;
      rt.env = undefined;
    }
  });
});
