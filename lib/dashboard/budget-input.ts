/**
 * The budget form's inputs and the budget bar's words, shared by the API keys, virtual keys,
 * configs and budgets pages: a limit typed in USD, a period chosen in a select (with the number of
 * days of a rolling period typed beside it) and an alert threshold in percent, turned into the
 * management API's `budget` body; and a budget's spend as people read it ("$12.50 of $50.00 this
 * month, resets 2027-01-01 00:00 UTC"). The API validates what these produce and names the field.
 * No imports: it runs in the browser and on the server.
 */

/** The period select's choices: "rolling" takes its number of days from a second input. */
export type PeriodChoice = "daily" | "weekly" | "monthly" | "rolling" | "total";

export const PERIOD_CHOICES: readonly { value: PeriodChoice; label: string }[] = [
  { value: "daily", label: "Daily (resets 00:00 UTC)" },
  { value: "weekly", label: "Weekly (ISO week, resets Monday 00:00 UTC)" },
  { value: "monthly", label: "Monthly (resets on the 1st, 00:00 UTC)" },
  { value: "rolling", label: "Rolling N days (today and the N-1 days before)" },
  { value: "total", label: "Total (never resets)" },
];

/** What the form's fields hold, as typed. */
export type BudgetFormValues = { limitUsd: string; period: PeriodChoice; rollingDays: string; alertAtPct: string };

/** A budget as the API takes it (the values as typed when they are not numbers, so its error names them). */
export type BudgetBodyInput = { limit_usd: number | string; period: string; alert_at_pct: number | string | null };

/** A budget as the API answers it (`budget` of an item). */
export type BudgetShown = {
  limit_usd: number;
  period: string;
  alert_at_pct: number | null;
  spend: { period_start: string | null; resets_at: string | null; spent_usd: number; remaining_usd: number };
};

export const EMPTY_BUDGET_FORM: BudgetFormValues = { limitUsd: "", period: "monthly", rollingDays: "30", alertAtPct: "" };

/** "12.5" -> 12.5, "$1,000" -> 1000; text that is no number stays text (the API says what is wrong with it). */
function numberOrText(value: string): number | string {
  const cleaned = value.trim().replace(/^\$/, "").replaceAll(",", "").trim();
  return cleaned !== "" && Number.isFinite(Number(cleaned)) ? Number(cleaned) : value.trim();
}

/** The `budget` to send: null when no limit is typed (no budget). */
export function budgetFromInput(values: BudgetFormValues): BudgetBodyInput | null {
  if (!values.limitUsd.trim()) return null;
  const period = values.period === "rolling" ? `rolling_${values.rollingDays.trim()}d` : values.period;
  const alert = values.alertAtPct.trim().replace(/%$/, "").trim();
  return { limit_usd: numberOrText(values.limitUsd), period, alert_at_pct: alert ? numberOrText(alert) : null };
}

/** The form's starting values for a budget in force (or none). */
export function budgetToInput(budget: Pick<BudgetShown, "limit_usd" | "period" | "alert_at_pct"> | null): BudgetFormValues {
  if (!budget) return EMPTY_BUDGET_FORM;
  const rolling = /^rolling_(\d+)d$/.exec(budget.period);
  const period: PeriodChoice = rolling
    ? "rolling"
    : (PERIOD_CHOICES.find((c) => c.value === budget.period)?.value ?? EMPTY_BUDGET_FORM.period);
  return {
    limitUsd: String(budget.limit_usd),
    period,
    rollingDays: rolling ? rolling[1]! : EMPTY_BUDGET_FORM.rollingDays,
    alertAtPct: budget.alert_at_pct === null ? "" : String(budget.alert_at_pct),
  };
}

/** The form's values from its fields' names (`budget.limit_usd`, `budget.period`, `budget.rolling_days`, `budget.alert_at_pct`). */
export function budgetValuesOf(get: (name: string) => string): BudgetFormValues {
  const period = get("budget.period");
  return {
    limitUsd: get("budget.limit_usd"),
    period: PERIOD_CHOICES.some((c) => c.value === period) ? (period as PeriodChoice) : EMPTY_BUDGET_FORM.period,
    rollingDays: get("budget.rolling_days"),
    alertAtPct: get("budget.alert_at_pct"),
  };
}

/** Whether what the form says differs from the budget in force (an unchanged form sends nothing). */
export function budgetChanged(
  values: BudgetFormValues,
  current: Pick<BudgetShown, "limit_usd" | "period" | "alert_at_pct"> | null,
): boolean {
  const next = budgetFromInput(values);
  if (next === null || current === null) return (next === null) !== (current === null);
  return next.limit_usd !== current.limit_usd || next.period !== current.period || next.alert_at_pct !== current.alert_at_pct;
}

/** The API's errors under `budget` (its paths `budget.limit_usd`...), by field of the form; `form` for the rest. */
export function budgetErrors(fieldErrors: Record<string, string>): { limit?: string; period?: string; alert?: string; form?: string } {
  const out: { limit?: string; period?: string; alert?: string; form?: string } = {};
  for (const [path, message] of Object.entries(fieldErrors)) {
    if (path === "budget.limit_usd") out.limit = message;
    else if (path === "budget.period") out.period = message;
    else if (path === "budget.alert_at_pct") out.alert = message;
    else if (path === "budget" || path.startsWith("budget.")) out.form = `${path}: ${message}`;
  }
  return out;
}

/** US dollars as the pages show them: cents from $1, up to 4 decimals below ("$0.0123"), thousands separated. */
export function formatUsd(usd: number): string {
  const digits = Math.abs(usd) >= 1 || usd === 0 ? 2 : 4;
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

/** The period in words: "today", "this week", "this month", "the last 7 days", "in total". */
export function periodWords(period: string): string {
  if (period === "daily") return "today";
  if (period === "weekly") return "this week";
  if (period === "monthly") return "this month";
  if (period === "total") return "in total";
  const days = /^rolling_(\d+)d$/.exec(period)?.[1];
  if (days === "1") return "today (rolling 1 day)";
  return days ? `the last ${days} days` : period;
}

/** The period's name in a list: "Monthly", "Rolling 7 days". */
export function periodName(period: string): string {
  const days = /^rolling_(\d+)d$/.exec(period)?.[1];
  if (days) return `Rolling ${days} ${days === "1" ? "day" : "days"}`;
  return period.charAt(0).toUpperCase() + period.slice(1);
}

/** "resets 2027-01-01 00:00 UTC", or "never resets" for a total budget. */
export function resetsWords(resetsAt: string | null): string {
  return resetsAt ? `resets ${resetsAt.slice(0, 16).replace("T", " ")} UTC` : "never resets";
}

/** How full a budget is: past its alert threshold ("alert"), spent ("over", at 100% and beyond), else "ok". */
export type BudgetLevel = "ok" | "alert" | "over";

export function budgetLevel(budget: Pick<BudgetShown, "limit_usd" | "alert_at_pct" | "spend">): BudgetLevel {
  const pct = budget.limit_usd > 0 ? (budget.spend.spent_usd / budget.limit_usd) * 100 : 100;
  if (pct >= 100) return "over";
  return budget.alert_at_pct !== null && pct >= budget.alert_at_pct ? "alert" : "ok";
}

/** The share of the limit spent, 0 to 100 (a spend past the limit fills the bar). */
export function budgetPercent(budget: Pick<BudgetShown, "limit_usd" | "spend">): number {
  if (budget.limit_usd <= 0) return 100;
  return Math.min(100, Math.max(0, (budget.spend.spent_usd / budget.limit_usd) * 100));
}

/** The bar's text: "$12.50 of $50.00 this month (25%), resets 2027-01-01 00:00 UTC". */
export function budgetSummary(budget: BudgetShown): string {
  const pct = budget.limit_usd > 0 ? (budget.spend.spent_usd / budget.limit_usd) * 100 : 100;
  const shown = pct > 0 && pct < 1 ? "<1" : String(Math.floor(pct));
  return `${formatUsd(budget.spend.spent_usd)} of ${formatUsd(budget.limit_usd)} ${periodWords(budget.period)} (${shown}%), ${resetsWords(budget.spend.resets_at)}`;
}
