/**
 * The log explorer's date pickers are `<input type="datetime-local">`, which has no time zone of
 * its own: Detour's pickers mean UTC (as every time the dashboard prints). These convert between
 * the URL's text (an ISO 8601 date or date-time with Z or an offset, parsed by the log query's own
 * rule) and the picker's `YYYY-MM-DDTHH:mm:ss` in UTC. Browser-safe, no framework.
 */
import { dateTimeFilter } from "../logs/query";

const urlTime = dateTimeFilter("an ISO 8601 date or time");

/** A Date as the picker writes it, in UTC: seconds always, milliseconds only when there are some. */
export function dateToUtcPicker(date: Date): string {
  const iso = date.toISOString(); // 2026-01-31T12:00:05.000Z
  const ms = iso.slice(19, 23);
  return `${iso.slice(0, 19)}${ms === ".000" ? "" : ms}`;
}

/** The URL's text for the picker; null when the text is not a time the log query accepts (the picker cannot show it). */
export function urlTimeToUtcPicker(text: string | undefined): string | null {
  if (!text) return null;
  const parsed = urlTime.safeParse(text);
  return parsed.success ? dateToUtcPicker(parsed.data) : null;
}

const PICKER = /^(\d{4,}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/;

/** The picker's value as the URL's text, `2026-01-31T12:00:00Z`; null for anything a picker would not produce. */
export function utcPickerToUrlTime(value: string): string | null {
  const m = PICKER.exec(value);
  if (!m) return null;
  return `${m[1]}T${m[2]}${m[3] ?? ":00"}Z`;
}
