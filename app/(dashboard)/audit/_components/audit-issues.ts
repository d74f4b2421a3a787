/** The audit query's zod issues as "which parameter, what is wrong", for the URL error state and the filter form. */
import type { z } from "zod";
import { AUDIT_FILTERS } from "@/lib/audit/query";

export type AuditQueryIssue = { param: string; label?: string; message: string };

const LABELS: Record<string, string> = Object.fromEntries(AUDIT_FILTERS.map((f) => [f.id, f.label]));

export function describeAuditIssues(error: z.ZodError): AuditQueryIssue[] {
  return error.issues.map((issue) => {
    const param = issue.path.map(String).join(".") || "query";
    return { param, label: LABELS[param], message: issue.message };
  });
}
