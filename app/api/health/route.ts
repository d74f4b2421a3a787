import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { checkHealth, logQueueHealth } from "@/lib/health";
import { logRetentionHealth } from "@/lib/logs/retention";
import { getLogWriter } from "@/lib/logs/writer";
import { checkRedis, type RedisHealth } from "@/lib/redis";
import pkg from "@/package.json";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const logQueue = logQueueHealth(getLogWriter().stats());
  // Redis (bounded by 1 s) is checked alongside the database (bounded by 2 s); it never fails the status.
  const redis = checkRedis().catch((err: unknown): RedisHealth => ({ redis: "error", redis_reason: (err as Error).message }));
  const health = await checkHealth(getDb(), getEnv().database.kind, pkg.version, logQueue, redis);
  // The log retention's last run (any instance's), when the database answers.
  const body = health.db === "ok" ? { ...health, log_retention: await logRetentionHealth(getDb()).catch(() => null) } : health;
  return Response.json(body, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
