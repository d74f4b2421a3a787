import type { Db } from "./db";

export type Health = { status: "ok" | "error"; db: "ok" | "error"; database: "sqlite" | "postgresql"; reason?: string; uptime_s: number; version: string };

const DB_TIMEOUT_MS = 2_000;

/** Checks the database with a trivial query, bounded in time. */
export async function checkHealth(db: Db, kind: Health["database"], version: string): Promise<Health> {
  const base = { database: kind, uptime_s: Math.round(process.uptime()), version };
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
