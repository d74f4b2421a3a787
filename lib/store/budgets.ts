/**
 * Budgets and settled spend in the database (docs/GATEWAY.md §12): one `Budget` row per subject
 * (workspace, API key, virtual key, config), and `SpendDaily`, the settled cost per subject and UTC
 * day, written by the log sink in the same transaction as the log rows (lib/store/log-sink.ts). What
 * the enforcement rebuilds its counters from, and what the pages and the API show as spend.
 */
import type { Db } from "../db";
import { countersFromDays, currentPeriod, dayOf, isBudgetPeriod, oldestCountedDay } from "../budgets/period";
import { BUDGET_SCOPES, type Budget, type BudgetInput, type BudgetScope, type BudgetSpend, type SpendSubject } from "../budgets/types";

type BudgetRow = {
  id: string;
  workspaceId: string;
  scope: string;
  subjectId: string;
  limitUsd: number;
  period: string;
  alertAtPct: number | null;
};

/** A stored row as the gateway holds it; null for a row this build cannot read (an unknown scope or period: skipped, never guessed). */
export function toBudget(row: BudgetRow): Budget | null {
  if (!(BUDGET_SCOPES as readonly string[]).includes(row.scope) || !isBudgetPeriod(row.period)) return null;
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    scope: row.scope as BudgetScope,
    subjectId: row.subjectId,
    limitUsd: row.limitUsd,
    period: row.period,
    alertAtPct: row.alertAtPct,
  };
}

const SELECT = { id: true, workspaceId: true, scope: true, subjectId: true, limitUsd: true, period: true, alertAtPct: true } as const;

/** Every budget of a workspace (the gateway caches them per workspace). */
export async function listWorkspaceBudgets(db: Db, workspaceId: string): Promise<Budget[]> {
  const rows = await db.budget.findMany({ where: { workspaceId }, select: SELECT, orderBy: { createdAt: "asc" } });
  return rows.map(toBudget).filter((b): b is Budget => b !== null);
}

/** The budget of one subject, or null. */
export async function getBudget(db: Db, workspaceId: string, subject: SpendSubject): Promise<Budget | null> {
  const row = await db.budget.findFirst({ where: { workspaceId, scope: subject.scope, subjectId: subject.id }, select: SELECT });
  return row ? toBudget(row) : null;
}

/** Sets (`input`) or removes (null) the budget of one subject; answers the budget now in force. */
export async function setBudget(db: Db, workspaceId: string, subject: SpendSubject, input: BudgetInput | null): Promise<Budget | null> {
  const where = { scope_subjectId: { scope: subject.scope, subjectId: subject.id } };
  if (input === null) {
    await db.budget.deleteMany({ where: { workspaceId, scope: subject.scope, subjectId: subject.id } });
    return null;
  }
  const data = { limitUsd: input.limit_usd, period: input.period, alertAtPct: input.alert_at_pct };
  const row = await db.budget.upsert({
    where,
    create: { workspaceId, scope: subject.scope, subjectId: subject.id, ...data },
    update: data,
    select: SELECT,
  });
  return toBudget(row);
}

/**
 * A subject's ledger counters rebuilt from its daily rows as of `now` (lib/budgets/period.ts):
 * total, each day of the last 366, this week, this month. Older days count in the total only.
 */
export async function loadSpendCounters(db: Db, subject: SpendSubject, now: number): Promise<Map<string, number>> {
  const since = oldestCountedDay(now);
  const where = { scope: subject.scope, subjectId: subject.id };
  const [recent, older] = await Promise.all([
    db.spendDaily.findMany({ where: { ...where, day: { gte: since } }, select: { day: true, costUsd: true } }),
    db.spendDaily.aggregate({ where: { ...where, day: { lt: since } }, _sum: { costUsd: true } }),
  ]);
  const days = [...recent];
  const olderUsd = older._sum.costUsd ?? 0;
  if (olderUsd) days.push({ day: "0000-00-00", costUsd: olderUsd });
  return countersFromDays(days, now);
}

/** The settled spend of a budget's current period, as written to the database (the log writer's lag behind). */
export async function periodSpend(db: Db, budget: Budget, now: number): Promise<BudgetSpend> {
  const period = currentPeriod(budget.period, now);
  const where = {
    scope: budget.scope,
    subjectId: budget.subjectId,
    ...(period.start === null ? {} : { day: { gte: dayOf(period.start) } }),
  };
  const sum = await db.spendDaily.aggregate({ where, _sum: { costUsd: true } });
  const spent = round(sum._sum.costUsd ?? 0);
  return {
    period_start: period.start === null ? null : new Date(period.start).toISOString(),
    resets_at: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
    spent_usd: spent,
    reserved_usd: 0,
    remaining_usd: round(Math.max(0, budget.limitUsd - spent)),
  };
}

/** Spend per subject of a workspace since `sinceDay` (inclusive), for the pages' lists. */
export async function spendBySubject(db: Db, workspaceId: string, scope: BudgetScope, sinceDay: string): Promise<Map<string, number>> {
  const rows = await db.spendDaily.groupBy({
    by: ["subjectId"],
    where: { workspaceId, scope, day: { gte: sinceDay } },
    _sum: { costUsd: true },
  });
  return new Map(rows.map((r) => [r.subjectId, round(r._sum.costUsd ?? 0)]));
}

/** USD to 1e-10, as costs are. */
function round(usd: number): number {
  return Number(usd.toFixed(10));
}
