/**
 * Detour's own rate limits: requests per minute (RPM) and tokens per minute (TPM) per API key and
 * per virtual key, on fixed 60 s windows aligned to the clock (window = floor(ms / 60 000)).
 *
 * - `acquire(subjects)` checks every limit of every subject and, only when all pass, counts one
 *   request against each RPM limit (all or nothing, atomically). A TPM limit rejects when the
 *   tokens already counted in the current window reach it.
 * - `addTokens(subjects, n)` adds a finished request's total tokens to each subject's TPM window.
 *
 * Two implementations: in memory (one process) and Redis (one Lua script per call, so several
 * instances share the count; window from Redis's own clock, so instance clocks do not matter).
 * The Redis one fails open: when Redis is down or slow the request is allowed and a warning is
 * logged (at most every 10 s); inference never stops because of Redis.
 */
import type Redis from "ioredis";
import { evalScript } from "../../redis-script";

export const WINDOW_MS = 60_000;
/** Upper bound on a limiter round trip on the request path (Redis); past it the request is allowed. */
export const REDIS_LIMIT_TIMEOUT_MS = 250;

export type RateLimitScope = "api_key" | "virtual_key";
export type RateLimitKind = "rpm" | "tpm";

export type RateLimitSubject = {
  scope: RateLimitScope;
  id: string;
  /** For messages: `API key "name"`, `virtual key "slug"`. */
  label: string;
  rpm: number | null;
  tpm: number | null;
};

export type RateLimitDecision =
  | { ok: true }
  | { ok: false; subject: RateLimitSubject; kind: RateLimitKind; limit: number; used: number; retryAfterMs: number };

export interface RateLimiter {
  acquire(subjects: RateLimitSubject[]): Promise<RateLimitDecision>;
  addTokens(subjects: Pick<RateLimitSubject, "scope" | "id">[], tokens: number): Promise<void>;
}

type Check = { subject: RateLimitSubject; kind: RateLimitKind; limit: number; name: string };

function checksOf(subjects: RateLimitSubject[]): Check[] {
  const checks: Check[] = [];
  for (const subject of subjects) {
    if (subject.rpm !== null) checks.push({ subject, kind: "rpm", limit: subject.rpm, name: counterName("rpm", subject) });
  }
  for (const subject of subjects) {
    if (subject.tpm !== null) checks.push({ subject, kind: "tpm", limit: subject.tpm, name: counterName("tpm", subject) });
  }
  return checks;
}

function counterName(kind: RateLimitKind, s: Pick<RateLimitSubject, "scope" | "id">): string {
  return `${kind}:${s.scope}:${s.id}`;
}

/** One process: counters in a Map, keyed by counter and window. `now` is injectable for tests. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, { window: number; value: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private read(name: string, window: number): number {
    const c = this.counters.get(name);
    return c && c.window === window ? c.value : 0;
  }

  private add(name: string, window: number, n: number): void {
    const c = this.counters.get(name);
    if (c && c.window === window) c.value += n;
    else this.counters.set(name, { window, value: n });
    if (this.counters.size > 100_000) this.sweep(window);
  }

  private sweep(window: number): void {
    for (const [name, c] of this.counters) if (c.window < window) this.counters.delete(name);
  }

  async acquire(subjects: RateLimitSubject[]): Promise<RateLimitDecision> {
    const checks = checksOf(subjects);
    if (!checks.length) return { ok: true };
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    const retryAfterMs = (window + 1) * WINDOW_MS - now;
    for (const c of checks) {
      const used = this.read(c.name, window);
      if (used >= c.limit) return { ok: false, subject: c.subject, kind: c.kind, limit: c.limit, used, retryAfterMs };
    }
    for (const c of checks) if (c.kind === "rpm") this.add(c.name, window, 1);
    return { ok: true };
  }

  async addTokens(subjects: Pick<RateLimitSubject, "scope" | "id">[], tokens: number): Promise<void> {
    if (!(tokens > 0) || !subjects.length) return;
    const window = Math.floor(this.now() / WINDOW_MS);
    for (const s of subjects) this.add(counterName("tpm", s), window, tokens);
  }
}

// KEYS: counter base names (RPM ones first); ARGV[1]: how many are RPM; ARGV[2..]: the limits.
// Returns {0, 0, retryMs} when allowed (RPM counters incremented), else {index, used, retryMs}.
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(now / ${WINDOW_MS})
local retry = (window + 1) * ${WINDOW_MS} - now
local nrpm = tonumber(ARGV[1])
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i] .. ':' .. window) or '0')
  if used >= tonumber(ARGV[i + 1]) then return {i, used, retry} end
end
for i = 1, nrpm do
  local k = KEYS[i] .. ':' .. window
  redis.call('INCR', k)
  redis.call('PEXPIRE', k, ${2 * WINDOW_MS})
end
return {0, 0, retry}
`;

// KEYS: TPM counter base names; ARGV[1]: tokens.
const ADD_TOKENS_LUA = `
local t = redis.call('TIME')
local window = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / ${WINDOW_MS})
for i = 1, #KEYS do
  local k = KEYS[i] .. ':' .. window
  redis.call('INCRBY', k, tonumber(ARGV[1]))
  redis.call('PEXPIRE', k, ${2 * WINDOW_MS})
end
return 1
`;

export type RedisRateLimiterOptions = {
  /** The command connection, or null while there is none. */
  client: () => Redis | null;
  /** `<DETOUR_REDIS_PREFIX>:rl`. */
  prefix: string;
  timeoutMs?: number;
  warn: (obj: object, msg: string) => void;
};

/** Several instances: counters in Redis, one atomic script per call; fails open. */
export class RedisRateLimiter implements RateLimiter {
  private lastWarnAt = 0;

  constructor(private readonly options: RedisRateLimiterOptions) {}

  private async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const client = this.options.client();
    if (!client) throw new Error("no Redis connection");
    if (client.status !== "ready") throw new Error(`Redis is not connected (${client.status})`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        evalScript(client, script, keys, args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`rate-limit script took longer than ${this.options.timeoutMs ?? REDIS_LIMIT_TIMEOUT_MS} ms`)),
            this.options.timeoutMs ?? REDIS_LIMIT_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failOpen(err: unknown, what: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < 10_000) return;
    this.lastWarnAt = now;
    this.options.warn(
      { err: err instanceof Error ? err.message : String(err) },
      `rate limits not enforced: ${what} failed in Redis; allowing requests (fail open)`,
    );
  }

  async acquire(subjects: RateLimitSubject[]): Promise<RateLimitDecision> {
    const checks = checksOf(subjects);
    if (!checks.length) return { ok: true };
    const nrpm = checks.filter((c) => c.kind === "rpm").length;
    try {
      const reply = (await this.run(
        ACQUIRE_LUA,
        checks.map((c) => `${this.options.prefix}:${c.name}`),
        [nrpm, ...checks.map((c) => c.limit)],
      )) as [number, number, number];
      const [index, used, retryAfterMs] = reply.map(Number) as [number, number, number];
      if (index === 0) return { ok: true };
      const c = checks[index - 1]!;
      return { ok: false, subject: c.subject, kind: c.kind, limit: c.limit, used, retryAfterMs };
    } catch (err) {
      this.failOpen(err, "the check");
      return { ok: true };
    }
  }

  async addTokens(subjects: Pick<RateLimitSubject, "scope" | "id">[], tokens: number): Promise<void> {
    if (!(tokens > 0) || !subjects.length) return;
    try {
      await this.run(
        ADD_TOKENS_LUA,
        subjects.map((s) => `${this.options.prefix}:${counterName("tpm", s)}`),
        [Math.round(tokens)],
      );
    } catch (err) {
      this.failOpen(err, "counting tokens");
    }
  }
}

/** The 429 message: says whose limit it is. */
export function rateLimitMessage(d: Extract<RateLimitDecision, { ok: false }>): string {
  const unit = d.kind === "rpm" ? `${d.limit} requests per minute` : `${d.limit} tokens per minute`;
  return `Detour rate limit exceeded for ${d.subject.label} (${unit}). This limit is set in Detour, not by the provider.`;
}
