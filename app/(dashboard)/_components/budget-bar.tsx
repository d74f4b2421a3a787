import {
  budgetLevel,
  budgetPercent,
  budgetSummary,
  formatUsd,
  periodWords,
  resetsWords,
  type BudgetShown,
} from "@/lib/dashboard/budget-input";

/**
 * A budget's spend in its current period as a bar: spent of the limit, the period and when it
 * resets, coloured by level (past the alert threshold, then spent at 100%). An ARIA progressbar
 * whose value is in US dollars (0 to the limit) and whose text says it all in words, so a screen
 * reader hears "$12.50 of $50.00 this month (25%), resets ...". No hooks: it renders on the server
 * and inside client components alike.
 */
export function BudgetBar({ budget, label, compact = false }: { budget: BudgetShown; label: string; compact?: boolean }) {
  const level = budgetLevel(budget);
  const summary = budgetSummary(budget);
  const now = Math.min(budget.spend.spent_usd, budget.limit_usd);
  return (
    <div className={`budget budget-${level}${compact ? " budget-compact" : ""}`} data-level={level}>
      <div
        className="budget-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={budget.limit_usd}
        aria-valuenow={now}
        aria-valuetext={summary}
        title={summary}
      >
        <span className="budget-fill" style={{ width: `${budgetPercent(budget)}%` }} />
      </div>
      <div className="budget-text">
        <span className="budget-amounts">
          {formatUsd(budget.spend.spent_usd)} of {formatUsd(budget.limit_usd)}
        </span>{" "}
        <span className="muted">
          {periodWords(budget.period)} · {resetsWords(budget.spend.resets_at)}
          {budget.alert_at_pct !== null && !compact ? ` · alert at ${budget.alert_at_pct}%` : ""}
        </span>
        {level === "over" ? <span className="budget-flag"> · spent: requests get 429</span> : null}
      </div>
    </div>
  );
}

/** A list cell: the bar, or "none". */
export function BudgetCell({ budget, label }: { budget: BudgetShown | null; label: string }) {
  return budget ? <BudgetBar budget={budget} label={label} compact /> : <span className="muted">none</span>;
}
