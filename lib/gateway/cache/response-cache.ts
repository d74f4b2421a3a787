/**
 * The `cache: {mode: "simple", max_age}` setting (docs/GATEWAY.md §5.5): identical non-streaming
 * requests through the same config in the same workspace are answered from the cache until
 * `max_age` passes. Two stores behind one interface: with `REDIS_URL` one shared by every instance
 * (redis-response-cache.ts), else this process's memory, bounded (entries and bytes), least
 * recently used first out.
 */
import { createHash } from "node:crypto";
import { getEnv } from "../../env";
import { logger } from "../../logger";
import { observeResponseCache } from "../../metrics";
import { getRedis, redisKey } from "../../redis";
import { getRuntime } from "../../runtime";
import { RedisResponseCache } from "./redis-response-cache";

import type { TokenUsage } from "../providers/types";

export type CachedAnswer = {
  status: number;
  text: string;
  contentType: string;
  provider: string;
  path: string;
  model: string | null;
  /** Entries written before cache token counts were kept lack those two fields. */
  usage: (Omit<TokenUsage, "cacheReadTokens" | "cacheWriteTokens"> & Partial<TokenUsage>) | null;
};

export interface ResponseCache {
  get(key: string): Promise<CachedAnswer | null>;
  set(key: string, value: CachedAnswer, ttlMs: number): Promise<void>;
}

/** Portkey's default for simple caching when max_age is not given: 7 days. */
export const DEFAULT_MAX_AGE_S = 7 * 24 * 60 * 60;
/** An answer larger than this (UTF-8 bytes) is not kept, in either store. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, { value: CachedAnswer; expiresAt: number; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 5_000,
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CachedAnswer | null> {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.remove(key);
      observeResponseCache("memory", "get", "miss");
      return null;
    }
    this.entries.delete(key); // re-insert: most recently used last
    this.entries.set(key, entry);
    observeResponseCache("memory", "get", "hit");
    return entry.value;
  }

  async set(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
    const bytes = Buffer.byteLength(value.text);
    if (bytes > MAX_ENTRY_BYTES || ttlMs <= 0) {
      observeResponseCache("memory", "set", "skipped");
      return;
    }
    observeResponseCache("memory", "set", "stored");
    this.remove(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }
}

/** The process's response cache (kept in the runtime), created on first use: Redis with REDIS_URL, else memory. */
export function getResponseCache(): ResponseCache {
  const rt = getRuntime();
  rt.responseCache ??= getEnv().REDIS_URL
    ? new RedisResponseCache({
        client: () => getRedis()?.command ?? null,
        prefix: redisKey("cache"),
        warn: (obj, msg) => logger.warn(obj, msg),
      })
    : new MemoryResponseCache();
  return rt.responseCache;
}

/**
 * What the answer to a request depends on, besides its body: two requests get the same cache key
 * only when all of it is the same (docs/GATEWAY.md §5.5). Built by the cacheLookup stage.
 */
export type CacheScope = {
  workspaceId: string;
  endpoint: string;
  /** The saved config (its id, so a slug deleted and made again is another config, and the version that serves) or an inline config's text; null: none. */
  config: string | null;
  /** The `x-portkey-virtual-key` header. */
  virtualKey: string | null;
  /** Direct mode: `x-portkey-provider`, the provider key sent with it and the provider's own direct-mode headers. */
  direct: { provider: string; apiKey: string | null; fields: Record<string, string> | null } | null;
  /** The `x-portkey-custom-host` header. */
  customHost: string | null;
  /** Every target the config can route to: provider and virtual key (id and version: a rotation may change account or destination). */
  targets: readonly string[];
  /** The client's headers passed to an upstream as sent (Anthropic's `anthropic-version`, `anthropic-beta`), by name. */
  clientHeaders: readonly (readonly [string, string])[];
  body: Record<string, unknown>;
};

/** The cache key: SHA-256 (hex) over the whole scope. Secrets in it (a direct-mode provider key) only ever go into the hash. */
export function responseCacheKey(scope: CacheScope): string {
  const direct = scope.direct
    ? [scope.direct.provider, scope.direct.apiKey, scope.direct.fields ? Object.entries(scope.direct.fields).sort() : null]
    : null;
  return createHash("sha256")
    .update(
      JSON.stringify([
        2,
        scope.workspaceId,
        scope.endpoint,
        scope.config,
        scope.virtualKey,
        direct,
        scope.customHost,
        scope.targets,
        scope.clientHeaders,
      ]),
    )
    .update("\0")
    .update(JSON.stringify(scope.body))
    .digest("hex");
}
