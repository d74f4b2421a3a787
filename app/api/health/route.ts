import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { checkHealth } from "@/lib/health";
import pkg from "@/package.json";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const health = await checkHealth(getDb(), getEnv().database.kind, pkg.version);
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
