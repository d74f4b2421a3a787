/**
 * The process's own memory of affinity records: a bounded LRU map (a Map keeps insertion order; a
 * hit moves the entry to the end, the first entry is the least recently used). Only known records
 * are kept, never "unknown": another instance may record the id a moment later.
 */
import type { AffinityRecord } from "./types";

export const LOCAL_AFFINITY_ENTRIES = 50_000;

export class LocalAffinityCache {
  private readonly entries = new Map<string, AffinityRecord>();

  constructor(private readonly maxEntries: number = LOCAL_AFFINITY_ENTRIES) {}

  get(workspaceId: string, id: string): AffinityRecord | null {
    const key = cacheKey(workspaceId, id);
    const hit = this.entries.get(key);
    if (!hit) return null;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(record: AffinityRecord): void {
    const key = cacheKey(record.workspaceId, record.id);
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, record);
  }

  delete(workspaceId: string, id: string): void {
    this.entries.delete(cacheKey(workspaceId, id));
  }

  get size(): number {
    return this.entries.size;
  }
}

const cacheKey = (workspaceId: string, id: string) => `${workspaceId}:${id}`;
