import type { Db } from "../db";
import type { LogRecord } from "../logs/types";
import { dialectOf } from "../db/dialect";
import { upsertRollupsPrisma } from "./rollups";
import { SQLITE_INDEX_LOGS_BY_ID_SQL } from "./log-search-index";
import {
  affinityKey,
  dedupeAffinity,
  dedupeById,
  rollupDeltas,
  toAffinityRows,
  toAttemptRows,
  toLogRow,
  toMetadataRows,
  toSpendRows,
} from "./log-rows";

// The rows themselves: lib/store/log-rows.ts (Prisma-free, for the log sink's thread too).
export {
  dedupeAffinity,
  dedupeById,
  rollupDeltas,
  type SpendRow,
  toAffinityRows,
  toAttemptRows,
  toLogRow,
  toMetadataRows,
  toRollupSource,
  toSpendRows,
} from "./log-rows";

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
