/**
 * The keys that move the focus between a table's rows (roving tabindex: the table is one Tab stop
 * and the arrows walk its rows). Framework-free so the rules can be tested without a browser.
 */

/** Rows a Page Up / Page Down key jumps. */
export const ROW_PAGE_STEP = 10;

/**
 * The index of the row the key moves to from `current` among `count` rows, or null when the key
 * does not move between rows (the caller then leaves it alone). Movement stops at either end: no wrap.
 */
export function rowIndexForKey(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  const from = Math.min(Math.max(current, 0), last);
  switch (key) {
    case "ArrowDown":
      return Math.min(from + 1, last);
    case "ArrowUp":
      return Math.max(from - 1, 0);
    case "Home":
      return 0;
    case "End":
      return last;
    case "PageDown":
      return Math.min(from + ROW_PAGE_STEP, last);
    case "PageUp":
      return Math.max(from - ROW_PAGE_STEP, 0);
    default:
      return null;
  }
}

/**
 * Left / Right inside a row: which of its `count` controls gets the focus, where -1 is the row
 * itself. Right from the row goes to its first control, Left from the first control back to the
 * row; null: the key is not Left or Right, or there is nowhere to go.
 */
export function controlIndexForKey(key: string, current: number, count: number): number | null {
  if (key === "ArrowRight") return current + 1 < count ? current + 1 : null;
  if (key === "ArrowLeft") return current >= 0 ? current - 1 : null;
  return null;
}
