/**
 * The `cache: {mode: "simple", max_age}` setting: identical non-streaming requests through the same
 * config in the same workspace are answered from memory until `max_age` passes. Bounded (entries
 * and bytes), least recently used first out. In-process for now; the interface is what a shared
 * (Redis) store will implement.
 */
import { createHash } from "node:crypto";
import { getRuntime } from "../../runtime";

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
const MAX_ENTRY_BYTES = 1024 * 1024;

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
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.remove(key);
      return null;
    }
    this.entries.delete(key); // re-insert: most recently used last
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
    const bytes = Buffer.byteLength(value.text);
    if (bytes > MAX_ENTRY_BYTES || ttlMs <= 0) return;
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

/** The process's response cache (kept in the runtime), created on first use. */
export function getResponseCache(): ResponseCache {
  const rt = getRuntime();
  rt.responseCache ??= new MemoryResponseCache();
  return rt.responseCache;
}

/** Same workspace, endpoint, routing config and body -> same key. */
export function responseCacheKey(parts: { workspaceId: string; endpoint: string; config: string; body: Record<string, unknown> }): string {
  return createHash("sha256")
    .update(`${parts.workspaceId}\0${parts.endpoint}\0${parts.config}\0${JSON.stringify(parts.body)}`)
    .digest("hex");
}
