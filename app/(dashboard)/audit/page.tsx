/**
 * `/audit`: the audit trail (docs/MANAGEMENT-API.md, "Audit trail"), admins only. The URL is the
 * table's state: this server component parses it with the query schema `GET /v1/audit` uses
 * (lib/audit/query.ts), reads one page from the store, and hands the rows to the client table with
 * links for the next and previous pages and for the JSONL export of the same filters. An invalid URL
 * is not an error page: the filters show which parameter is wrong.
 */
import type { Metadata } from "next";
import type { CursorPaginationProps } from "@/components/data-table/cursor-pagination";
import { CURSOR_STACK_PARAM, cursorLinks, formatCursorStack, parseCursorStack } from "@/components/data-table/cursor-stack";
import { auditEventView } from "@/lib/api/audit";
import { auditFiltersToSearchParams, encodeAuditCursor, parseAuditQuery, type AuditFilters } from "@/lib/audit/query";
import { hasRole } from "@/lib/auth/roles";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { listAuditEvents } from "@/lib/store/audit";
import { AuditExplorer } from "./_components/audit-explorer";
import { describeAuditIssues } from "./_components/audit-issues";

export const metadata: Metadata = { title: "Audit trail" };

type SearchParams = Record<string, string | string[] | undefined>;

const PAGE_SIZES = [25, 50, 100, 200];
const FILTER_PARAMS = ["action", "actor", "target_type", "target_id", "since", "until"];

/** A link to the list: the filters, the cursor and the stack of earlier pages. */
function listHref(filters: AuditFilters, limit: number, cursor: string | null = null, stack: readonly (string | null)[] = []): string {
  const params = auditFiltersToSearchParams(filters, limit);
  if (cursor) params.set("cursor", cursor);
  const formatted = formatCursorStack(stack);
  if (formatted) params.set(CURSOR_STACK_PARAM, formatted);
  const qs = params.toString();
  return qs ? `/audit?${qs}` : "/audit";
}

/** Each filter's text as the URL wrote it (for the form). */
function filterValues(params: SearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of FILTER_PARAMS) {
    const raw = params[id];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) out[id] = value;
  }
  return out;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requireSession("/audit");
  if (!hasRole(user.role, "admin")) {
    return (
      <>
        <h1>Audit trail</h1>
        <div className="alert-error" role="alert">
          <p>
            <strong>You need the admin role to see the audit trail.</strong> Your role in {user.workspaceName} is {user.role}; ask an admin
            or owner of this workspace.
          </p>
        </div>
      </>
    );
  }
  const { [CURSOR_STACK_PARAM]: rawStack, ...params } = await searchParams;
  const parsed = parseAuditQuery(params);
  const values = filterValues(params);
  const urlKey = JSON.stringify(params);

  if (!parsed.success) {
    return (
      <>
        <h1>Audit trail</h1>
        <AuditExplorer
          urlKey={urlKey}
          filterValues={values}
          urlIssues={describeAuditIssues(parsed.error)}
          exportHref={null}
          rows={null}
          pagination={null}
        />
      </>
    );
  }

  const query = parsed.data;
  const page = await listAuditEvents(getDb(), user.workspaceId, query);
  const currentCursor = query.cursor ? encodeAuditCursor(query.cursor) : null;
  const links = cursorLinks(
    parseCursorStack(typeof rawStack === "string" ? rawStack : undefined),
    currentCursor,
    page.next ? encodeAuditCursor(page.next) : null,
  );
  const { filters, limit } = query;
  const pagination: CursorPaginationProps = {
    noun: page.rows.length === 1 ? "event" : "events",
    rowCount: page.rows.length,
    pageNumber: links.pageNumber,
    firstHref: currentCursor ? listHref(filters, limit) : null,
    previousHref: links.previous ? listHref(filters, limit, links.previous.cursor, links.previous.stack) : null,
    nextHref: links.next ? listHref(filters, limit, links.next.cursor, links.next.stack) : null,
    pageSize: limit,
    pageSizeHrefs: Object.fromEntries(PAGE_SIZES.map((n) => [n, listHref(filters, n)])),
  };
  const exportQuery = auditFiltersToSearchParams(filters).toString();

  return (
    <>
      <h1>Audit trail</h1>
      <p className="muted">
        Every change made through the API or this dashboard, and every sign-in, with who made it, from where, and the state before and
        after. Secrets are never recorded.
      </p>
      <AuditExplorer
        urlKey={urlKey}
        filterValues={values}
        urlIssues={[]}
        exportHref={`/v1/audit/export${exportQuery ? `?${exportQuery}` : ""}`}
        rows={page.rows.map(auditEventView)}
        pagination={pagination}
      />
    </>
  );
}
