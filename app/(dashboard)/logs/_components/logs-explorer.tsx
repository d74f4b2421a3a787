"use client";

/**
 * The log explorer's interactive half. The server page parsed the URL, queried one page and
 * computed the pagination links; this renders the filters and the table and turns every change
 * (filters applied, a sort header clicked, a trace id clicked) into a new URL built by
 * logQueryToSearchParams, which the server then answers. Nothing is filtered or sorted here. The
 * Export control downloads the same query from GET /v1/logs/export.
 */
import "@/lib/browser/zod-jitless"; // first: zod must not probe for eval under the CSP
import type { SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import { CursorPagination, type CursorPaginationProps } from "@/components/data-table/cursor-pagination";
import { DataTable } from "@/components/data-table/data-table";
import {
  DEFAULT_LOG_SORT,
  logQueryToSearchParams,
  parseLogQuery,
  type LogFilters,
  type LogSort,
  type LogSortField,
} from "@/lib/logs/query";
import { LiveTail } from "./live-tail";
import { LogExport } from "./log-export";
import { LogFiltersForm, type FilterSuggestions } from "./log-filters";
import type { LogListItem } from "./log-row";
import { createLogColumns, logDetailHref, SORTABLE_LOG_COLUMNS } from "./logs-columns";
import type { QueryIssue } from "./query-issues";

export type LogsExplorerProps = {
  /** The current query without its cursor, canonical (empty when the URL's query is invalid). */
  queryString: string;
  /** Changes whenever the URL does: the filter form starts again from the URL's values. */
  urlKey: string;
  filterValues: Record<string, string>;
  urlIssues: QueryIssue[];
  suggestions: FilterSuggestions;
  /** null when the URL's query is invalid (nothing was queried). */
  rows: LogListItem[] | null;
  pagination: CursorPaginationProps | null;
};

function href(filters: LogFilters, sort: LogSort, limit?: number): string {
  const qs = logQueryToSearchParams({ filters, sort, limit }).toString();
  return qs ? `/logs?${qs}` : "/logs";
}

export function LogsExplorer({ queryString, urlKey, filterValues, urlIssues, suggestions, rows, pagination }: LogsExplorerProps) {
  const router = useRouter();
  /** Rows the last live refresh brought (marked until the next one). */
  const [newRows, setNewRows] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, startTransition] = useTransition();
  const current = useMemo(() => {
    const parsed = parseLogQuery(new URLSearchParams(queryString));
    return parsed.success ? parsed.data : { filters: {}, sort: DEFAULT_LOG_SORT, limit: undefined };
  }, [queryString]);

  const go = (to: string) => startTransition(() => router.push(to));
  const columns = useMemo(
    () => createLogColumns({ traceHref: (traceId) => href({ ...current.filters, trace_id: traceId }, current.sort, current.limit) }),
    [current],
  );
  const sorting: SortingState = [{ id: current.sort.field, desc: current.sort.direction === "desc" }];
  const hasFilters = Object.keys(current.filters).length > 0 || Object.keys(filterValues).length > 0;

  const onSortingChange = (next: SortingState) => {
    const first = next[0];
    const sort: LogSort =
      first && (SORTABLE_LOG_COLUMNS as readonly string[]).includes(first.id)
        ? { field: first.id as LogSortField, direction: first.desc ? "desc" : "asc" }
        : DEFAULT_LOG_SORT;
    go(href(current.filters, sort, current.limit));
  };

  return (
    <>
      {rows?.length ? (
        // The keyboard's way past the filters, straight to the list's one Tab stop (a row). Without
        // script it is a plain link to the list.
        // biome-ignore lint/a11y/useValidAnchor: a real link (#log-results); the handler only puts the focus on the row
        <a
          className="skip-link skip-link-inline"
          href="#log-results"
          onClick={(event) => {
            const row = document.querySelector<HTMLElement>('#log-results tbody tr[tabindex="0"]');
            if (!row) return;
            event.preventDefault();
            row.focus();
          }}
        >
          Skip to results
        </a>
      ) : null}
      <LogFiltersForm
        urlKey={urlKey}
        values={filterValues}
        suggestions={suggestions}
        urlIssues={urlIssues}
        busy={busy}
        onApply={(filters) => go(href(filters, current.sort, current.limit))}
        onClear={() => go(href({}, current.sort, current.limit))}
      />
      {rows === null ? (
        <div className="empty-state" role="status">
          <p>
            <strong>Nothing was queried:</strong> the URL&apos;s log query is invalid (see above). Fix the filters and press Enter, or{" "}
            <Link href="/logs">start again without filters</Link>.
          </p>
        </div>
      ) : (
        <>
          <div className="logs-actions">
            <LiveTail
              available={current.sort.field === "created_at" && current.sort.direction === "desc" && !pagination?.previousHref}
              rowIds={rows.map((r) => r.id)}
              onNewRows={setNewRows}
            />
            <LogExport filters={current.filters} sort={current.sort} />
          </div>
          <DataTable
            id="log-results"
            label="Request logs"
            cards
            className="logs-table"
            columns={columns}
            data={rows}
            getRowId={(row) => row.id}
            sorting={sorting}
            onSortingChange={onSortingChange}
            rowHref={(row) => logDetailHref(row.id)}
            rowClassName={(row) =>
              [row.status >= 400 ? "row-error" : "", newRows.has(row.id) ? "row-new" : ""].filter(Boolean).join(" ") || undefined
            }
            busy={busy}
            empty={
              hasFilters ? (
                <div className="empty-state">
                  <p>
                    <strong>No requests match these filters.</strong>
                  </p>
                  <p>
                    <Link href={href({}, current.sort, current.limit)}>Clear all filters</Link> or widen the time range.
                  </p>
                </div>
              ) : (
                <div className="empty-state">
                  <p>
                    <strong>No requests logged yet.</strong>
                  </p>
                  <p className="muted">Requests sent through Detour&apos;s /v1 API appear here within a second.</p>
                </div>
              )
            }
          />
          {pagination ? <CursorPagination {...pagination} /> : null}
        </>
      )}
    </>
  );
}
