import type { Db } from "./db";
import type { RedisHealth } from "./shared/redis";

export type LogQueueHealth = { queued: number; written: number; dropped: number; rejected: number; failed_writes: number; last_error: string | null };

export type Health = {
  status: "ok" | "error";
  db: "ok" | "error";
  database: "sqlite" | "postgresql";
  reason?: string;
  uptime_s: number;
  version: string;
  /** The request-log writer: rows waiting, written, and any lost (dropped: queue full; rejected: refused by the database). */
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
export async function checkHealth(db: Db, kind: Health["database"], version: string, logQueue?: LogQueueHealth, redis: RedisHealth | Promise<RedisHealth> = { redis: "disabled" }): Promise<Health> {
  const [dbResult, redisResult] = await Promise.all([checkDb(db), redis]);
  const base = { database: kind, uptime_s: Math.round(process.uptime()), version, ...(logQueue ? { log_queue: logQueue } : {}), ...redisResult };
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
