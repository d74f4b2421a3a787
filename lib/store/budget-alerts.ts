/**
 * BudgetAlert rows: which budget alerts were sent (docs/GATEWAY.md §12.4). One row per budget,
 * period and threshold; the row is the claim that makes an alert go out once per period on every
 * instance, across restarts. Used by lib/budgets/alerts.ts.
 */
import type { Db } from "../db";

/**
 * Claims the alert of `budgetId` at `threshold` percent in the period named `periodKey` (a
 * PeriodCounters key: "YYYY-MM-DD", or "total"). True for the one caller that inserted the row,
 * false when it was already there. One statement, `INSERT ... ON CONFLICT DO NOTHING` (the same text
 * on SQLite and PostgreSQL): concurrent claims, from any number of processes, give exactly one true.
 */
export async function claimBudgetAlert(db: Db, budgetId: string, periodKey: string, threshold: number): Promise<boolean> {
  const inserted = await db.$executeRaw`INSERT INTO "BudgetAlert" ("budgetId", "periodStart", "threshold")
    VALUES (${budgetId}, ${periodKey}, ${threshold}) ON CONFLICT DO NOTHING`;
  return inserted === 1;
}

/** The thresholds already claimed for `budgetId` in the period `periodKey`, lowest first. */
export async function claimedBudgetAlerts(db: Db, budgetId: string, periodKey: string): Promise<number[]> {
  const rows = await db.budgetAlert.findMany({
    where: { budgetId, periodStart: periodKey },
    select: { threshold: true },
    orderBy: { threshold: "asc" },
  });
  return rows.map((r) => r.threshold);
}
