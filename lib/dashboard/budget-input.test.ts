/** The budget form's conversions and the budget bar's words. */
import { describe, expect, it } from "vitest";
import {
  budgetChanged,
  budgetErrors,
  budgetFromInput,
  budgetLevel,
  budgetPercent,
  budgetSummary,
  budgetToInput,
  budgetValuesOf,
  EMPTY_BUDGET_FORM,
  formatUsd,
  periodName,
  periodWords,
  resetsWords,
  type BudgetShown,
} from "./budget-input";

const form = (values: Partial<typeof EMPTY_BUDGET_FORM>) => ({ ...EMPTY_BUDGET_FORM, ...values });

function shown(spent: number, limit = 50, alert: number | null = 80, period = "monthly"): BudgetShown {
  return {
    limit_usd: limit,
    period,
    alert_at_pct: alert,
    spend: {
      period_start: "2026-12-01T00:00:00.000Z",
      resets_at: "2027-01-01T00:00:00.000Z",
      spent_usd: spent,
      remaining_usd: limit - spent,
    },
  };
}

describe("budget form input", () => {
  it("sends nothing without a limit, and the API's body with one", () => {
    expect(budgetFromInput(form({ limitUsd: "  " }))).toBeNull();
    expect(budgetFromInput(form({ limitUsd: "50", period: "monthly", alertAtPct: "80" }))).toEqual({
      limit_usd: 50,
      period: "monthly",
      alert_at_pct: 80,
    });
    expect(budgetFromInput(form({ limitUsd: "$1,250.5", period: "total" }))).toEqual({
      limit_usd: 1250.5,
      period: "total",
      alert_at_pct: null,
    });
    expect(budgetFromInput(form({ limitUsd: "10", period: "rolling", rollingDays: " 7 ", alertAtPct: "90%" }))).toEqual({
      limit_usd: 10,
      period: "rolling_7d",
      alert_at_pct: 90,
    });
  });

  it("leaves text that is not a number as typed, so the API's error names it", () => {
    expect(budgetFromInput(form({ limitUsd: "fifty", alertAtPct: "most" }))).toEqual({
      limit_usd: "fifty",
      period: "monthly",
      alert_at_pct: "most",
    });
    expect(budgetFromInput(form({ limitUsd: "5", period: "rolling", rollingDays: "" }))?.period).toBe("rolling_d");
  });

  it("starts the form from the budget in force, rolling periods split into their days", () => {
    expect(budgetToInput(null)).toEqual(EMPTY_BUDGET_FORM);
    expect(budgetToInput({ limit_usd: 12.5, period: "rolling_14d", alert_at_pct: null })).toEqual({
      limitUsd: "12.5",
      period: "rolling",
      rollingDays: "14",
      alertAtPct: "",
    });
    expect(budgetToInput({ limit_usd: 50, period: "weekly", alert_at_pct: 75 })).toEqual({
      limitUsd: "50",
      period: "weekly",
      rollingDays: "30",
      alertAtPct: "75",
    });
  });

  it("reads the fields by name; an unknown period choice falls back to monthly", () => {
    const fields: Record<string, string> = {
      "budget.limit_usd": "5",
      "budget.period": "rolling",
      "budget.rolling_days": "3",
      "budget.alert_at_pct": "",
    };
    expect(budgetValuesOf((n) => fields[n] ?? "")).toEqual({ limitUsd: "5", period: "rolling", rollingDays: "3", alertAtPct: "" });
    expect(budgetValuesOf((n) => (n === "budget.period" ? "yearly" : "")).period).toBe("monthly");
  });

  it("tells whether the form changes the budget in force", () => {
    const current = { limit_usd: 50, period: "monthly", alert_at_pct: 80 };
    expect(budgetChanged(budgetToInput(current), current)).toBe(false);
    expect(budgetChanged(form({ limitUsd: "50", period: "monthly", alertAtPct: "" }), current)).toBe(true);
    expect(budgetChanged(form({ limitUsd: "" }), current)).toBe(true);
    expect(budgetChanged(form({ limitUsd: "" }), null)).toBe(false);
    expect(budgetChanged(form({ limitUsd: "1" }), null)).toBe(true);
  });

  it("places the API's errors at the form's fields, the rest at the form", () => {
    expect(
      budgetErrors({
        "budget.limit_usd": "must be a number",
        "budget.period": "must be total, ...",
        "budget.alert_at_pct": "must be an integer",
        "budget.currency": "unknown key currency",
        name: "is required",
      }),
    ).toEqual({
      limit: "must be a number",
      period: "must be total, ...",
      alert: "must be an integer",
      form: "budget.currency: unknown key currency",
    });
  });
});

describe("budget bar words", () => {
  it("formats dollars with cents, small amounts to 4 decimals", () => {
    expect([formatUsd(0), formatUsd(12.5), formatUsd(1234567.891), formatUsd(0.01234), formatUsd(0.5)]).toEqual([
      "$0.00",
      "$12.50",
      "$1,234,567.89",
      "$0.0123",
      "$0.50",
    ]);
  });

  it("names periods and their reset", () => {
    expect(["daily", "weekly", "monthly", "total", "rolling_7d", "rolling_1d"].map(periodWords)).toEqual([
      "today",
      "this week",
      "this month",
      "in total",
      "the last 7 days",
      "today (rolling 1 day)",
    ]);
    expect(["monthly", "rolling_30d", "rolling_1d"].map(periodName)).toEqual(["Monthly", "Rolling 30 days", "Rolling 1 day"]);
    expect(resetsWords("2027-01-01T00:00:00.000Z")).toBe("resets 2027-01-01 00:00 UTC");
    expect(resetsWords(null)).toBe("never resets");
  });

  it("changes level at the alert threshold and at 100%, and fills at most the whole bar", () => {
    expect(budgetLevel(shown(39.99))).toBe("ok");
    expect(budgetLevel(shown(40))).toBe("alert");
    expect(budgetLevel(shown(49.99))).toBe("alert");
    expect(budgetLevel(shown(50))).toBe("over");
    expect(budgetLevel(shown(49.99, 50, null))).toBe("ok");
    expect(budgetLevel(shown(60, 50, null))).toBe("over");
    expect([budgetPercent(shown(0)), budgetPercent(shown(12.5)), budgetPercent(shown(75))]).toEqual([0, 25, 100]);
  });

  it("summarises the spend in one line", () => {
    expect(budgetSummary(shown(12.5))).toBe("$12.50 of $50.00 this month (25%), resets 2027-01-01 00:00 UTC");
    expect(budgetSummary(shown(0))).toBe("$0.00 of $50.00 this month (0%), resets 2027-01-01 00:00 UTC");
    expect(budgetSummary(shown(0.2))).toBe("$0.20 of $50.00 this month (<1%), resets 2027-01-01 00:00 UTC");
    expect(budgetSummary(shown(49.5))).toBe("$49.50 of $50.00 this month (99%), resets 2027-01-01 00:00 UTC");
    expect(budgetSummary({ ...shown(75, 50, null, "total"), spend: { ...shown(75).spend, resets_at: null } })).toBe(
      "$75.00 of $50.00 in total (150%), never resets",
    );
  });
});
