/**
 * GET /api/health: the process's health for load balancers and the start-up check (no
 * authentication; nothing secret in it). 200 when the database answers, else 503; Redis, the log
 * writer's queue and spill files, and the log retention's last run are reported beside it. Served
 * by the route file (app/api/health/route.ts) and, in the gateway-only role, by scripts/server.ts.
 */
import pkg from "../../package.json";
import { getDb } from "../db";
import { getEnv } from "../env";
import { checkHealth, logQueueHealth } from "../health";
import { logRetentionHealth } from "../logs/retention";
import { getLogWriter } from "../logs/writer";
import { checkRedis, type RedisHealth } from "../redis";

export async function handleHealth(): Promise<Response> {
  const logQueue = logQueueHealth(getLogWriter().stats());
  // Redis (bounded by 1 s) is checked alongside the database (bounded by 2 s); it never fails the status.
  const redis = checkRedis().catch((err: unknown): RedisHealth => ({ redis: "error", redis_reason: (err as Error).message }));
  const env = getEnv();
  const health = await checkHealth(getDb(), env.database.kind, pkg.version, logQueue, redis);
  // The log retention's last run (any instance's), when the database answers.
  const body = {
    ...health,
    role: env.DETOUR_ROLE,
    ...(health.db === "ok" ? { log_retention: await logRetentionHealth(getDb()).catch(() => null) } : {}),
  };
  return Response.json(body, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
