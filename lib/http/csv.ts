/**
 * CSV as RFC 4180 writes it, for downloads people open in spreadsheets (the log export):
 * fields separated by commas, records ended by CRLF, a field quoted (`"`, inner quotes doubled)
 * when it holds a comma, a quote, CR or LF.
 *
 * Formula injection: a spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and tab or CR,
 * which some strip before looking) as a formula; logged text is written by whoever called the
 * gateway, so such a cell gets a leading `'` (shown as text, the apostrophe hidden by most
 * spreadsheets; OWASP's "CSV injection" advice). The exported value then differs from the stored
 * one by that first character; the JSONL export keeps values as they are.
 */

const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r"]);

/** One value as a CSV field: null/undefined empty, objects as JSON, text neutralised and quoted as needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (text.length > 0 && FORMULA_START.has(text[0]!)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record with its CRLF. */
export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
