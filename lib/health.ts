import type { Db } from "./db";
import type { LogWriterStats } from "./logs/log-writer";
import type { RedisHealth } from "./redis";

export type LogQueueHealth = {
  queued: number;
  written: number;
  dropped: number;
  rejected: number;
  failed_writes: number;
  last_error: string | null;
  /** Rows moved to `<dataDir>/log-spill/` while the database was failing (since start). */
  spilled: number;
  /** Rows and bytes in spill files not yet replayed (this process's and those it found). */
  spill_pending_rows: number;
  spill_pending_bytes: number;
  spill_files: number;
  /** Rows replayed from spill files into the database (since start). */
  replayed: number;
  /** Failed spill appends or replay I/O errors. */
  spill_errors: number;
  /** Unreadable lines skipped in spill files (a line torn by a crash mid-append). */
  torn_lines: number;
};

/** The log writer's figures as /api/health reports them. */
export function logQueueHealth(s: LogWriterStats): LogQueueHealth {
  return {
    queued: s.queued,
    written: s.written,
    dropped: s.dropped,
    rejected: s.rejected,
    failed_writes: s.failedWrites,
    last_error: s.lastError,
    spilled: s.spill.spilled,
    spill_pending_rows: s.spill.pendingRows,
    spill_pending_bytes: s.spill.pendingBytes,
    spill_files: s.spill.files,
    replayed: s.spill.replayed,
    spill_errors: s.spill.errors,
    torn_lines: s.spill.tornLines,
  };
}

export type Health = {
  status: "ok" | "error";
  db: "ok" | "error";
  database: "sqlite" | "postgresql";
  reason?: string;
  uptime_s: number;
  version: string;
  /** The request-log writer: rows waiting, written, and any lost (dropped: queue full or spill refused; rejected: refused by the database); spill files. */
  log_queue?: LogQueueHealth;
  /**
   * Redis (cross-instance cache invalidation): "disabled" without REDIS_URL. "error" (with
   * `redis_reason`) does not make `status` an error: inference works without Redis, only changes
   * made on other instances then take up to the shortened cache TTL to arrive.
   */
  redis: RedisHealth["redis"];
  redis_reason?: string;
};

const DB_TIMEOUT_MS = 2_000;

/**
 * Checks the database with a trivial query, bounded in time. `redis` is `checkRedis()`'s result
 * (or its promise, awaited alongside the database check); default: disabled. It is reported,
 * never turned into `status: "error"`.
 */
export async function checkHealth(
  db: Db,
  kind: Health["database"],
  version: string,
  logQueue?: LogQueueHealth,
  redis: RedisHealth | Promise<RedisHealth> = { redis: "disabled" },
): Promise<Health> {
  const [dbResult, redisResult] = await Promise.all([checkDb(db), redis]);
  const base = {
    database: kind,
    uptime_s: Math.round(process.uptime()),
    version,
    ...(logQueue ? { log_queue: logQueue } : {}),
    ...redisResult,
  };
  return dbResult === null ? { status: "ok", db: "ok", ...base } : { status: "error", db: "error", reason: dbResult, ...base };
}

/** null when the database answered, else why not. */
async function checkDb(db: Db): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.$queryRawUnsafe("SELECT 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${DB_TIMEOUT_MS} ms`)), DB_TIMEOUT_MS);
      }),
    ]);
    return null;
  } catch (err) {
    return `database unreachable: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}
