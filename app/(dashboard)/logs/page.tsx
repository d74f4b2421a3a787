/**
 * `/logs`: the log explorer. The URL is the table's state: this server component parses it with
 * the log query schema (the one `GET /v1/logs` uses), reads one page from the store, and hands the
 * rows to the client table with links for the next and previous pages. An invalid URL is not an
 * error page: the filters show what it said and which parameter is wrong. Beside the rows: the
 * user's saved views and column layout, and the matching requests' totals (streamed after the rows).
 */
import { Suspense } from "react";
import type { Metadata } from "next";
import type { CursorPaginationProps } from "@/components/data-table/cursor-pagination";
import { CURSOR_STACK_PARAM, cursorLinks, formatCursorStack, parseCursorStack } from "@/components/data-table/cursor-stack";
import { toLogItem } from "@/lib/api/logs";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { PROVIDERS } from "@/lib/gateway/config/schema";
import { PRICED_MODELS } from "@/lib/logs/cost";
import { encodeCursor, LOG_FILTERS, logQueryToSearchParams, METADATA_PREFIX, parseLogQuery, type LogQuery } from "@/lib/logs/query";
import { listConfigs } from "@/lib/store/configs";
import { listFailedAttempts, listLogs, SearchTooBroadError } from "@/lib/store/log-query";
import { describeLogKeys, listKeyChoices, logKeyFields } from "@/lib/store/log-key-names";
import { readLogColumnLayout } from "@/lib/logs/views";
import { listLogViews } from "@/lib/store/log-views";
import { getUserPreference, LOG_COLUMNS_PREFERENCE } from "@/lib/store/user-preferences";
import { LogTotalsLine, LogTotalsPending } from "./_components/log-totals";
import type { LogViewItem } from "./_components/log-views";
import type { FilterSuggestions } from "./_components/log-filters";
import type { FailedAttempt, LogListItem } from "./_components/log-row";
import { LogsExplorer } from "./_components/logs-explorer";
import { LogsSeen } from "../_components/getting-started";
import { describeQueryIssues } from "./_components/query-issues";

export const metadata: Metadata = { title: "Logs" };

type SearchParams = Record<string, string | string[] | undefined>;

const PAGE_SIZES = [25, 50, 100, 200];

const FILTER_IDS = new Set<string>(LOG_FILTERS.map((f) => f.id));

/** Each filter's text as the URL wrote it (for the form), metadata pairs joined as `k=v; k2=v2`. */
function filterValues(params: SearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  const metadata: string[] = [];
  for (const [key, raw] of Object.entries(params)) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    if (key.startsWith(METADATA_PREFIX)) metadata.push(`${key.slice(METADATA_PREFIX.length)}=${value}`);
    else if (FILTER_IDS.has(key)) out[key] = value;
  }
  if (metadata.length) out.metadata = metadata.join("; ");
  return out;
}

/** A too broad search's fix: the same list narrowed to the window of its newest matches (an absolute from/to). */
function newestFix(query: LogQuery, err: SearchTooBroadError): { fix?: { label: string; href: string } } {
  if (!err.newest) return {};
  const { from, to } = err.newest;
  const href = listHref({ ...query, range: undefined, filters: { ...query.filters, from, to } });
  return { fix: { label: `Sort the newest ${err.bound.toLocaleString("en-US")} matches`, href } };
}

/** A link to the list: the query (its cursor and sort included) and the stack of earlier pages. */
function listHref(query: Partial<LogQuery>, cursor: string | null = null, stack: readonly (string | null)[] = []): string {
  const params = logQueryToSearchParams({ ...query, cursor: null });
  if (cursor) params.set("cursor", cursor);
  const formatted = formatCursorStack(stack);
  if (formatted) params.set(CURSOR_STACK_PARAM, formatted);
  const qs = params.toString();
  return qs ? `/logs?${qs}` : "/logs";
}

async function loadSuggestions(workspaceId: string): Promise<FilterSuggestions> {
  const db = getDb();
  const [configs, keys] = await Promise.all([listConfigs(db, workspaceId, { skip: 0, take: 200 }), listKeyChoices(db, workspaceId)]);
  return {
    status: ["2xx", "4xx", "5xx", "429", "500", "502", "503", "504", "4xx,5xx"],
    provider: [...PROVIDERS],
    model: [...PRICED_MODELS],
    config: configs.rows.map((c) => c.slug),
    // Selects by name: the URL keeps the key's id (API keys) or slug (virtual keys), as the logs do.
    virtual_key: keys.virtualKeys.map((k) => ({
      value: k.slug,
      label: `${k.name} (${k.slug})${k.status === "revoked" ? ", revoked" : ""}`,
    })),
    api_key: keys.apiKeys.map((k) => ({ value: k.id, label: `${k.name} (${k.prefix}...)${k.revokedAt ? ", revoked" : ""}` })),
  };
}

/** The user's views and column layout; a failure leaves them empty and default, not the page broken. */
async function loadUserLayout(userId: string, workspaceId: string) {
  const db = getDb();
  const [views, layout] = await Promise.all([
    listLogViews(db, { workspaceId, userId }).catch(() => []),
    getUserPreference(db, userId, LOG_COLUMNS_PREFERENCE).catch(() => null),
  ]);
  return {
    views: views.map((v): LogViewItem => ({ id: v.id, name: v.name, query: v.query, hidden_columns: v.hiddenColumns })),
    columnLayout: readLogColumnLayout(layout),
  };
}

export default async function LogsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requireSession("/logs");
  const { [CURSOR_STACK_PARAM]: rawStack, ...params } = await searchParams;
  const parsed = parseLogQuery(params);
  const userLayoutPromise = loadUserLayout(user.id, user.workspaceId);
  const rawRange = typeof params.range === "string" ? params.range : undefined;
  // Suggestions are a convenience: a failure leaves the datalists empty, not the page broken.
  const suggestionsPromise = loadSuggestions(user.workspaceId).catch((): FilterSuggestions => ({}));
  const urlKey = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => [k, x]))),
  ).toString();
  const values = filterValues(params);

  if (!parsed.success) {
    return (
      <>
        <h1>Logs</h1>
        <LogsExplorer
          queryString=""
          urlKey={urlKey}
          filterValues={values}
          urlIssues={describeQueryIssues(parsed.error)}
          suggestions={await suggestionsPromise}
          rows={null}
          pagination={null}
          range={rawRange}
          {...(await userLayoutPromise)}
        />
      </>
    );
  }

  const query = parsed.data;
  const db = getDb();
  const page = await listLogs(db, user.workspaceId, query).catch((err: unknown) => {
    if (err instanceof SearchTooBroadError) return err;
    throw err;
  });
  if (page instanceof SearchTooBroadError) {
    return (
      <>
        <h1>Logs</h1>
        <LogsExplorer
          queryString=""
          urlKey={urlKey}
          filterValues={values}
          urlIssues={[{ param: page.param, label: "Search", message: page.message, ...newestFix(query, page) }]}
          suggestions={await suggestionsPromise}
          rows={null}
          pagination={null}
          range={query.range?.text}
          {...(await userLayoutPromise)}
        />
      </>
    );
  }
  const names = await describeLogKeys(db, user.workspaceId, page.rows);
  // Rows of this workspace only (listLogs checks each), so their attempts are too.
  const failed = await listFailedAttempts(
    db,
    page.rows.filter((r) => r.fallbackUsed).map((r) => r.id),
  );
  const failedByLog = new Map<string, FailedAttempt[]>();
  for (const a of failed) {
    const list = failedByLog.get(a.logId) ?? [];
    list.push({
      index: a.index,
      target_path: a.targetPath,
      provider: a.provider,
      virtual_key: a.virtualKeySlug,
      status: a.status,
      error: a.errorClass,
    });
    failedByLog.set(a.logId, list);
  }
  const rows: LogListItem[] = page.rows.map((r) => ({
    ...toLogItem(r),
    ...logKeyFields(names, r),
    failed_attempts: failedByLog.get(r.id) ?? [],
  }));

  const base = { filters: query.filters, sort: query.sort, limit: query.limit, range: query.range };
  const currentCursor = query.cursor ? encodeCursor(query.cursor) : null;
  const links = cursorLinks(
    parseCursorStack(typeof rawStack === "string" ? rawStack : undefined),
    currentCursor,
    page.next ? encodeCursor(page.next) : null,
  );
  const pagination: CursorPaginationProps = {
    noun: rows.length === 1 ? "request" : "requests",
    rowCount: rows.length,
    pageNumber: links.pageNumber,
    firstHref: currentCursor ? listHref(base) : null,
    previousHref: links.previous ? listHref(base, links.previous.cursor, links.previous.stack) : null,
    nextHref: links.next ? listHref(base, links.next.cursor, links.next.stack) : null,
    pageSize: query.limit,
    pageSizeHrefs: Object.fromEntries(PAGE_SIZES.map((n) => [n, listHref({ ...base, limit: n })])),
  };

  return (
    <>
      <h1>Logs</h1>
      {rows.length ? <LogsSeen workspaceId={user.workspaceId} /> : null}
      <LogsExplorer
        queryString={logQueryToSearchParams(base).toString()}
        urlKey={urlKey}
        filterValues={values}
        urlIssues={[]}
        suggestions={await suggestionsPromise}
        rows={rows}
        pagination={pagination}
        range={query.range?.text}
        {...(await userLayoutPromise)}
        totals={
          <Suspense fallback={<LogTotalsPending />}>
            <LogTotalsLine
              workspaceId={user.workspaceId}
              filters={query.filters}
              queryString={logQueryToSearchParams({ filters: query.filters, ...(query.range ? { range: query.range } : {}) }).toString()}
            />
          </Suspense>
        }
      />
    </>
  );
}
