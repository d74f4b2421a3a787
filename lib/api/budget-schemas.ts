/**
 * `budget` on API keys, virtual keys, configs and the workspace (docs/MANAGEMENT-API.md, Budgets):
 * `{limit_usd, period, alert_at_pct?}` (`limitUsd`, `alertAtPct` accepted too), or `null` to remove
 * it; a missing field leaves the budget as it is. An object replaces the whole budget (a missing
 * `alert_at_pct` is null: alert at 100% only). And how answers show a budget with its current spend.
 */
import { z } from "zod";
import { strictObject } from "../gateway/config/messages";
import { isBudgetPeriod } from "../budgets/period";
import { type Budget, type BudgetInput, type BudgetPeriod, type BudgetSpend, MAX_ROLLING_DAYS } from "../budgets/types";
import { renameAliases } from "./input";

/** The largest limit: 1,000,000 USD. */
export const MAX_BUDGET_USD = 1_000_000;
/** Limits are cents and below: at most 6 decimals. */
export const BUDGET_USD_DECIMALS = 6;

export const PERIOD_RULE = `total, daily, weekly, monthly or rolling_<N>d with N from 1 to ${MAX_ROLLING_DAYS}`;

const LIMIT_RULE = `must be a number of US dollars greater than 0 and at most ${MAX_BUDGET_USD.toLocaleString("en-US")}, with at most ${BUDGET_USD_DECIMALS} decimals (e.g. 50 or 12.5)`;
const ALERT_RULE = "must be an integer from 1 to 100 (percent of the limit), or null (alert at 100% only)";

/** True when `usd` has at most BUDGET_USD_DECIMALS decimals (as typed in JSON: 12.345678 yes, 0.0000001 no). */
export function hasAtMostSixDecimals(usd: number): boolean {
  return Number(usd.toFixed(BUDGET_USD_DECIMALS)) === usd;
}

const required = (rule: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `is required (${rule.replace(/^must be /, "")})` : rule;

export const limitUsdSchema = z
  .number({ error: required(LIMIT_RULE) })
  .refine((v) => Number.isFinite(v) && v > 0 && v <= MAX_BUDGET_USD && hasAtMostSixDecimals(v), { error: LIMIT_RULE });

export const budgetPeriodSchema = z
  .string({ error: required(`must be ${PERIOD_RULE}`) })
  .refine((v): v is BudgetPeriod => isBudgetPeriod(v), {
    error: (issue) => `must be ${PERIOD_RULE} (got ${JSON.stringify(issue.input)})`,
  })
  .transform((v) => v as BudgetPeriod);

export const alertAtPctSchema = z
  .number({ error: ALERT_RULE })
  .int({ error: ALERT_RULE })
  .min(1, { error: ALERT_RULE })
  .max(100, { error: ALERT_RULE })
  .nullable();

/** `budget`: the object (replacing the budget in force) or null (no budget). */
export const budgetSchema = z
  .preprocess(
    renameAliases({ limitUsd: "limit_usd", alertAtPct: "alert_at_pct" }),
    strictObject(
      { limit_usd: limitUsdSchema, period: budgetPeriodSchema, alert_at_pct: alertAtPctSchema.optional() },
      "an object {limit_usd, period, alert_at_pct?}, or null to remove the budget",
    ),
  )
  .transform((b): BudgetInput => ({ limit_usd: b.limit_usd, period: b.period, alert_at_pct: b.alert_at_pct ?? null }))
  .nullable();

export type BudgetBody = z.output<typeof budgetSchema>;

/** A budget's current period and spend as answers show it. */
export type BudgetSpendView = Pick<BudgetSpend, "period_start" | "resets_at" | "spent_usd" | "remaining_usd">;

/** `budget` in answers: the limit, its period and alert threshold, and the spend of the current period. */
export type BudgetView = {
  limit_usd: number;
  period: BudgetPeriod;
  alert_at_pct: number | null;
  spend: BudgetSpendView;
};

/** The API's shape of a budget and its spend (settled spend, as written to the database). */
export function budgetView(budget: Budget, spend: BudgetSpend): BudgetView {
  return {
    limit_usd: budget.limitUsd,
    period: budget.period,
    alert_at_pct: budget.alertAtPct,
    spend: {
      period_start: spend.period_start,
      resets_at: spend.resets_at,
      spent_usd: spend.spent_usd,
      remaining_usd: spend.remaining_usd,
    },
  };
}
