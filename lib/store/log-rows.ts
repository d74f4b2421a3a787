/**
 * A request log's rows as the database stores them (the log, its attempts, metadata, affinity and
 * spend rows, and the rollup deltas of a batch): what every writer of logs inserts, through Prisma
 * (insertLogBatch, lib/store/logs.ts) or the drivers (the log sink, lib/store/log-sink.ts, on its
 * own thread; the seeder). Free of Prisma, so the sink's thread does not load its client.
 */
import { foldRollups, type RollupSource } from "../logs/rollup";
import { logSearchText } from "../logs/search-text";
import type { LogRecord } from "../logs/types";

export function dedupeById(records: readonly LogRecord[]): LogRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

/** The key of an affinity row: its workspace and id. */
export const affinityKey = (a: { workspaceId: string; id: string }) => `${a.workspaceId}\u0000${a.id}`;

/** One row per (workspaceId, id), the first in the batch: the same id named twice keeps its first target. */
export function dedupeAffinity<T extends { workspaceId: string; id: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((a) => !seen.has(affinityKey(a)) && seen.add(affinityKey(a)));
}

// PostgreSQL text cannot hold NUL; replace it on both databases so they store the same thing.
function text(value: string): string;
function text(value: string | null): string | null;
function text(value: string | null): string | null {
  if (value === null) return null;
  const clean = value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
  // A lone UTF-16 surrogate (a metadata value parsed from "\ud800", say) becomes U+FFFD, as
  // node-postgres's UTF-8 encoding would make it, where SQLite would store 3 bytes read back as
  // three U+FFFD and PostgreSQL's json input (the sink's batches) would refuse the whole batch.
  return (clean as WellFormed).isWellFormed() ? clean : (clean as WellFormed).toWellFormed();
}

/** ES2024 string methods (Node.js 20 has them; the project's TypeScript lib is ES2023). */
type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };

/** A SpendDaily increment: a subject's charged cost on one day. */
export type SpendRow = { scope: string; subjectId: string; day: string; workspaceId: string; costUsd: number; requests: number };

/**
 * The SpendDaily increments of the logs written (only those: a retried batch does not count twice),
 * one per (scope, subject, day), from each record's `spend` (what the budgets charged).
 */
export function toSpendRows(records: readonly LogRecord[]): SpendRow[] {
  const rows = new Map<string, SpendRow>();
  for (const r of records) {
    const spend = r.spend;
    if (!spend || !(spend.usd > 0)) continue;
    for (const subject of spend.subjects) {
      const key = `${subject.scope}\0${subject.id}\0${spend.day}`;
      const row = rows.get(key);
      if (row) {
        row.costUsd += spend.usd;
        row.requests++;
      } else {
        rows.set(key, {
          scope: subject.scope,
          subjectId: subject.id,
          day: spend.day,
          workspaceId: r.workspaceId,
          costUsd: spend.usd,
          requests: 1,
        });
      }
    }
  }
  return [...rows.values()];
}

/** What a log adds to the analytics rollups, from its fields as stored (the same as toLogRow's). */
export function toRollupSource(r: LogRecord): RollupSource {
  return {
    workspaceId: r.workspaceId,
    createdAt: r.createdAt,
    status: r.status,
    provider: r.provider,
    model: text(r.model),
    path: text(r.path),
    apiKeyId: r.apiKeyId,
    virtualKeySlug: r.virtualKeySlug,
    configSlug: r.configSlug,
    cost: r.cost,
    costSaved: r.costSaved ?? null,
    fallbackUsed: r.fallbackUsed,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    totalTokens: r.totalTokens,
    latencyMs: Math.round(r.latencyMs),
  };
}

/** The rollup deltas of the logs written (only those: a retried batch adds nothing), sorted by key. */
export function rollupDeltas(fresh: readonly LogRecord[]) {
  return foldRollups(fresh.map(toRollupSource));
}

export function toLogRow(r: LogRecord) {
  return {
    id: r.id,
    workspaceId: r.workspaceId,
    createdAt: r.createdAt,
    traceId: text(r.traceId),
    metadata: r.metadata === null ? null : JSON.stringify(r.metadata),
    apiKeyId: r.apiKeyId,
    configSlug: r.configSlug,
    configVersion: r.configVersion,
    // Records spilled by an older version lack the fields added since (lib/logs/spill.ts).
    configFromKey: r.configFromKey ?? false,
    method: r.method,
    path: text(r.path),
    modelRequested: text(r.modelRequested),
    stream: r.stream,
    status: r.status,
    errorType: r.errorType,
    provider: r.provider,
    model: text(r.model),
    virtualKeySlug: r.virtualKeySlug,
    virtualKeyVersion: r.virtualKeyVersion,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    totalTokens: r.totalTokens,
    cacheReadTokens: r.cacheReadTokens ?? null,
    cacheWriteTokens: r.cacheWriteTokens ?? null,
    reasoningTokens: r.reasoningTokens ?? null,
    responseId: text(r.responseId ?? null),
    cost: r.cost,
    costSaved: r.costSaved ?? null,
    usageEstimated: r.usageEstimated ?? false,
    latencyMs: Math.round(r.latencyMs),
    overheadMs: r.overheadMs,
    retryCount: r.retryCount,
    cacheStatus: r.cacheStatus,
    fallbackUsed: r.fallbackUsed,
    requestBody: text(r.requestBody),
    requestBodyTruncated: r.requestBodyTruncated,
    responseBody: text(r.responseBody),
    responseBodyTruncated: r.responseBodyTruncated,
    requestHeaders: text(r.requestHeaders),
    responseHeaders: text(r.responseHeaders),
    // The words `q` searches (lib/logs/search-text.ts), indexed by the database (0016_log_search).
    searchText: text(logSearchText(r)),
  };
}

export function toAttemptRows(r: LogRecord) {
  return r.attempts.map((a) => ({
    logId: r.id,
    workspaceId: r.workspaceId,
    logCreatedAt: r.createdAt,
    index: a.index,
    targetPath: text(a.targetPath),
    provider: a.provider,
    virtualKeySlug: a.virtualKeySlug,
    virtualKeyVersion: a.virtualKeyVersion,
    model: text(a.model),
    status: a.status,
    errorClass: a.errorClass,
    errorMessage: text(a.errorMessage),
    latencyMs: Math.round(a.latencyMs),
    retry: a.retry,
    startedAt: a.startedAt,
  }));
}

export function toMetadataRows(r: LogRecord) {
  if (r.metadata === null) return [];
  return Object.entries(r.metadata).map(([key, value]) => ({
    logId: r.id,
    workspaceId: r.workspaceId,
    logCreatedAt: r.createdAt,
    key: text(key),
    value: text(value),
  }));
}

export function toAffinityRows(r: LogRecord) {
  // Records spilled by an older version have no `affinity`.
  return (r.affinity ?? []).map((a) => ({
    workspaceId: a.workspaceId,
    id: text(a.id),
    kind: a.kind,
    provider: a.provider,
    virtualKeyId: a.virtualKeyId,
    virtualKeySlug: a.virtualKeySlug,
    virtualKeyVersion: a.virtualKeyVersion,
    deployment: text(a.deployment),
    upstream: text(a.upstream),
    credential: a.credential,
    configSlug: a.configSlug,
    targetPath: text(a.targetPath),
    createdAt: a.createdAt,
  }));
}
