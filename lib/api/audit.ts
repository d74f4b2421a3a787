/**
 * The audit trail (docs/MANAGEMENT-API.md, "Audit trail"), admins only: `GET /v1/audit` answers one
 * page of the workspace's events, newest first, with `next_cursor`; `GET /v1/audit/export` streams
 * every event the same filters match as JSONL (one event per line, the same fields), reading the
 * store a page at a time as the client takes it (lib/api/export-stream.ts, shared with the log
 * export), so memory stays constant however long the trail.
 * The query is parsed by lib/audit/query.ts (the dashboard's /audit page uses the same schema).
 * before/after were stored with their secrets removed (lib/audit/record.ts).
 */
import { parseAuditQuery, encodeAuditCursor, type AuditCursor, type AuditQuery } from "../audit/query";
import { getDb } from "../db";
import { issuesError } from "../errors";
import { listAuditEvents, type AuditEventRow } from "../store/audit";
import { zodIssues } from "./errors";
import { attachmentResponse, pagedExportStream } from "./export-stream";
import type { ApiContext } from "./handler";

/** Rows read per query while exporting (fewer while inference is in flight: lib/api/export-stream.ts). */
export const AUDIT_EXPORT_PAGE = 500;

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One event as the API shows it. */
export function auditEventView(r: AuditEventRow) {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
    action: r.action,
    target: { type: r.targetType, id: r.targetId, label: r.targetLabel },
    address: r.address,
    user_agent: r.userAgent,
    before: parseJson(r.before),
    after: parseJson(r.after),
  };
}

export type AuditEventView = ReturnType<typeof auditEventView>;

function parseQuery(url: URL): AuditQuery {
  const parsed = parseAuditQuery(url.searchParams);
  if (!parsed.success) throw issuesError("bad_request", zodIssues(parsed.error));
  return parsed.data;
}

export async function listAuditHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseQuery(url);
  const page = await listAuditEvents(getDb(), principal.workspaceId, query);
  return Response.json({
    object: "list",
    data: page.rows.map(auditEventView),
    next_cursor: page.next ? encodeAuditCursor(page.next) : null,
  });
}

export async function exportAuditHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const { filters, cursor: start } = parseQuery(url);
  const workspaceId = principal.workspaceId;
  const db = getDb();
  const body = await pagedExportStream<AuditEventRow, AuditCursor>({
    what: "audit export",
    pageRows: AUDIT_EXPORT_PAGE,
    readPage: (cursor, limit) => listAuditEvents(db, workspaceId, { filters, limit, cursor: cursor ?? start }),
    encode: (rows) => rows.map((r) => `${JSON.stringify(auditEventView(r))}\n`).join(""),
  });
  const date = new Date().toISOString().slice(0, 10);
  return attachmentResponse(body, "application/x-ndjson; charset=utf-8", `detour-audit-${date}.jsonl`);
}
