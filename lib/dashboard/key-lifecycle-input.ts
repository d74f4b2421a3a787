/**
 * The key-lifecycle form inputs the API keys and virtual keys pages share: an expiry typed in a
 * datetime-local field (read as UTC, as the dashboard shows every time) and a model allow-list typed
 * comma or newline separated. The management API validates what these produce.
 */

/** "2031-06-01T10:00" (a datetime-local value, read as UTC) to "2031-06-01T10:00Z"; empty: none. */
export function expiresAtFromInput(value: string): string | null {
  const v = value.trim();
  return v ? `${v}Z` : null;
}

/** An ISO time to a datetime-local value in UTC, to the minute ("2031-06-01T10:00"). */
export function expiresAtToInput(iso: string | null): string {
  return iso ? iso.slice(0, 16) : "";
}

/** The names and globs typed, one per comma or line; null when there are none (any model). */
export function allowedModelsFromInput(value: string): string[] | null {
  const list = value
    .split(/[,\n]/)
    .map((m) => m.trim())
    .filter(Boolean);
  return list.length ? list : null;
}
