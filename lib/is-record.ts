/**
 * Is `value` an object to read fields from: not null, not an array. Any other object passes,
 * class instances too (a Date, a Map): every caller checks parsed JSON (request bodies, configs,
 * stored log text, upstream answers) or values built from it, where only plain objects occur.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
