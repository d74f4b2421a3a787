/** The log retention in words, for the workspace page and its form (server and browser). */

const daysText = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "day" : "days"}`;

/** What the retention in force (days; 0 = forever) means. */
export function retentionWords(effectiveDays: number): string {
  return effectiveDays === 0 ? "every log is kept" : `logs older than ${daysText(effectiveDays)} are deleted`;
}

/** The default's label in the form's choice. */
export function defaultRetentionLabel(defaultDays: number): string {
  return defaultDays === 0 ? "The default: keep every log" : `The default: ${daysText(defaultDays)}`;
}
