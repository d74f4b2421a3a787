"use client";

/**
 * The audit page's interactive half. The server page parsed the URL, queried one page and computed
 * the pagination and export links; this renders the filters and the table, and turns applied
 * filters into a new URL, which the server then answers. Nothing is filtered here.
 */
import "@/lib/browser/zod-jitless"; // first: zod must not probe for eval under the CSP
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import { CursorPagination, type CursorPaginationProps } from "@/components/data-table/cursor-pagination";
import { DataTable } from "@/components/data-table/data-table";
import { DataTableToolbar, ToolbarInput, ToolbarSelect } from "@/components/data-table/toolbar";
import type { AuditEventView } from "@/lib/api/audit";
import { AUDIT_ACTIONS, AUDIT_FILTERS, AUDIT_TARGET_TYPES, auditFiltersToSearchParams, parseAuditQuery } from "@/lib/audit/query";
import { createAuditColumns } from "./audit-columns";
import { AuditChangeDialog } from "./audit-change-dialog";
import { describeAuditIssues, type AuditQueryIssue } from "./audit-issues";

export type AuditExplorerProps = {
  /** Changes whenever the URL does: the filter form starts again from the URL's values. */
  urlKey: string;
  filterValues: Record<string, string>;
  urlIssues: AuditQueryIssue[];
  /** The JSONL export of the current filters (null when the URL's query is invalid). */
  exportHref: string | null;
  /** null when the URL's query is invalid (nothing was queried). */
  rows: AuditEventView[] | null;
  pagination: CursorPaginationProps | null;
};

const HINTS = Object.fromEntries(AUDIT_FILTERS.map((f) => [f.id, f.hint])) as Record<string, string>;
const ACTION_SUGGESTIONS = [...new Set(AUDIT_ACTIONS.map((a) => `${a.split(".")[0]}.`)), ...AUDIT_ACTIONS];

/** The form's fields as a URL, or what is wrong with them. */
function readForm(form: HTMLFormElement): { href: string | null; issues: AuditQueryIssue[] } {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const f of AUDIT_FILTERS) {
    const value = String(data.get(f.id) ?? "").trim();
    if (value) params.set(f.id, value);
  }
  const limit = String(data.get("limit") ?? "");
  if (limit) params.set("limit", limit);
  const parsed = parseAuditQuery(params);
  if (!parsed.success) return { href: null, issues: describeAuditIssues(parsed.error) };
  const qs = auditFiltersToSearchParams(parsed.data.filters, parsed.data.limit).toString();
  return { href: qs ? `/audit?${qs}` : "/audit", issues: [] };
}

export function AuditExplorer({ urlKey, filterValues, urlIssues, exportHref, rows, pagination }: AuditExplorerProps) {
  const router = useRouter();
  const [busy, startTransition] = useTransition();
  const [issues, setIssues] = useState<readonly AuditQueryIssue[]>(urlIssues);
  const [shownKey, setShownKey] = useState(urlKey);
  const [open, setOpen] = useState<AuditEventView | null>(null);
  if (shownKey !== urlKey) {
    setShownKey(urlKey);
    setIssues(urlIssues);
  }
  const go = (to: string) => startTransition(() => router.push(to));
  const columns = useMemo(() => createAuditColumns({ onShowChange: setOpen }), []);
  const invalid = new Set(issues.map((i) => i.param));
  const hasFilters = Object.keys(filterValues).length > 0;
  const limit = pagination?.pageSize;

  return (
    <>
      <DataTableToolbar
        key={urlKey}
        label="Filter the audit trail"
        busy={busy}
        issues={issues}
        onApply={(form) => {
          const { href, issues: found } = readForm(form);
          setIssues(found);
          if (href) go(href);
        }}
        onClear={() => go("/audit")}
        actions={
          exportHref ? (
            <a className="btn btn-sm" href={exportHref} download>
              Export JSONL
            </a>
          ) : null
        }
      >
        <ToolbarInput
          name="action"
          label="Action"
          defaultValue={filterValues.action}
          hint={HINTS.action}
          placeholder="config. or api_key.rotate"
          suggestions={ACTION_SUGGESTIONS}
          invalid={invalid.has("action")}
        />
        <ToolbarInput
          name="actor"
          label="Actor"
          defaultValue={filterValues.actor}
          hint={HINTS.actor}
          placeholder="email, key name or id"
          invalid={invalid.has("actor")}
        />
        <ToolbarSelect
          name="target_type"
          label="Target type"
          defaultValue={filterValues.target_type ?? ""}
          hint={HINTS.target_type}
          options={[
            { value: "", label: "Any" },
            ...[
              ...AUDIT_TARGET_TYPES,
              ...(filterValues.target_type && !(AUDIT_TARGET_TYPES as readonly string[]).includes(filterValues.target_type)
                ? [filterValues.target_type]
                : []),
            ].map((t) => ({ value: t, label: t })),
          ]}
          invalid={invalid.has("target_type")}
        />
        <ToolbarInput
          name="target_id"
          label="Target id"
          defaultValue={filterValues.target_id}
          hint={HINTS.target_id}
          placeholder="id"
          invalid={invalid.has("target_id")}
        />
        <ToolbarInput
          name="since"
          label="Since"
          defaultValue={filterValues.since}
          hint={HINTS.since}
          placeholder="2026-01-31"
          invalid={invalid.has("since")}
        />
        <ToolbarInput
          name="until"
          label="Until"
          defaultValue={filterValues.until}
          hint={HINTS.until}
          placeholder="2026-02-01T00:00:00Z"
          invalid={invalid.has("until")}
        />
        {limit ? <input type="hidden" name="limit" value={String(limit)} /> : null}
      </DataTableToolbar>
      {rows === null ? (
        <div className="empty-state" role="status">
          <p>
            <strong>Nothing was queried:</strong> the URL&apos;s audit query is invalid (see above). Fix the filters and press Enter, or{" "}
            <Link href="/audit">start again without filters</Link>.
          </p>
        </div>
      ) : (
        <>
          <DataTable
            label="Audit events"
            columns={columns}
            data={rows}
            getRowId={(row) => row.id}
            sorting={[]}
            busy={busy}
            empty={
              <div className="empty-state">
                <p>
                  <strong>{hasFilters ? "No events match these filters." : "No events recorded yet."}</strong>
                </p>
                {hasFilters ? (
                  <p>
                    <Link href="/audit">Clear all filters</Link> or widen the date range.
                  </p>
                ) : (
                  <p className="muted">Changes made through the API or the dashboard appear here.</p>
                )}
              </div>
            }
          />
          {pagination ? <CursorPagination {...pagination} /> : null}
        </>
      )}
      <AuditChangeDialog event={open} onClose={() => setOpen(null)} />
    </>
  );
}
