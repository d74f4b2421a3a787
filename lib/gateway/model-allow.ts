/**
 * Model allow-lists (`allowed_models` on API keys and virtual keys): exact names or globs, where `*`
 * matches any run of characters (none included) and every other character matches itself (so `.`,
 * `?` and `[` are literal: model names contain them). Case-sensitive, as providers' model names are.
 * Dependency-free: the management API validates with the same limits, the dashboard may import it.
 */

/** At most this many patterns per key. */
export const MAX_ALLOWED_MODELS = 100;
export const MAX_MODEL_PATTERN_LENGTH = 200;

/** Whether `model` matches one of `patterns`. */
export function modelAllowed(patterns: readonly string[], model: string): boolean {
  return patterns.some((p) => globMatches(p, model));
}

/** `*` matches any run of characters; the rest literally. Iterative, linear in practice (no regex, no backtracking blow-up). */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** A stored list (JSON text) back to its patterns; null for none (or a value that is not a list of text). */
export function parseAllowedModels(stored: string | null): string[] | null {
  if (stored === null) return null;
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : null;
  } catch {
    return null;
  }
}
