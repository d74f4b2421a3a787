/**
 * A small in-memory cache for what the gateway reads on every request (API keys, saved configs,
 * virtual keys), so the request path does not query the database each time. Entries are dropped
 * explicitly when the control plane changes them (`invalidate`), and expire after `ttlMs` as a
 * safety net. Concurrent misses for one key share a single load.
 *
 * `ttlMs` may be a function: it is read on every lookup and applies to the age of each entry, so
 * shortening it (as `state.ts` does while cross-instance invalidation is disconnected) also
 * shortens the life of entries already cached.
 *
 * With `staleMs`, an entry past its TTL (but younger than TTL + staleMs) is still handed out at once
 * while one reload runs in the background (stale-while-revalidate): no request waits on the
 * database for a periodic refresh, and while the database is unreachable the last known value keeps
 * serving (a failed reload is retried at most every `retryMs`, reported through `onReloadError`).
 * An explicit invalidate() removes the entry: a change made through Detour is never served stale.
 */
export type CacheOptions = {
  ttlMs: number | (() => number);
  maxEntries: number;
  now?: () => number;
  /** How long past its TTL an entry may be served while it reloads (default 0: never). */
  staleMs?: number;
  /** Pause after a failed background reload before the next attempt (default 1 s). */
  retryMs?: number;
  onReloadError?: (key: string, err: unknown) => void;
};

type Entry<V> = { value: V; loadedAt: number; retryAt: number };

export class LoadingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly options: CacheOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      const age = this.now() - hit.loadedAt;
      const ttl = this.ttl();
      if (age < ttl) return hit.value;
      if (age < ttl + (this.options.staleMs ?? 0)) {
        this.reloadInBackground(key, hit, load);
        return hit.value;
      }
    }
    return this.loading.get(key) ?? this.startLoad(key, load);
  }

  private reloadInBackground(key: string, hit: Entry<V>, load: () => Promise<V>): void {
    if (this.loading.has(key) || this.now() < hit.retryAt) return;
    this.startLoad(key, load).catch((err: unknown) => {
      hit.retryAt = this.now() + (this.options.retryMs ?? 1_000);
      this.options.onReloadError?.(key, err);
    });
  }

  /** One load of `key` shared by every caller until it settles. */
  private startLoad(key: string, load: () => Promise<V>): Promise<V> {
    const generation = this.generation;
    const promise = load()
      .then((value) => {
        // A value loaded while an invalidation happened may be stale: hand it out once, keep it not.
        if (generation === this.generation) this.set(key, value);
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }

  private set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, loadedAt: this.now(), retryAt: 0 });
  }

  private ttl(): number {
    const ttl = this.options.ttlMs;
    return typeof ttl === "function" ? ttl() : ttl;
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
