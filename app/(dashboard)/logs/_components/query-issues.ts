/** The log query's zod issues as "which parameter, what is wrong", for the URL error state and the filter form. */
import type { z } from "zod";
import type { ToolbarIssue } from "@/components/data-table/toolbar";
import { LOG_FILTERS, METADATA_PREFIX } from "@/lib/logs/query";

export type QueryIssue = ToolbarIssue;

const LABELS: Record<string, string> = Object.fromEntries(LOG_FILTERS.map((f) => [f.id, f.label]));

export function describeQueryIssues(error: z.ZodError): QueryIssue[] {
  return error.issues.map((issue) => {
    const [first, ...rest] = issue.path.map(String);
    const param =
      first === "metadata" && rest.length ? `${METADATA_PREFIX}${rest.join(".")}` : [first, ...rest].filter(Boolean).join(".") || "query";
    return {
      param,
      label: LABELS[first ?? ""] ?? (param.startsWith(METADATA_PREFIX) ? LABELS.metadata : undefined),
      message: issue.message,
    };
  });
}

/** The filter form's field for a parameter (`metadata.env` -> `metadata`). */
export function fieldOf(param: string): string {
  return param.startsWith(METADATA_PREFIX) ? "metadata" : param;
}
