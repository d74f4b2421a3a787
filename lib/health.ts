import type { Db } from "./db";

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
};

const DB_TIMEOUT_MS = 2_000;

/** Checks the database with a trivial query, bounded in time. */
export async function checkHealth(db: Db, kind: Health["database"], version: string, logQueue?: LogQueueHealth): Promise<Health> {
  const base = { database: kind, uptime_s: Math.round(process.uptime()), version, ...(logQueue ? { log_queue: logQueue } : {}) };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.$queryRawUnsafe("SELECT 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${DB_TIMEOUT_MS} ms`)), DB_TIMEOUT_MS);
      }),
    ]);
    return { status: "ok", db: "ok", ...base };
  } catch (err) {
    return { status: "error", db: "error", reason: `database unreachable: ${(err as Error).message}`, ...base };
  } finally {
    clearTimeout(timer);
  }
}
