/**
 * The gateway's memory of where Responses API objects live (see store.ts for the layers), for the
 * engine: remember a response or conversation when it is created, look it up for a follow-up,
 * forget it once deleted. The process's one store lives in the runtime (lib/runtime.ts).
 */
import { getDb } from "../../db";
import { logger } from "../../logger";
import { getRedis, redisKey } from "../../redis";
import { getRuntime } from "../../runtime";
import { AffinityStore } from "./store";
import type { AffinityRecord } from "./types";

export { credentialFingerprint } from "./fingerprint";
export type { AffinityKind, AffinityRecord, AffinityTarget } from "./types";

function store(): AffinityStore {
  const rt = getRuntime();
  rt.affinity ??= new AffinityStore({
    redis: () => getRedis()?.command ?? null,
    redisKey,
    db: getDb,
    warn: (obj, msg) => logger.warn(obj, msg),
  });
  return rt.affinity;
}

/** Synchronous for the caller: the local cache at once; Redis (when configured) in the background. The
 *  database row is written by the log writer from the log row's `affinity` (the caller puts it there). */
export function rememberAffinity(record: AffinityRecord): void {
  void store().remember(record);
}

/** Local cache -> Redis (when configured; a Redis error or timeout falls through) -> database. null = unknown. */
export function lookupAffinity(workspaceId: string, id: string): Promise<AffinityRecord | null> {
  return store().lookup(workspaceId, id);
}

/** Whether this answer is the first to show a background response's usage, and so counts it (store.ts). */
export function claimBackgroundUsage(workspaceId: string, id: string): Promise<boolean> {
  return store().claimUsage(workspaceId, id);
}

/** After a successful DELETE of a response: local, Redis, and the database row (off the request path). */
export function forgetAffinity(workspaceId: string, id: string): void {
  void store().forget(workspaceId, id);
}
