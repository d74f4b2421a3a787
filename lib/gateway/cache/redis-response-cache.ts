/**
 * The response cache shared by every instance (docs/GATEWAY.md §5.5), with `REDIS_URL`: one Redis
 * string per answer, `<DETOUR_REDIS_PREFIX>:cache:<key>`, holding the cached answer as JSON and
 * expiring after the config's `max_age` (Redis's own expiry: nothing is read past it).
 *
 * It never fails a request: a read that cannot run (not connected, an error, an unreadable value,
 * no answer within READ_TIMEOUT_MS) is a miss, so the request goes upstream; a write that cannot run
 * is skipped. Both log a warning at most every 10 s per instance and count in
 * `detour_response_cache_operations_total{store="redis"}`. A hit costs one GET.
 */
import type Redis from "ioredis";
import { MAX_ENTRY_BYTES, type CachedAnswer, type ResponseCache } from "./response-cache";
import { observeResponseCache } from "../../metrics";

/** Upper bound on a read on the request path; past it the request is a MISS and goes upstream. */
export const READ_TIMEOUT_MS = 100;
/** Upper bound on a write (off the request path: the answer is already on its way). */
export const WRITE_TIMEOUT_MS = 1_000;
/** `max_age` is not bounded by the config; Redis keeps an answer at most a year. */
export const MAX_TTL_MS = 365 * 24 * 60 * 60 * 1000;
const WARN_EVERY_MS = 10_000;

export type RedisResponseCacheOptions = {
  /** The command connection, or null while there is none. */
  client: () => Redis | null;
  /** `<DETOUR_REDIS_PREFIX>:cache`. */
  prefix: string;
  warn: (obj: object, msg: string) => void;
  readTimeoutMs?: number;
  writeTimeoutMs?: number;
};

export class RedisResponseCache implements ResponseCache {
  private lastWarnAt = 0;

  constructor(private readonly options: RedisResponseCacheOptions) {}

  /** The Redis key of a cache key (the hash of responseCacheKey). */
  redisKey(key: string): string {
    return `${this.options.prefix}:${key}`;
  }

  async get(key: string): Promise<CachedAnswer | null> {
    let raw: string | null;
    try {
      raw = await this.run((c) => c.get(this.redisKey(key)), this.options.readTimeoutMs ?? READ_TIMEOUT_MS, "GET");
    } catch (err) {
      this.failed(err, "read", "answering from upstream (MISS)");
      observeResponseCache("redis", "get", "error");
      return null;
    }
    if (raw === null) {
      observeResponseCache("redis", "get", "miss");
      return null;
    }
    const value = parseAnswer(raw);
    if (!value) {
      this.failed(new Error("the stored value is not a cached answer"), "read", "answering from upstream (MISS)");
      observeResponseCache("redis", "get", "error");
      return null;
    }
    observeResponseCache("redis", "get", "hit");
    return value;
  }

  async set(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
    if (ttlMs <= 0 || Buffer.byteLength(value.text) > MAX_ENTRY_BYTES) {
      observeResponseCache("redis", "set", "skipped");
      return;
    }
    const ms = Math.min(Math.ceil(ttlMs), MAX_TTL_MS);
    try {
      await this.run(
        (c) => c.set(this.redisKey(key), JSON.stringify(value), "PX", ms),
        this.options.writeTimeoutMs ?? WRITE_TIMEOUT_MS,
        "SET",
      );
      observeResponseCache("redis", "set", "stored");
    } catch (err) {
      this.failed(err, "write", "the answer is not cached");
      observeResponseCache("redis", "set", "error");
    }
  }

  private async run<T>(command: (client: Redis) => Promise<T>, timeoutMs: number, what: string): Promise<T> {
    const client = this.options.client();
    if (!client) throw new Error("no Redis connection");
    // Not connected: at once, no waiting for a reconnection (the offline queue is off too).
    if (client.status !== "ready") throw new Error(`Redis is not connected (${client.status})`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(client),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(err: unknown, op: string, consequence: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    this.options.warn({ err: err instanceof Error ? err.message : String(err) }, `response cache ${op} failed in Redis; ${consequence}`);
  }
}

/** A stored value back into an answer; null when it is not one (written by something else). */
function parseAnswer(raw: string): CachedAnswer | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const a = v as Record<string, unknown>;
  if (typeof a.status !== "number" || typeof a.text !== "string" || typeof a.contentType !== "string" || typeof a.provider !== "string")
    return null;
  if (typeof a.path !== "string" || (a.model !== null && typeof a.model !== "string")) return null;
  if (a.usage !== null && (typeof a.usage !== "object" || Array.isArray(a.usage))) return null;
  return a as unknown as CachedAnswer;
}
