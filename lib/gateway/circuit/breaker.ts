/**
 * Circuit breaking (opt-in per target, `circuit_breaker` in the config).
 *
 * One circuit per concrete upstream (see `circuit-hooks.ts` for its identity), in three states:
 * - closed: requests go through; `failure_threshold` consecutive failures open it (a success resets
 *   the count);
 * - open: the target is skipped until `cooldown_ms` have passed;
 * - half-open (open, cooldown over): the first `admit()` claims the probe atomically and goes
 *   through; every other request is still skipped. The probe's success closes the circuit, its
 *   failure re-opens it for another cooldown. A probe that never reports (client gone, instance
 *   died) frees the claim after another `cooldown_ms`.
 * Results of requests admitted before the circuit opened, arriving late, are ignored while it is
 * open. A failure is a network error, a timeout, or a status in `failure_status_codes` (default
 * 429, 500, 502, 503, 504, 529); anything else is a success.
 *
 * Two stores with the same semantics: in memory (one process, the default) and Redis (shared by
 * every instance, one Lua script per decision, keys `<DETOUR_REDIS_PREFIX>:circuit:<id>`). The Redis
 * store fails open: while Redis is down or slow, every circuit counts as closed and results are not
 * recorded. Times are the calling instance's clock (instances are assumed NTP-synced).
 */
import type Redis from "ioredis";
import { evalScript } from "../../redis-script";
import type { AttemptOutcome, CircuitBreakerPolicy } from "../router";

export const DEFAULT_CIRCUIT_FAILURE_STATUS_CODES = [429, 500, 502, 503, 504, 529];

export type CircuitDecision = "closed" | "open" | "probe";
/**
 * What a recorded result did: `opened` (closed -> open), `reopened` (failed probe), `recovered`
 * (probe succeeded), `ignored_open` (the circuit was already open and this was not the probe).
 */
export type CircuitTransition = "none" | "opened" | "reopened" | "recovered" | "ignored_open";

export interface CircuitStore {
  admit(id: string, policy: CircuitBreakerPolicy, now: number): Promise<CircuitDecision>;
  record(id: string, policy: CircuitBreakerPolicy, result: { failure: boolean; probe: boolean }, now: number): Promise<CircuitTransition>;
}

/** Whether an attempt's outcome counts as a failure for the breaker. */
export function isCircuitFailure(outcome: AttemptOutcome<unknown>, policy: CircuitBreakerPolicy): boolean {
  const { errorClass } = outcome;
  if (errorClass === "network" || errorClass === "timeout") return true;
  if (errorClass === "aborted" || errorClass === "circuit_open") return false;
  return (policy.failureStatusCodes ?? DEFAULT_CIRCUIT_FAILURE_STATUS_CODES).includes(outcome.status);
}

type Entry = { failures: number; openUntil: number; probeUntil: number };

/** Circuits of one process. Bounded: past MAX_ENTRIES the oldest entry is dropped (it counts as closed). */
export class MemoryCircuitStore implements CircuitStore {
  static readonly MAX_ENTRIES = 10_000;
  private readonly entries = new Map<string, Entry>();

  async admit(id: string, policy: CircuitBreakerPolicy, now: number): Promise<CircuitDecision> {
    return this.admitSync(id, policy, now);
  }

  admitSync(id: string, policy: CircuitBreakerPolicy, now: number): CircuitDecision {
    const entry = this.entries.get(id);
    if (!entry || entry.openUntil === 0) return "closed";
    if (now < entry.openUntil || now < entry.probeUntil) return "open";
    entry.probeUntil = now + policy.cooldownMs;
    return "probe";
  }

  async record(
    id: string,
    policy: CircuitBreakerPolicy,
    result: { failure: boolean; probe: boolean },
    now: number,
  ): Promise<CircuitTransition> {
    return this.recordSync(id, policy, result, now);
  }

  recordSync(
    id: string,
    policy: CircuitBreakerPolicy,
    { failure, probe }: { failure: boolean; probe: boolean },
    now: number,
  ): CircuitTransition {
    const entry = this.entries.get(id);
    if (entry && entry.openUntil > 0) {
      if (!probe) return "ignored_open";
      if (!failure) {
        this.entries.delete(id);
        return "recovered";
      }
      entry.openUntil = now + policy.cooldownMs;
      entry.probeUntil = 0;
      return "reopened";
    }
    if (!failure) {
      this.entries.delete(id);
      return "none";
    }
    const next = entry ?? { failures: 0, openUntil: 0, probeUntil: 0 };
    next.failures += 1;
    if (!entry) this.set(id, next);
    if (next.failures < policy.failureThreshold) return "none";
    next.failures = 0;
    next.openUntil = now + policy.cooldownMs;
    next.probeUntil = 0;
    return "opened";
  }

  private set(id: string, entry: Entry): void {
    if (this.entries.size >= MemoryCircuitStore.MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, entry);
  }
}

// KEYS[1] circuit hash; ARGV: now, cooldown_ms. Fields: failures, open_until, probe_until.
const ADMIT_SCRIPT = `
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if open_until == 0 then return 'closed' end
local now = tonumber(ARGV[1])
if now < open_until then return 'open' end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
if now < probe_until then return 'open' end
redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 'probe'
`;

// KEYS[1] circuit hash; ARGV: now, cooldown_ms, ttl_ms, threshold, failure (0/1), probe (0/1).
const RECORD_SCRIPT = `
local now = tonumber(ARGV[1])
local cooldown = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local failure = ARGV[5] == '1'
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if open_until > 0 then
  if ARGV[6] ~= '1' then return 'ignored_open' end
  if not failure then
    redis.call('DEL', KEYS[1])
    return 'recovered'
  end
  redis.call('HSET', KEYS[1], 'open_until', now + cooldown, 'probe_until', 0)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 'reopened'
end
if not failure then
  redis.call('DEL', KEYS[1])
  return 'none'
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'failures', 0, 'open_until', now + cooldown, 'probe_until', 0)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 'opened'
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 'none'
`;

/** How long Redis keeps a circuit nobody touches: well past any cooldown (and its probe lease). */
const idleTtlMs = (policy: CircuitBreakerPolicy) => Math.max(3_600_000, policy.cooldownMs * 4);

export type RedisCircuitStoreOptions = {
  /** Bound on each command; past it the circuit counts as closed. Default 250 ms (it is on the request path). */
  timeoutMs?: number;
  /** Called once per failure (Redis down, slow, script error) with the reason. */
  onError?: (reason: string) => void;
};

/** Circuits shared by every instance through Redis; fails open. */
export class RedisCircuitStore implements CircuitStore {
  private readonly timeoutMs: number;

  constructor(
    private readonly client: () => Redis | null,
    private readonly prefix: string,
    private readonly options: RedisCircuitStoreOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 250;
  }

  key(id: string): string {
    return `${this.prefix}:circuit:${id}`;
  }

  async admit(id: string, policy: CircuitBreakerPolicy, now: number): Promise<CircuitDecision> {
    const answer = await this.run(ADMIT_SCRIPT, id, [now, policy.cooldownMs, idleTtlMs(policy)]);
    return answer === "open" || answer === "probe" ? answer : "closed";
  }

  async record(
    id: string,
    policy: CircuitBreakerPolicy,
    result: { failure: boolean; probe: boolean },
    now: number,
  ): Promise<CircuitTransition> {
    const args = [now, policy.cooldownMs, idleTtlMs(policy), policy.failureThreshold, result.failure ? 1 : 0, result.probe ? 1 : 0];
    const answer = await this.run(RECORD_SCRIPT, id, args);
    return answer === "opened" || answer === "reopened" || answer === "recovered" || answer === "ignored_open" ? answer : "none";
  }

  private async run(script: string, id: string, args: number[]): Promise<string | null> {
    const client = this.client();
    // Never wait for a connection on the request path: not ready means closed.
    if (client?.status !== "ready") {
      this.options.onError?.(`Redis is not connected (${client?.status ?? "not configured"})`);
      return null;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        evalScript(client, script, [this.key(id)], args.map(String)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`circuit script took longer than ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return typeof answer === "string" ? answer : null;
    } catch (error) {
      this.options.onError?.(error instanceof Error ? error.message : String(error));
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

export type BreakerEvents = {
  /** A circuit changed state as seen by this process (`open`: opened, re-opened, or found open). */
  onState?: (id: string, open: boolean) => void;
};

/** The breaker the gateway uses: a store, a clock, and state-change events (for the metrics gauge). */
export class CircuitBreaker {
  constructor(
    private readonly store: CircuitStore,
    private readonly now: () => number = Date.now,
    private readonly events: BreakerEvents = {},
  ) {}

  async admit(id: string, policy: CircuitBreakerPolicy): Promise<CircuitDecision> {
    const decision = await this.store.admit(id, policy, this.now());
    if (decision === "open") this.events.onState?.(id, true);
    return decision;
  }

  /** Feeds one attempt's outcome; resolves once the store has it (callers need not wait). */
  async record(id: string, policy: CircuitBreakerPolicy, outcome: AttemptOutcome<unknown>, probe: boolean): Promise<CircuitTransition> {
    if (outcome.errorClass === "aborted" || outcome.errorClass === "circuit_open") return "none";
    const transition = await this.store.record(id, policy, { failure: isCircuitFailure(outcome, policy), probe }, this.now());
    if (transition === "opened" || transition === "reopened" || transition === "ignored_open") this.events.onState?.(id, true);
    if (transition === "recovered") this.events.onState?.(id, false);
    return transition;
  }
}
