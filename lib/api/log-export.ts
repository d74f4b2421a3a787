/**
 * `GET /v1/logs/export?format=csv|jsonl&bodies=true|false&<filters and sort of GET /v1/logs>`
 * (docs/MANAGEMENT-API.md, "Log export"): every log of the caller's workspace the filters match, in
 * the sort asked for, as one streamed download (lib/api/export-stream.ts: a keyset page at a time,
 * read only when the client has taken the last one, so memory stays constant at any size).
 *
 * Each row is the object `GET /v1/logs` returns for a log, with `api_key_id`, and with bodies
 * (`bodies=true`) the stored request and response bodies and headers exactly as `GET /v1/logs/{id}`
 * shows them: stored rows were redacted before they were written (lib/gateway/request/
 * log-redaction.ts), and nothing is read that the detail does not show (no attempts either).
 * JSONL writes each object on its own line; CSV writes EXPORT_COLUMNS (lib/http/csv.ts: RFC 4180,
 * formula cells neutralised), metadata and headers as JSON text.
 *
 * `limit` and `cursor` are refused (400 naming them): an export is the whole result, not a page.
 * Every parameter is checked before a byte of the file is sent.
 */
import { z } from "zod";
import { getDb, type Db } from "../db";
import { issuesError, type ErrorIssue } from "../errors";
import { csvRecord } from "../http/csv";
import { parseLogQuery, type LogCursor, type LogQuery } from "../logs/query";
import { listLogExportExtras, listLogs, type LogExportExtras, type LogListRow } from "../store/log-query";
import { zodIssues } from "./errors";
import { attachmentResponse, fileTimestamp, pagedExportStream, type PagedExport } from "./export-stream";
import type { ApiContext } from "./handler";
import { describeLogKeys, type LogKeyNames, logKeyFields } from "../store/log-key-names";
import { toLogBodies, toLogItem } from "./logs";

/** Rows read per page: lists are narrow; with bodies a row may hold 2 x 32 KiB of body text. */
export const LOG_EXPORT_PAGE = { rows: 1000, withBodies: 100 } as const;

/** The CSV columns, in order: the export object's fields (JSONL has the same keys). */
export const EXPORT_COLUMNS = [
  "id",
  "created_at",
  "trace_id",
  "status",
  "provider",
  "model",
  "model_requested",
  "method",
  "path",
  "stream",
  "config",
  "config_version",
  "config_from_api_key",
  "virtual_key",
  "virtual_key_name",
  "virtual_key_version",
  "api_key_id",
  "api_key_name",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost",
  "cost_saved",
  "latency_ms",
  "overhead_ms",
  "fallback_used",
  "retry_count",
  "cache_status",
  "error_type",
  "response_id",
  "metadata",
] as const satisfies readonly (keyof LogExportItem)[];

export const EXPORT_BODY_COLUMNS = [
  "request_body",
  "request_body_truncated",
  "response_body",
  "response_body_truncated",
  "request_headers",
  "response_headers",
] as const satisfies readonly (keyof ReturnType<typeof toLogBodies>)[];

export type LogExportItem = ReturnType<typeof toLogItem> & ReturnType<typeof logKeyFields> & { api_key_id: string | null };

const FORMATS = {
  csv: { contentType: "text/csv; charset=utf-8", extension: "csv" },
  jsonl: { contentType: "application/x-ndjson; charset=utf-8", extension: "jsonl" },
} as const;
type ExportFormat = keyof typeof FORMATS;

const OWN_PARAMS = ["format", "bodies"] as const;
const REFUSED_PARAMS = {
  limit: "is not accepted by the export, which holds every matching log; narrow it with from and to",
  cursor: "is not accepted by the export, which always starts at the first matching log; narrow it with from and to",
} as const;

const ownSchema = z.strictObject({
  format: z.enum(["csv", "jsonl"], { error: "must be csv or jsonl" }),
  bodies: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
});

export type LogExportRequest = { query: LogQuery; format: ExportFormat; bodies: boolean };

/** The export's parameters, or a 400 listing every issue (each naming its parameter). */
export function parseLogExportRequest(params: URLSearchParams): LogExportRequest {
  const issues: ErrorIssue[] = [];
  const own: Record<string, string> = {};
  const rest = new URLSearchParams();
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (key in REFUSED_PARAMS) issues.push({ path: key, message: REFUSED_PARAMS[key as keyof typeof REFUSED_PARAMS] });
    else if ((OWN_PARAMS as readonly string[]).includes(key)) {
      if (values.length > 1) issues.push({ path: key, message: `is given ${values.length} times; give it once` });
      else own[key] = values[0]!;
    } else for (const v of values) rest.append(key, v);
  }
  const ownParsed = ownSchema.safeParse(own);
  if (!ownParsed.success) {
    for (const issue of zodIssues(ownParsed.error)) {
      if (issues.some((i) => i.path === issue.path)) continue; // given twice: said already
      issues.push(issue.path === "format" && own.format === undefined ? { path: "format", message: "is required: csv or jsonl" } : issue);
    }
  }
  const query = parseLogQuery(rest);
  if (!query.success) issues.push(...zodIssues(query.error));
  if (issues.length > 0 || !ownParsed.success || !query.success) throw issuesError("bad_request", issues);
  return { query: query.data, format: ownParsed.data.format, bodies: ownParsed.data.bodies === "true" };
}

/** One exported log: the list object, its API key, and (bodies) what GET /v1/logs/{id} shows of its request and response. */
export function toExportItem(row: LogListRow, extras: LogExportExtras | undefined, bodies: boolean, names: LogKeyNames) {
  const item: LogExportItem = { ...toLogItem(row), ...logKeyFields(names, row), api_key_id: extras?.apiKeyId ?? null };
  if (!bodies) return item;
  return {
    ...item,
    ...toLogBodies({
      requestBody: extras?.requestBody ?? null,
      requestBodyTruncated: extras?.requestBodyTruncated ?? false,
      responseBody: extras?.responseBody ?? null,
      responseBodyTruncated: extras?.responseBodyTruncated ?? false,
      requestHeaders: extras?.requestHeaders ?? null,
      responseHeaders: extras?.responseHeaders ?? null,
    }),
  };
}

type ExportItem = ReturnType<typeof toExportItem>;

function encoderFor(format: ExportFormat, bodies: boolean): { head: string; encode: (items: ExportItem[]) => string } {
  if (format === "jsonl") return { head: "", encode: (items) => items.map((i) => `${JSON.stringify(i)}\n`).join("") };
  const columns: readonly string[] = bodies ? [...EXPORT_COLUMNS, ...EXPORT_BODY_COLUMNS] : EXPORT_COLUMNS;
  return {
    head: csvRecord(columns),
    encode: (items) => items.map((i) => csvRecord(columns.map((c) => (i as Record<string, unknown>)[c]))).join(""),
  };
}

/** The export as pages of the store's keyset query (each page up to the size the stream asks for). */
export function logExportPages(
  db: Db,
  workspaceId: string,
  { query, format, bodies }: LogExportRequest,
): PagedExport<ExportItem, LogCursor> {
  const { head, encode } = encoderFor(format, bodies);
  return {
    what: "log export",
    head,
    encode,
    pageRows: bodies ? LOG_EXPORT_PAGE.withBodies : LOG_EXPORT_PAGE.rows,
    async readPage(cursor, limit) {
      const page = await listLogs(db, workspaceId, { ...query, limit, cursor });
      const extras = await listLogExportExtras(
        db,
        workspaceId,
        page.rows.map((r) => ({ id: r.id, createdAt: r.createdAt })),
        bodies,
      );
      const byId = new Map(extras.map((e) => [e.id, e]));
      const names = await describeLogKeys(db, workspaceId, page.rows);
      return { rows: page.rows.map((r) => toExportItem(r, byId.get(r.id), bodies, names)), next: page.next };
    },
  };
}

export async function exportLogsHandler({ url, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const request = parseLogExportRequest(url.searchParams);
  const body = await pagedExportStream(logExportPages(getDb(), principal.workspaceId, request));
  const { contentType, extension } = FORMATS[request.format];
  return attachmentResponse(body, contentType, `detour-logs-${fileTimestamp()}.${extension}`);
}
