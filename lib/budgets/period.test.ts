import { describe, expect, it } from "vitest";
import { countersAt, countersFromDays, currentPeriod, isBudgetPeriod, rollingDays, staleCountersAt } from "./period";

const at = (iso: string) => Date.parse(iso);

describe("budget periods (UTC)", () => {
  it("daily resets at 00:00 UTC, to the millisecond", () => {
    const p = currentPeriod("daily", at("2026-12-05T23:59:59.999Z"));
    expect(p).toEqual({
      fields: ["d:2026-12-05"],
      start: at("2026-12-05T00:00:00Z"),
      resetsAt: at("2026-12-06T00:00:00Z"),
      key: "2026-12-05",
    });
    expect(currentPeriod("daily", at("2026-12-06T00:00:00.000Z")).fields).toEqual(["d:2026-12-06"]);
  });

  it("weekly runs Monday to Monday (ISO weeks), across a month and a year end", () => {
    // 2026-12-05 is a Saturday; its week began Monday 2026-11-30.
    expect(currentPeriod("weekly", at("2026-12-05T12:00:00Z"))).toMatchObject({
      fields: ["w:2026-11-30"],
      start: at("2026-11-30T00:00:00Z"),
      resetsAt: at("2026-12-07T00:00:00Z"),
    });
    // A Sunday belongs to the week that began six days before; a Monday starts a new one.
    expect(currentPeriod("weekly", at("2027-01-03T23:00:00Z")).fields).toEqual(["w:2026-12-28"]);
    expect(currentPeriod("weekly", at("2027-01-04T00:00:00Z")).fields).toEqual(["w:2027-01-04"]);
  });

  it("monthly resets on the 1st, in February and December too", () => {
    expect(currentPeriod("monthly", at("2028-02-29T10:00:00Z"))).toMatchObject({
      fields: ["m:2028-02"],
      start: at("2028-02-01T00:00:00Z"),
      resetsAt: at("2028-03-01T00:00:00Z"),
    });
    expect(currentPeriod("monthly", at("2026-12-31T23:59:59Z")).resetsAt).toBe(at("2027-01-01T00:00:00Z"));
  });

  it("rolling_<N>d sums today and the N-1 days before", () => {
    const p = currentPeriod("rolling_3d", at("2026-03-01T08:00:00Z"));
    expect(p.fields).toEqual(["d:2026-02-27", "d:2026-02-28", "d:2026-03-01"]);
    expect(p.start).toBe(at("2026-02-27T00:00:00Z"));
    expect(p.resetsAt).toBe(at("2026-03-02T00:00:00Z"));
  });

  it("total never resets", () => {
    expect(currentPeriod("total", at("2026-12-05T00:00:00Z"))).toEqual({ fields: ["t"], start: null, resetsAt: null, key: "total" });
  });

  it("accepts only the named periods and rolling 1-366 days", () => {
    for (const ok of ["total", "daily", "weekly", "monthly", "rolling_1d", "rolling_30d", "rolling_366d"])
      expect(isBudgetPeriod(ok)).toBe(true);
    for (const bad of ["yearly", "rolling_0d", "rolling_367d", "rolling_07d", "rolling_d", "Daily", ""])
      expect(isBudgetPeriod(bad)).toBe(false);
    expect(rollingDays("rolling_30d")).toBe(30);
  });

  it("a settled cost counts in its total, day, week and month", () => {
    expect(countersAt(at("2026-12-05T12:00:00Z"))).toEqual(["t", "d:2026-12-05", "w:2026-11-30", "m:2026-12"]);
  });

  it("names the counters no period reads any more: the day leaving the longest window, last week, last month", () => {
    // 2026-12-05 minus 366 days is 2025-12-04 (2026 has 365 days); the week before 2026-11-30 began 2026-11-23.
    expect(staleCountersAt(at("2026-12-05T12:00:00Z"))).toEqual(["d:2025-12-04", "w:2026-11-23", "m:2026-11"]);
    expect(staleCountersAt(at("2027-01-01T00:00:00Z"))).toEqual(["d:2025-12-31", "w:2026-12-21", "m:2026-12"]);
  });

  it("rebuilds the counters from daily rows", () => {
    const counters = countersFromDays(
      [
        { day: "2024-01-01", costUsd: 5 }, // older than any rolling window: in the total only
        { day: "2026-11-29", costUsd: 1 }, // last week, this... November
        { day: "2026-11-30", costUsd: 2 }, // this week's Monday, November
        { day: "2026-12-05", costUsd: 0.25 },
      ],
      at("2026-12-05T12:00:00Z"),
    );
    expect(Object.fromEntries(counters)).toEqual({
      t: 8.25,
      "d:2026-11-29": 1,
      "d:2026-11-30": 2,
      "d:2026-12-05": 0.25,
      "w:2026-11-30": 2.25,
      "m:2026-12": 0.25,
    });
  });
});
