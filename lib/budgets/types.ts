/**
 * Budgets (docs/GATEWAY.md §12): a limit in USD on a workspace, an API key, a virtual key or a
 * config, over a period. Shared by the enforcement (lib/budgets/ledger*.ts), the management API, the
 * dashboard and the alerts. Framework-free and dependency-free.
 */

export const BUDGET_SCOPES = ["workspace", "api_key", "virtual_key", "config"] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/** "total" | "daily" | "weekly" | "monthly" | "rolling_<N>d" (N from 1 to MAX_ROLLING_DAYS). */
export type BudgetPeriod = "total" | "daily" | "weekly" | "monthly" | `rolling_${number}d`;

export const MAX_ROLLING_DAYS = 366;

/** A budget as the gateway holds it (the `Budget` row, lib/store/budgets.ts). */
export type Budget = {
  id: string;
  workspaceId: string;
  scope: BudgetScope;
  subjectId: string;
  limitUsd: number;
  period: BudgetPeriod;
  /** 1-100, or null: alert at 100% only. */
  alertAtPct: number | null;
};

/** The management API's and the dashboard's view of a budget: `{limit_usd, period, alert_at_pct}`. */
export type BudgetInput = { limit_usd: number; period: BudgetPeriod; alert_at_pct: number | null };

/** A budget's spend in its current period, as the API and the pages show it. */
export type BudgetSpend = {
  /** The current period: its first instant (ISO; null for a total budget) and when it resets (null: never). */
  period_start: string | null;
  resets_at: string | null;
  spent_usd: number;
  /** Reserved by requests in flight (their worst-case cost, released when they finish). */
  reserved_usd: number;
  remaining_usd: number;
};

/** A subject that spends: `${scope}:${id}` names it in keys and maps. */
export type SpendSubject = { scope: BudgetScope; id: string };

export function subjectKey(s: SpendSubject): string {
  return `${s.scope}:${s.id}`;
}
