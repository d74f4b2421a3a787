/**
 * The `budget.update` audit event: a budget set, changed or removed through the route of what it
 * limits (a config, a virtual key, an API key, the workspace). That change is also in the
 * subject's own event (its views carry `budget`); this separate event lets the trail be filtered by
 * budgets (`action=budget.`). Its target is the subject (so `target_id` finds both events); before
 * and after are the budget's settings (null: none), without the spend, which is not a change.
 */
import type { Principal } from "../api/handler";
import type { BudgetView } from "../api/budget-schemas";
import { recordAudit } from "./record";

export type BudgetSubject = { type: "config" | "virtual_key" | "api_key" | "workspace"; id: string; label: string | null };

function settings(view: BudgetView | null) {
  return view ? { limit_usd: view.limit_usd, period: view.period, alert_at_pct: view.alert_at_pct } : null;
}

/** Records `budget.update` when the budget's settings differ between `before` and `after`. */
export async function recordBudgetChange(
  principal: Principal,
  subject: BudgetSubject,
  before: BudgetView | null,
  after: BudgetView | null,
): Promise<void> {
  const was = settings(before);
  const now = settings(after);
  if (JSON.stringify(was) === JSON.stringify(now)) return;
  await recordAudit(principal, {
    action: "budget.update",
    targetType: subject.type,
    targetId: subject.id,
    targetLabel: subject.label,
    before: was,
    after: now,
  });
}
