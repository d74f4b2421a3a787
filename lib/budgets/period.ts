/**
 * Budget periods on the UTC calendar (docs/GATEWAY.md §12.2). Spend is counted per subject and UTC
 * day; a period is a set of days:
 * - daily: today; resets at 00:00 UTC.
 * - weekly: ISO weeks, Monday 00:00 UTC to the next Monday 00:00 UTC.
 * - monthly: the calendar month; resets at 00:00 UTC on the 1st.
 * - rolling_<N>d: today and the N-1 days before it; spend leaves it day by day (at 00:00 UTC the
 *   oldest day drops out), so its "reset" is the next 00:00 UTC.
 * - total: every day; never resets.
 * A request's cost counts on the day it settles (when its answer ends).
 */
import { type BudgetPeriod, MAX_ROLLING_DAYS } from "./types";

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of `ms` (UTC). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 00:00 UTC of the day holding `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Monday 00:00 UTC of the ISO week holding `ms`. */
export function startOfWeek(ms: number): number {
  const day = startOfDay(ms);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  return day - weekday * DAY_MS;
}

export function startOfMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function startOfNextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** N of "rolling_<N>d", or null when `period` is not a rolling period. */
export function rollingDays(period: string): number | null {
  const m = /^rolling_([1-9][0-9]{0,2})d$/.exec(period);
  if (!m) return null;
  const n = Number(m[1]);
  return n <= MAX_ROLLING_DAYS ? n : null;
}

export function isBudgetPeriod(period: string): period is BudgetPeriod {
  return period === "total" || period === "daily" || period === "weekly" || period === "monthly" || rollingDays(period) !== null;
}

/**
 * The counter a period reads in the ledger (docs/GATEWAY.md §12.3): `t` (total), `d:<day>`,
 * `w:<monday>`, `m:<YYYY-MM>`, or for a rolling period the day counters it sums.
 */
export type PeriodCounters = { fields: string[]; start: number | null; resetsAt: number | null; key: string };

/** The current period of `period` at `now`: its first instant, when it resets, the counters it sums, and a key naming it (alerts). */
export function currentPeriod(period: BudgetPeriod, now: number): PeriodCounters {
  switch (period) {
    case "total":
      return { fields: ["t"], start: null, resetsAt: null, key: "total" };
    case "daily": {
      const start = startOfDay(now);
      return { fields: [`d:${dayOf(start)}`], start, resetsAt: start + DAY_MS, key: dayOf(start) };
    }
    case "weekly": {
      const start = startOfWeek(now);
      return { fields: [`w:${dayOf(start)}`], start, resetsAt: start + 7 * DAY_MS, key: dayOf(start) };
    }
    case "monthly": {
      const start = startOfMonth(now);
      return { fields: [`m:${dayOf(start).slice(0, 7)}`], start, resetsAt: startOfNextMonth(now), key: dayOf(start) };
    }
    default: {
      const n = rollingDays(period);
      if (n === null) throw new Error(`not a budget period: ${period}`);
      const today = startOfDay(now);
      const start = today - (n - 1) * DAY_MS;
      const fields: string[] = [];
      for (let day = start; day <= today; day += DAY_MS) fields.push(`d:${dayOf(day)}`);
      return { fields, start, resetsAt: today + DAY_MS, key: dayOf(start) };
    }
  }
}

/** The counters one settled cost adds to, at `now`: total, its day, its ISO week, its month. */
export function countersAt(now: number): string[] {
  const day = startOfDay(now);
  return ["t", `d:${dayOf(day)}`, `w:${dayOf(startOfWeek(now))}`, `m:${dayOf(day).slice(0, 7)}`];
}

/**
 * Counters no period reads any more at `now` (a settle drops them): last week's, last month's, and
 * the day that just left the longest rolling window. A counter missed (no settle that day) goes with
 * its budget's keys when they expire unused, or stays as a few stray fields.
 */
export function staleCountersAt(now: number): string[] {
  const day = startOfDay(now);
  const lastMonth = new Date(startOfMonth(now) - DAY_MS);
  return [
    `d:${dayOf(day - MAX_ROLLING_DAYS * DAY_MS)}`,
    `w:${dayOf(startOfWeek(now) - 7 * DAY_MS)}`,
    `m:${dayOf(lastMonth.getTime()).slice(0, 7)}`,
  ];
}

/**
 * The counters of a subject rebuilt from its daily spend rows (the database), as of `now`: total,
 * every day of the last MAX_ROLLING_DAYS days, this week and this month.
 */
export function countersFromDays(days: Iterable<{ day: string; costUsd: number }>, now: number): Map<string, number> {
  const counters = new Map<string, number>();
  const add = (field: string, usd: number) => counters.set(field, (counters.get(field) ?? 0) + usd);
  const oldestDay = dayOf(startOfDay(now) - (MAX_ROLLING_DAYS - 1) * DAY_MS);
  const week = `w:${dayOf(startOfWeek(now))}`;
  const weekStart = dayOf(startOfWeek(now));
  const month = dayOf(now).slice(0, 7);
  for (const { day, costUsd } of days) {
    add("t", costUsd);
    if (day >= oldestDay) add(`d:${day}`, costUsd);
    if (day >= weekStart) add(week, costUsd);
    if (day.slice(0, 7) === month) add(`m:${month}`, costUsd);
  }
  return counters;
}

/** The oldest day a subject's rebuild reads besides the total (every rolling period fits). */
export function oldestCountedDay(now: number): string {
  return dayOf(startOfDay(now) - (MAX_ROLLING_DAYS - 1) * DAY_MS);
}
