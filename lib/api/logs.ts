/**
 * `GET /v1/logs` and `GET /v1/logs/{id}` (docs/GATEWAY.md §8 and §9): the query is parsed by the
 * one log query schema (lib/logs/query.ts), read from the caller's workspace only
 * (lib/store/log-query.ts) and answered in the API's snake_case. Bodies are returned as stored
 * (JSON text, bounded, provider keys already redacted); whoever renders them escapes them.
 */
import { getDb } from "../db";
import { encodeCursor, parseLogQuery } from "../logs/query";
import { attemptView } from "../logs/types";
import { describeLogKeys, logKeyFields } from "../store/log-key-names";
import { getLogWithAttempts, listLogs, SearchTooBroadError, type LogDetailRow, type LogListRow } from "../store/log-query";
import { issuesError } from "../errors";
import { notFound, zodIssues } from "./errors";
import type { ApiContext } from "./handler";
import { isRecord } from "../is-record";

export async function listLogsHandler({ url, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const parsed = parseLogQuery(url.searchParams);
  if (!parsed.success) throw issuesError("bad_request", zodIssues(parsed.error));
  const db = getDb();
  const page = await listLogs(db, principal.workspaceId, parsed.data).catch(searchTooBroadIs400);
  const names = await describeLogKeys(db, principal.workspaceId, page.rows);
  return Response.json({
    object: "list",
    data: page.rows.map((r) => ({ ...toLogItem(r), ...logKeyFields(names, r) })),
    next_cursor: page.next ? encodeCursor(page.next) : null,
  });
}

/** A search too broad for the asked sort is the caller's to narrow: a 400 naming `q`. */
export function searchTooBroadIs400(err: unknown): never {
  if (err instanceof SearchTooBroadError) throw issuesError("bad_request", [{ path: err.param, message: err.message }]);
  throw err;
}

// Log ids are `log_` + 26 characters; anything much longer cannot be one.
const MAX_ID = 128;

export async function getLogHandler({ params, principal }: ApiContext<{ id: string }>): Promise<Response> {
  const id = params.id;
  const row = id.length <= MAX_ID ? await getLogWithAttempts(getDb(), principal.workspaceId, id) : null;
  if (!row) throw notFound("Log", id.slice(0, MAX_ID));
  // The keys' names as the list shows them: one log reads the same in the list, the detail and the export.
  const names = await describeLogKeys(getDb(), principal.workspaceId, [row]);
  return Response.json({ ...toLogDetail(row), ...logKeyFields(names, row) });
}

/** A list row in section 9's snake_case (no bodies). */
export function toLogItem(r: LogListRow) {
  return {
    id: r.id,
    created_at: r.createdAt.toISOString(),
    trace_id: r.traceId,
    metadata: parseObject(r.metadata) ?? {},
    status: r.status,
    provider: r.provider,
    model: r.model,
    stream: r.stream,
    api_key_id: r.apiKeyId,
    virtual_key: r.virtualKeySlug,
    virtual_key_version: r.virtualKeyVersion,
    config: r.configSlug,
    config_version: r.configVersion,
    config_from_api_key: r.configFromKey,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.totalTokens,
    cache_read_tokens: r.cacheReadTokens,
    cache_write_tokens: r.cacheWriteTokens,
    reasoning_tokens: r.reasoningTokens,
    response_id: r.responseId,
    cost: r.cost,
    cost_saved: r.costSaved,
    usage_estimated: r.usageEstimated,
    latency_ms: r.latencyMs,
    overhead_ms: r.overheadMs,
    retry_count: r.retryCount,
    cache_status: r.cacheStatus,
    fallback_used: r.fallbackUsed,
    error_type: r.errorType,
    model_requested: r.modelRequested,
    method: r.method,
    path: r.path,
  };
}

/** One log: the list fields, the stored request and response, and the attempts in order. */
export function toLogDetail(r: LogDetailRow) {
  return {
    ...toLogItem(r),
    api_key_id: r.apiKeyId,
    ...toLogBodies(r),
    attempts: r.attempts.map(attemptView),
  };
}

type StoredBodies = Pick<
  LogDetailRow,
  "requestBody" | "requestBodyTruncated" | "responseBody" | "responseBodyTruncated" | "requestHeaders" | "responseHeaders"
>;

/** A log's stored request and response as the API shows them (GET /v1/logs/{id} and the export with bodies). */
export function toLogBodies(r: StoredBodies) {
  return {
    request_body: r.requestBody,
    request_body_truncated: r.requestBodyTruncated,
    response_body: r.responseBody,
    response_body_truncated: r.responseBodyTruncated,
    request_headers: parseObject(r.requestHeaders) ?? {},
    response_headers: parseObject(r.responseHeaders) ?? {},
  };
}

/** JSON text stored by the log writer -> the object; null when absent or not an object. */
function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}
