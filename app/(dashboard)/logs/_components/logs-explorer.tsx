"use client";

/**
 * The log explorer's interactive half. The server page parsed the URL, queried one page and
 * computed the pagination links; this renders the filters and the table and turns every change
 * (filters applied, a sort header clicked, a trace id clicked) into a new URL built by
 * logQueryToSearchParams, which the server then answers. Nothing is filtered or sorted here. The
 * Export control downloads the same query from GET /v1/logs/export. A relative range (`range=1h`)
 * is carried by every link made here. Saved views and the column layout (hidden columns, widths)
 * are the signed-in user's, stored through /v1/log-views and /v1/log-columns.
 */
import "@/lib/browser/zod-jitless"; // first: zod must not probe for eval under the CSP
import type { SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useEffect, useMemo, useRef, useState, useTransition } from "react";
import { CursorPagination, type CursorPaginationProps } from "@/components/data-table/cursor-pagination";
import { DataTable } from "@/components/data-table/data-table";
import {
  DEFAULT_LOG_SORT,
  logQueryToSearchParams,
  parseLogQuery,
  parseLogRange,
  type LogFilters,
  type LogRange,
  type LogSort,
  type LogSortField,
} from "@/lib/logs/query";
import { sendJson } from "@/lib/browser/submit-json";
import { DEFAULT_LOG_COLUMN_LAYOUT, type LogColumnLayout } from "@/lib/logs/views";
import { ColumnChooser } from "./column-chooser";
import { LogViews, type LogViewItem } from "./log-views";
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
  /** The URL's relative range as written (`1h`), when it has one. */
  range?: string;
  /** The signed-in user's saved views in this workspace. */
  views?: readonly LogViewItem[];
  /** The user's column layout, as stored. */
  columnLayout?: LogColumnLayout;
  /** The matching requests' count and cost (streamed by the server page). */
  totals?: ReactNode;
};

function href(filters: LogFilters, sort: LogSort, limit?: number, range?: LogRange): string {
  const qs = logQueryToSearchParams({ filters, sort, limit, range }).toString();
  return qs ? `/logs?${qs}` : "/logs";
}

/** How long after the last change the column layout is stored (a drag is many changes). */
const LAYOUT_SAVE_DELAY_MS = 400;

export function LogsExplorer({
  queryString,
  urlKey,
  filterValues,
  urlIssues,
  suggestions,
  rows,
  pagination,
  range,
  views = [],
  columnLayout = DEFAULT_LOG_COLUMN_LAYOUT,
  totals,
}: LogsExplorerProps) {
  const router = useRouter();
  /** Rows the last live refresh brought (marked until the next one). */
  const [newRows, setNewRows] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, startTransition] = useTransition();
  const current = useMemo(() => {
    const parsed = parseLogQuery(new URLSearchParams(queryString));
    return parsed.success ? parsed.data : { filters: {}, sort: DEFAULT_LOG_SORT, limit: undefined, range: undefined };
  }, [queryString]);
  const [layout, setLayout] = useState<LogColumnLayout>(columnLayout);
  const [layoutStatus, setLayoutStatus] = useState("");
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The layout changed and not yet sent to be stored. */
  const unsaved = useRef<LogColumnLayout | null>(null);
  const changeLayout = (next: LogColumnLayout) => {
    setLayout(next);
    setLayoutStatus("Saving…");
    unsaved.current = next;
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(async () => {
      saveTimer.current = null;
      unsaved.current = null;
      const r = await sendJson<LogColumnLayout>("/v1/log-columns", "PUT", next);
      setLayoutStatus(r.ok ? "Saved for your account." : `Could not save: ${r.message}`);
    }, LAYOUT_SAVE_DELAY_MS);
  };
  useEffect(() => {
    // A change still waiting for its save when the explorer is left (another page of the dashboard,
    // a reload, the tab closed) is sent then, with keepalive so that it outlives the page.
    const saveNow = () => {
      if (saveTimer.current) clearTimeout(saveTimer.current);
      saveTimer.current = null;
      const next = unsaved.current;
      unsaved.current = null;
      if (next) void sendJson<LogColumnLayout>("/v1/log-columns", "PUT", next, { keepalive: true });
    };
    window.addEventListener("pagehide", saveNow);
    return () => {
      window.removeEventListener("pagehide", saveNow);
      saveNow();
    };
  }, []);
  const columnVisibility = useMemo(() => Object.fromEntries(layout.hidden.map((id) => [id, false])), [layout.hidden]);

  const go = (to: string) => startTransition(() => router.push(to));
  const columns = useMemo(
    () =>
      createLogColumns({
        traceHref: (traceId) => href({ ...current.filters, trace_id: traceId }, current.sort, current.limit, current.range),
      }),
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
    go(href(current.filters, sort, current.limit, current.range));
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
      <LogViews
        views={views}
        currentQuery={rows === null ? null : logQueryToSearchParams({ ...current, cursor: null }).toString()}
        hiddenColumns={layout.hidden}
        onApplyColumns={(hidden) =>
          changeLayout({ ...layout, hidden: hidden.filter((id) => id !== "created_at") as LogColumnLayout["hidden"] })
        }
      />
      <LogFiltersForm
        range={range}
        urlKey={urlKey}
        values={filterValues}
        suggestions={suggestions}
        urlIssues={urlIssues}
        busy={busy}
        onApply={(filters, chosen) => go(href(filters, current.sort, current.limit, parseLogRange(chosen ?? "") ?? undefined))}
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
            <ColumnChooser
              hidden={layout.hidden}
              widths={layout.widths}
              onWidth={(id, width) => {
                const widths = { ...layout.widths };
                if (width === null) delete widths[id];
                else widths[id] = width;
                changeLayout({ ...layout, widths });
              }}
              status={layoutStatus}
              onToggle={(id, shown) =>
                changeLayout({ ...layout, hidden: shown ? layout.hidden.filter((h) => h !== id) : [...layout.hidden, id] })
              }
              onResetWidths={() => changeLayout({ ...layout, widths: {} })}
            />
            <LogExport filters={current.filters} sort={current.sort} range={current.range} />
          </div>
          {totals}
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
            columnVisibility={columnVisibility}
            columnWidths={layout.widths}
            onColumnResize={(id, width) => {
              const widths = { ...layout.widths };
              if (width === null) delete widths[id as keyof typeof widths];
              else widths[id as keyof typeof widths] = width;
              changeLayout({ ...layout, widths });
            }}
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
