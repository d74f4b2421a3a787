import type { Db } from "../db";
import { foldRollups, type RollupSource } from "../logs/rollup";
import type { LogRecord } from "../logs/types";
import { dialectOf } from "../db/dialect";
import { logSearchText } from "../logs/search-text";
import { upsertRollupsPrisma } from "./rollups";
import { SQLITE_INDEX_LOGS_BY_ID_SQL } from "./log-search-index";

// Interactive transaction limits: waiting for a pooled connection, and the whole batch.
const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

/**
 * Writes request logs through Prisma (tests, seeding and bench/log-write-cost.ts; the running app's
 * log writer uses lib/store/log-sink.ts, the same rows through the drivers) with their attempts,
 * metadata and response-affinity rows in one transaction: BEGIN, one id
 * lookup, one createMany per table, COMMIT. Idempotent: logs whose id is already stored are
 * skipped together with their attempts, metadata and affinity rows (those were committed with the
 * log), so a retry after a lost COMMIT acknowledgement neither duplicates nor fails. An affinity id
 * already stored (by another log) keeps its first row. Prisma 7 has `skipDuplicates` on PostgreSQL
 * only, so both databases use the same in-transaction pre-filters. The analytics rollups of the
 * logs written (and only those) are added in the same transaction (lib/store/rollups.ts).
 */
export async function insertLogBatch(db: Db, records: readonly LogRecord[]): Promise<void> {
  const unique = dedupeById(records);
  if (unique.length === 0) return;
  const dialect = dialectOf(db);
  await db.$transaction(async (tx) => {
    const stored = await tx.requestLog.findMany({ where: { id: { in: unique.map((r) => r.id) } }, select: { id: true } });
    const storedIds = new Set(stored.map((r) => r.id));
    const fresh = unique.filter((r) => !storedIds.has(r.id));
    if (fresh.length === 0) return;
    await tx.requestLog.createMany({ data: fresh.map(toLogRow) });
    if (dialect === "sqlite") await tx.$executeRawUnsafe(SQLITE_INDEX_LOGS_BY_ID_SQL, JSON.stringify(fresh.map((r) => r.id)));
    const attempts = fresh.flatMap(toAttemptRows);
    if (attempts.length > 0) await tx.requestAttempt.createMany({ data: attempts });
    const metadata = fresh.flatMap(toMetadataRows);
    if (metadata.length > 0) await tx.requestLogMetadata.createMany({ data: metadata });
    for (const s of toSpendRows(fresh)) {
      await tx.spendDaily.upsert({
        where: { scope_subjectId_day: { scope: s.scope, subjectId: s.subjectId, day: s.day } },
        create: s,
        update: { costUsd: { increment: s.costUsd }, requests: { increment: s.requests } },
      });
    }
    await upsertRollupsPrisma(tx, dialect, rollupDeltas(fresh));
    const affinity = dedupeAffinity(fresh.flatMap(toAffinityRows));
    if (affinity.length === 0) return;
    const taken = await tx.responseAffinity.findMany({
      where: { OR: affinity.map((a) => ({ workspaceId: a.workspaceId, id: a.id })) },
      select: { workspaceId: true, id: true },
    });
    const takenKeys = new Set(taken.map(affinityKey));
    const unclaimed = affinity.filter((a) => !takenKeys.has(affinityKey(a)));
    if (unclaimed.length > 0) await tx.responseAffinity.createMany({ data: unclaimed });
  }, TX_OPTIONS);
}

// Errors that the same data will hit again however often it is retried (constraint and value
// errors); anything else (connection, timeout, lock) is worth retrying.
const PERMANENT_CODES = new Set([
  "P2000",
  "P2002",
  "P2003",
  "P2004",
  "P2005",
  "P2006",
  "P2007",
  "P2011",
  "P2012",
  "P2019",
  "P2020",
  "P2023",
]);

/**
 * For LogWriter's `isPermanentError`: true when retrying the same records cannot succeed — Prisma's
 * constraint/value errors, SQLite constraint errors, PostgreSQL data (22xxx) and integrity (23xxx)
 * errors. Busy/locked/connection errors are worth retrying.
 */
export function isPermanentLogWriteError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "PrismaClientValidationError") return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  if (PERMANENT_CODES.has(code)) return true;
  if (err.name === "SqliteError") return code.startsWith("SQLITE_CONSTRAINT") || code === "SQLITE_MISMATCH" || code === "SQLITE_TOOBIG";
  return /^2[23][0-9A-Z]{3}$/.test(code);
}

export function dedupeById(records: readonly LogRecord[]): LogRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

const affinityKey = (a: { workspaceId: string; id: string }) => `${a.workspaceId}\u0000${a.id}`;

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
