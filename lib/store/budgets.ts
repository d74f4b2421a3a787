/**
 * Budgets and settled spend in the database (docs/GATEWAY.md §12): one `Budget` row per subject
 * (workspace, API key, virtual key, config), and `SpendDaily`, the settled cost per subject and UTC
 * day, written by the log sink in the same transaction as the log rows (lib/store/log-sink.ts). What
 * the enforcement rebuilds its counters from, and what the pages and the API show as spend.
 */
import type { Db } from "../db";
import { countersFromDays, currentPeriod, dayOf, isBudgetPeriod, oldestCountedDay } from "../budgets/period";
import { BUDGET_SCOPES, type Budget, type BudgetInput, type BudgetScope, type BudgetSpend, type SpendSubject } from "../budgets/types";
import { subjectKey } from "../budgets/types";

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

// ---------------------------------------------------------------------------------------------
// The management API's and the dashboard's side (lib/api/budgets.ts): budgets written in the
// transaction of their item's own write, read for whole pages at once, and named.

/** The client a budget write needs: the database or a transaction's client (`Tx`). */
export type BudgetClient = Pick<Db, "budget" | "spendDaily">;

/**
 * As writeBudget, on any client: the API key, virtual key and config writes call it inside their own
 * transaction, so an item and its budget are saved together or not at all.
 */
export async function writeBudget(
  client: BudgetClient,
  workspaceId: string,
  subject: SpendSubject,
  input: BudgetInput | null,
): Promise<Budget | null> {
  if (input === null) {
    await client.budget.deleteMany({ where: { workspaceId, scope: subject.scope, subjectId: subject.id } });
    return null;
  }
  const data = { limitUsd: input.limit_usd, period: input.period, alertAtPct: input.alert_at_pct };
  const row = await client.budget.upsert({
    where: { scope_subjectId: { scope: subject.scope, subjectId: subject.id } },
    create: { workspaceId, scope: subject.scope, subjectId: subject.id, ...data },
    update: data,
    select: SELECT,
  });
  return toBudget(row);
}

/** Gives `to` the budget of `from` (an API key's rotation: the new key inherits it); true when there was one. */
export async function copyBudget(client: BudgetClient, workspaceId: string, from: SpendSubject, to: SpendSubject): Promise<boolean> {
  const row = await client.budget.findFirst({ where: { workspaceId, scope: from.scope, subjectId: from.id }, select: SELECT });
  const budget = row ? toBudget(row) : null;
  if (!budget) return false;
  await writeBudget(client, workspaceId, to, { limit_usd: budget.limitUsd, period: budget.period, alert_at_pct: budget.alertAtPct });
  return true;
}

/** The budgets of some subjects of one scope, by subject id (one query; a page of a list). */
export async function budgetsOfSubjects(
  db: Db,
  workspaceId: string,
  scope: BudgetScope,
  subjectIds: readonly string[],
): Promise<Map<string, Budget>> {
  if (!subjectIds.length) return new Map();
  const rows = await db.budget.findMany({ where: { workspaceId, scope, subjectId: { in: [...new Set(subjectIds)] } }, select: SELECT });
  return new Map(rows.flatMap((r) => (toBudget(r) ? [[r.subjectId, toBudget(r)!] as const] : [])));
}

/** A page of the workspace's budgets (of one scope, or all), newest first, and how many there are. */
export async function listBudgets(
  db: Db,
  workspaceId: string,
  options: { scope?: BudgetScope; skip: number; take: number },
): Promise<{ total: number; rows: Budget[] }> {
  const where = { workspaceId, ...(options.scope ? { scope: options.scope } : {}) };
  const [total, rows] = await Promise.all([
    db.budget.count({ where }),
    db.budget.findMany({ where, select: SELECT, orderBy: [{ createdAt: "desc" }, { id: "asc" }], skip: options.skip, take: options.take }),
  ]);
  return { total, rows: rows.map(toBudget).filter((b): b is Budget => b !== null) };
}

/**
 * The settled spend of each budget's current period at `now`, by budget id (as periodSpend gives
 * it for one): at most two grouped queries whatever the number of budgets, one over the days since
 * the oldest period start (per subject and day), one for the total budgets (per subject).
 */
export async function periodSpends(db: Db, budgets: readonly Budget[], now: number): Promise<Map<string, BudgetSpend>> {
  const periods = new Map(budgets.map((b) => [b.id, currentPeriod(b.period, now)]));
  const dated = budgets.filter((b) => periods.get(b.id)!.start !== null);
  const totals = budgets.filter((b) => periods.get(b.id)!.start === null);
  const subjectsOf = (list: readonly Budget[]) => ({
    workspaceId: { in: [...new Set(list.map((b) => b.workspaceId))] },
    scope: { in: [...new Set(list.map((b) => b.scope))] },
    subjectId: { in: [...new Set(list.map((b) => b.subjectId))] },
  });
  const since = dated.length ? dayOf(Math.min(...dated.map((b) => periods.get(b.id)!.start!))) : null;
  const [byDay, byTotal] = await Promise.all([
    since === null
      ? []
      : db.spendDaily.groupBy({
          by: ["scope", "subjectId", "day"],
          where: { ...subjectsOf(dated), day: { gte: since } },
          _sum: { costUsd: true },
        }),
    totals.length ? db.spendDaily.groupBy({ by: ["scope", "subjectId"], where: subjectsOf(totals), _sum: { costUsd: true } }) : [],
  ]);
  const days = new Map<string, { day: string; usd: number }[]>();
  for (const r of byDay) {
    const key = subjectKey({ scope: r.scope as BudgetScope, id: r.subjectId });
    days.set(key, [...(days.get(key) ?? []), { day: r.day, usd: r._sum.costUsd ?? 0 }]);
  }
  const allTime = new Map(byTotal.map((r) => [subjectKey({ scope: r.scope as BudgetScope, id: r.subjectId }), r._sum.costUsd ?? 0]));
  const out = new Map<string, BudgetSpend>();
  for (const b of budgets) {
    const period = periods.get(b.id)!;
    const key = subjectKey({ scope: b.scope, id: b.subjectId });
    const startDay = period.start === null ? null : dayOf(period.start);
    const usd =
      startDay === null ? (allTime.get(key) ?? 0) : (days.get(key) ?? []).reduce((sum, d) => (d.day >= startDay ? sum + d.usd : sum), 0);
    const spent = round(usd);
    out.set(b.id, {
      period_start: period.start === null ? null : new Date(period.start).toISOString(),
      resets_at: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
      spent_usd: spent,
      reserved_usd: 0,
      remaining_usd: round(Math.max(0, b.limitUsd - spent)),
    });
  }
  return out;
}

/** What a budget's subject is called, for lists of budgets: its name, slug (virtual keys, configs) and status. */
export type BudgetSubjectInfo = { name: string; slug: string | null; status: string };

/**
 * The subjects of `budgets` (of one workspace), by subjectKey: one query per scope present. API
 * keys are "active", "expired" or "revoked"; virtual keys "active", "expired" or "revoked"; configs
 * "active", "archived" or "deleted". A subject that no longer exists is absent.
 */
export async function describeBudgetSubjects(
  db: Db,
  workspaceId: string,
  budgets: readonly Budget[],
  now: Date,
): Promise<Map<string, BudgetSubjectInfo>> {
  const ids = (scope: BudgetScope) => [...new Set(budgets.filter((b) => b.scope === scope).map((b) => b.subjectId))];
  const expired = (at: Date | null) => at !== null && at <= now;
  const [workspaces, apiKeys, virtualKeys, configs] = await Promise.all([
    ids("workspace").length
      ? db.workspace.findMany({ where: { id: { in: ids("workspace") } }, select: { id: true, name: true, slug: true } })
      : [],
    ids("api_key").length
      ? db.apiKey.findMany({
          where: { workspaceId, id: { in: ids("api_key") } },
          select: { id: true, name: true, prefix: true, revokedAt: true, expiresAt: true },
        })
      : [],
    ids("virtual_key").length
      ? db.virtualKey.findMany({
          where: { workspaceId, id: { in: ids("virtual_key") } },
          select: { id: true, name: true, slug: true, status: true, expiresAt: true },
        })
      : [],
    ids("config").length
      ? db.config.findMany({
          where: { workspaceId, id: { in: ids("config") } },
          select: { id: true, name: true, slug: true, status: true },
        })
      : [],
  ]);
  const out = new Map<string, BudgetSubjectInfo>();
  for (const w of workspaces)
    if (w.id === workspaceId) out.set(subjectKey({ scope: "workspace", id: w.id }), { name: w.name, slug: null, status: "active" });
  for (const k of apiKeys) {
    const status = k.revokedAt ? "revoked" : expired(k.expiresAt) ? "expired" : "active";
    out.set(subjectKey({ scope: "api_key", id: k.id }), { name: k.name, slug: null, status });
  }
  for (const v of virtualKeys) {
    const status = v.status !== "active" ? v.status : expired(v.expiresAt) ? "expired" : "active";
    out.set(subjectKey({ scope: "virtual_key", id: v.id }), { name: v.name, slug: v.slug, status });
  }
  for (const c of configs) out.set(subjectKey({ scope: "config", id: c.id }), { name: c.name, slug: c.slug, status: c.status });
  return out;
}

/** Copies one subject's settled spend (every SpendDaily row) to another that has none yet (an API key's rotation). */
export async function copySpend(client: BudgetClient, from: SpendSubject, to: SpendSubject): Promise<void> {
  const rows = await client.spendDaily.findMany({ where: { scope: from.scope, subjectId: from.id } });
  if (!rows.length) return;
  await client.spendDaily.createMany({ data: rows.map((r) => ({ ...r, scope: to.scope, subjectId: to.id })) });
}
