/**
 * The affinity store: remembers which target created a Responses API response or conversation, and
 * finds it again on any instance. Three layers, each optional but the last:
 * - the process's LRU (LocalAffinityCache): known records only, never "unknown";
 * - Redis, when REDIS_URL is set: `<DETOUR_REDIS_PREFIX>:affinity:<workspace>:<id>` holding the
 *   record as JSON for REDIS_TTL_SECONDS (a day: follow-ups mostly come within minutes; after that
 *   the database answers). Writes are fire-and-forget; a read waits at most REDIS_LOOKUP_TIMEOUT_MS
 *   and only on a ready connection; any Redis failure falls through to the database, and is logged
 *   at warn at most once a minute;
 * - the database (ResponseAffinity), written by the log writer from the log row's `affinity`, so a
 *   record written moments ago may be only in memory and Redis until the log batch commits.
 * A lookup that finds a record in Redis or the database puts it in the layers above. A database
 * error rejects the lookup: answering "unknown" would send the follow-up to a target that does not
 * have the object.
 *
 * It also settles who counts a background response's usage (`claimUsage`): the create answers before
 * the response runs, so its tokens are first seen by whichever answer shows it finished (a read by
 * id, or the create's own stream). The first claim wins: `SET NX` in Redis across instances (kept
 * USAGE_CLAIM_TTL_SECONDS), this process's memory without Redis or while it fails.
 */
import type Redis from "ioredis";
import type { Db } from "../../db";
import { deleteResponseAffinity, findResponseAffinity } from "../../store/response-affinity";
import { LocalAffinityCache } from "./local-cache";
import type { AffinityRecord } from "./types";

/** How long Redis keeps a record: a day. Older follow-ups are answered from the database. */
export const REDIS_TTL_SECONDS = 86_400;
/** How long Redis remembers that a background response's usage was counted: as long as OpenAI keeps a response. */
export const USAGE_CLAIM_TTL_SECONDS = 30 * 86_400;
/** Background responses whose usage this process counted (or saw counted), at most this many remembered. */
const LOCAL_CLAIMS = 50_000;
/** Upper bound on a Redis read on the request path; past it the database is asked. */
export const REDIS_LOOKUP_TIMEOUT_MS = 250;
const WARN_INTERVAL_MS = 60_000;

export type AffinityStoreOptions = {
  cache?: LocalAffinityCache;
  /** The command connection, or null without REDIS_URL. */
  redis: () => Redis | null;
  /** The full Redis key of a name (lib/redis.ts redisKey). */
  redisKey: (name: string) => string;
  db: () => Db;
  warn: (obj: object, msg: string) => void;
  redisTimeoutMs?: number;
};

export class AffinityStore {
  readonly cache: LocalAffinityCache;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  /** Bumped by every forget(): a lookup that started before one does not cache what it found. */
  private generation = 0;
  /** Usage claims settled in this process (insertion-ordered, oldest dropped first). */
  private readonly claims = new Set<string>();

  constructor(private readonly options: AffinityStoreOptions) {
    this.cache = options.cache ?? new LocalAffinityCache();
  }

  /** The local cache at once; the returned promise settles (never rejects) once Redis has it or failed. */
  remember(record: AffinityRecord): Promise<void> {
    this.cache.set(record);
    return this.writeRedis(record);
  }

  async lookup(workspaceId: string, id: string): Promise<AffinityRecord | null> {
    const local = this.cache.get(workspaceId, id);
    if (local) return local;
    const generation = this.generation;
    const shared = await this.readRedis(workspaceId, id);
    if (shared) {
      if (generation === this.generation) this.cache.set(shared);
      return shared;
    }
    const stored = await findResponseAffinity(this.options.db(), workspaceId, id);
    if (stored && generation === this.generation) {
      this.cache.set(stored);
      void this.writeRedis(stored);
    }
    return stored;
  }

  /** Local at once; the returned promise settles (never rejects) once Redis and the database are done. */
  async forget(workspaceId: string, id: string): Promise<void> {
    this.generation++;
    this.cache.delete(workspaceId, id);
    const client = this.ready();
    await Promise.all([
      client?.del(this.key(workspaceId, id)).catch((err: unknown) => this.warnRedis(err, "DEL")),
      deleteResponseAffinity(this.options.db(), workspaceId, id).catch((err: unknown) =>
        this.options.warn({ err: message(err), workspaceId, id }, "response affinity: could not delete the database row"),
      ),
    ]);
  }

  /**
   * True for the first caller (across instances when Redis is up) to claim a background response's
   * usage: that answer's log row counts its tokens and cost; every later one is told false.
   */
  async claimUsage(workspaceId: string, id: string): Promise<boolean> {
    const local = `${workspaceId}\0${id}`;
    if (this.claims.has(local)) return false;
    this.claims.add(local);
    if (this.claims.size > LOCAL_CLAIMS) this.claims.delete(this.claims.values().next().value!);
    const client = this.ready();
    if (!client) return true;
    try {
      const won = await client.set(this.options.redisKey(`usage:${workspaceId}:${id}`), "1", "EX", USAGE_CLAIM_TTL_SECONDS, "NX");
      return won === "OK";
    } catch (err) {
      this.warnRedis(err, "SET NX");
      return true;
    }
  }

  private key(workspaceId: string, id: string): string {
    return this.options.redisKey(`affinity:${workspaceId}:${id}`);
  }

  /** The connection when it is ready; never waits for one on the request path. */
  private ready(): Redis | null {
    const client = this.options.redis();
    return client?.status === "ready" ? client : null;
  }

  private async writeRedis(record: AffinityRecord): Promise<void> {
    const client = this.ready();
    if (!client) return;
    await client.set(this.key(record.workspaceId, record.id), JSON.stringify(record), "EX", REDIS_TTL_SECONDS).then(
      () => undefined,
      (err: unknown) => this.warnRedis(err, "SET"),
    );
  }

  private async readRedis(workspaceId: string, id: string): Promise<AffinityRecord | null> {
    const client = this.ready();
    if (!client) return null;
    const timeoutMs = this.options.redisTimeoutMs ?? REDIS_LOOKUP_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const raw = await Promise.race([
        client.get(this.key(workspaceId, id)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`GET took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return raw === null ? null : parseRecord(raw, workspaceId, id);
    } catch (err) {
      this.warnRedis(err, "GET");
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private warnRedis(err: unknown, command: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.options.warn({ err: message(err), command }, "response affinity: Redis failed; using this instance's memory and the database");
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const STRING_FIELDS = ["provider", "upstream", "targetPath"] as const;
const NULLABLE_STRING_FIELDS = ["virtualKeyId", "virtualKeySlug", "deployment", "credential", "configSlug"] as const;

/** A record read back from Redis, checked field by field; null when it is not one (or not this id's). */
export function parseRecord(raw: string, workspaceId: string, id: string): AffinityRecord | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  if (value.workspaceId !== workspaceId || value.id !== id) return null;
  if (value.kind !== "response" && value.kind !== "conversation") return null;
  if (!STRING_FIELDS.every((f) => typeof value[f] === "string")) return null;
  if (!NULLABLE_STRING_FIELDS.every((f) => value[f] === null || typeof value[f] === "string")) return null;
  if (value.virtualKeyVersion !== null && !Number.isInteger(value.virtualKeyVersion)) return null;
  const createdAt = new Date(value.createdAt as string);
  if (typeof value.createdAt !== "string" || Number.isNaN(createdAt.getTime())) return null;
  return {
    workspaceId,
    id,
    kind: value.kind,
    provider: value.provider as string,
    virtualKeyId: value.virtualKeyId as string | null,
    virtualKeySlug: value.virtualKeySlug as string | null,
    virtualKeyVersion: value.virtualKeyVersion as number | null,
    deployment: value.deployment as string | null,
    upstream: value.upstream as string,
    credential: value.credential as string | null,
    configSlug: value.configSlug as string | null,
    targetPath: value.targetPath as string,
    createdAt,
  };
}
