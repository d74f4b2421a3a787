/** The `budget` body schema and its view, without HTTP: every rule names the field and what it allows. */
import { describe, expect, it } from "vitest";
import { DetourError } from "../errors";
import { budgetSchema, budgetView, hasAtMostSixDecimals } from "./budget-schemas";
import { parseInput } from "./input";

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseInput(budgetSchema, input);
  } catch (err) {
    if (err instanceof DetourError) return [...(err.issues ?? [])];
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe("budget schema", () => {
  it("accepts every period and fills a missing alert_at_pct with null", () => {
    for (const period of ["total", "daily", "weekly", "monthly", "rolling_1d", "rolling_30d", "rolling_366d"]) {
      expect(parseInput(budgetSchema, { limit_usd: 50, period })).toEqual({ limit_usd: 50, period, alert_at_pct: null });
    }
    expect(parseInput(budgetSchema, { limit_usd: 0.000001, period: "daily", alert_at_pct: 80 })).toEqual({
      limit_usd: 0.000001,
      period: "daily",
      alert_at_pct: 80,
    });
    expect(parseInput(budgetSchema, { limit_usd: 1_000_000, period: "total", alert_at_pct: null })).toMatchObject({ alert_at_pct: null });
    expect(parseInput(budgetSchema, null)).toBeNull();
  });

  it("accepts the camelCase spellings; both spellings with different values is an error at the alias", () => {
    expect(parseInput(budgetSchema, { limitUsd: 12.5, period: "monthly", alertAtPct: 90 })).toEqual({
      limit_usd: 12.5,
      period: "monthly",
      alert_at_pct: 90,
    });
    expect(issuesOf({ limitUsd: 1, limit_usd: 2, period: "daily" })).toEqual([
      { path: "limitUsd", message: "limitUsd and limit_usd name the same field with different values; send one of them" },
    ]);
  });

  it("refuses limits that are not positive, too large, too precise or not numbers, naming the rule", () => {
    for (const limit of [0, -5, 1_000_000.01, 0.0000001, 1.1234567, "50", null]) {
      const issues = issuesOf({ limit_usd: limit, period: "daily" });
      expect(issues, JSON.stringify(limit)).toHaveLength(1);
      expect(issues[0]!.path).toBe("limit_usd");
      expect(issues[0]!.message).toMatch(/^must be a number of US dollars greater than 0 and at most 1,000,000, with at most 6 decimals/);
    }
    expect(issuesOf({ period: "daily" })).toEqual([
      { path: "limit_usd", message: expect.stringMatching(/^is required \(a number of US dollars/) },
    ]);
  });

  it("refuses unknown periods, listing the allowed ones and what was sent", () => {
    for (const period of ["yearly", "rolling_0d", "rolling_367d", "rolling_7", "Daily", "rolling_07d"]) {
      expect(issuesOf({ limit_usd: 5, period })).toEqual([
        {
          path: "period",
          message: `must be total, daily, weekly, monthly or rolling_<N>d with N from 1 to 366 (got ${JSON.stringify(period)})`,
        },
      ]);
    }
    expect(issuesOf({ limit_usd: 5, period: 7 })[0]).toMatchObject({
      path: "period",
      message: expect.stringMatching(/^must be total, daily/),
    });
    expect(issuesOf({ limit_usd: 5 })[0]).toMatchObject({ path: "period", message: expect.stringMatching(/^is required \(total, daily/) });
  });

  it("refuses alert thresholds outside 1-100 or not whole", () => {
    for (const pct of [0, 101, 50.5, "80", -1]) {
      expect(issuesOf({ limit_usd: 5, period: "daily", alert_at_pct: pct })).toEqual([
        { path: "alert_at_pct", message: "must be an integer from 1 to 100 (percent of the limit), or null (alert at 100% only)" },
      ]);
    }
  });

  it("refuses unknown fields naming them, and a budget that is not an object", () => {
    expect(issuesOf({ limit_usd: 5, period: "daily", limit: 5 })).toEqual([
      { path: "limit", message: expect.stringMatching(/^unknown key limit/) },
    ]);
    expect(issuesOf(50)).toEqual([
      { path: "", message: expect.stringMatching(/must be an object \{limit_usd, period, alert_at_pct\?\}, or null/) },
    ]);
  });

  it("counts decimals as typed", () => {
    expect(hasAtMostSixDecimals(12.345678)).toBe(true);
    expect(hasAtMostSixDecimals(0.1 + 0.2)).toBe(false); // 0.30000000000000004
    expect(hasAtMostSixDecimals(999_999.999999)).toBe(true);
  });
});

describe("budget view", () => {
  it("shows the budget and its current period's spend, without the in-flight reservations", () => {
    const view = budgetView(
      { id: "b1", workspaceId: "w", scope: "virtual_key", subjectId: "vk", limitUsd: 50, period: "monthly", alertAtPct: 80 },
      {
        period_start: "2026-12-01T00:00:00.000Z",
        resets_at: "2027-01-01T00:00:00.000Z",
        spent_usd: 12.5,
        reserved_usd: 0,
        remaining_usd: 37.5,
      },
    );
    expect(view).toEqual({
      limit_usd: 50,
      period: "monthly",
      alert_at_pct: 80,
      spend: { period_start: "2026-12-01T00:00:00.000Z", resets_at: "2027-01-01T00:00:00.000Z", spent_usd: 12.5, remaining_usd: 37.5 },
    });
  });
});
