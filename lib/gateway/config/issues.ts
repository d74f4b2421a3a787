/**
 * Turns zod issues into `{ path, message }` pairs with JavaScript-like paths:
 * `targets[1].retry.attempts`, `strategy.mode`, `strategy.conditions[0].query["metadata.tier"].$in`.
 * The root is the empty path. Paths are rendered and issues joined by lib/errors.ts (formatIssuePath,
 * joinIssues, re-exported here as the config module's names).
 */
import type { z } from "zod";
import { type ErrorIssue, formatIssuePath, joinIssues } from "../../errors";

export type ConfigIssue = ErrorIssue;

export { formatIssuePath, joinIssues as formatConfigIssues };

export function toConfigIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const { path: segments, message } of issues.flatMap(splitUnknownKeys)) {
    const path = formatIssuePath(segments);
    const text = path === "" && /^(must|is) /.test(message) ? `config ${message}` : message;
    const key = `${path}\u0000${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message: text });
  }
  return out;
}

/** Unknown keys: one issue per key, its path pointing at the key so a UI can highlight it. */
function splitUnknownKeys(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code !== "unrecognized_keys") return [{ path: issue.path, message: issue.message }];
  const lines = issue.message.split("\n");
  return issue.keys.map((key, index) => ({
    path: [...issue.path, key],
    message: lines.length === issue.keys.length ? (lines[index] ?? issue.message) : issue.message,
  }));
}
