/**
 * The budget ledger in Redis (docs/GATEWAY.md §12.3), shared by every instance: one hash per budget
 * (`<prefix>:{id}`: the counters, `res` the nano-dollars reserved, `r:<reservation>` each
 * reservation, `seeded` once its counters came from the database) and one sorted set
 * (`<prefix>:{id}:z`: reservations by expiry). Each operation is one Lua script, so a check and its
 * reservation are atomic across instances.
 *
 * A hash without `seeded` (never used, expired after IDLE_TTL_MS unused, or lost in a flush) is
 * rebuilt from the database before the next reservation; a charge meanwhile is not added (the
 * database has it: the log row carries it). If Redis fails, the caller falls back to a
 * `MemoryLedger` (ledger-runtime.ts) and marks the budgets it charged there: their hashes are
 * rebuilt from the database once Redis answers again.
 */
import type Redis from "ioredis";
import { evalScript } from "../redis-script";
import { staleCountersAt } from "./period";
import {
  type BudgetLedger,
  type Charged,
  type LedgerBudget,
  MAX_RESERVATION_MS,
  REFRESH_EVERY_MS,
  RESERVATION_TTL_MS,
  type ReserveOutcome,
  type SeedLoader,
} from "./ledger";

/** An unused budget's hash lives this long (it is rebuilt from the database after). */
export const IDLE_TTL_MS = 35 * 86_400_000;
/** A ledger round trip on the request path longer than this counts as a failure (the caller falls back). */
export const REDIS_LEDGER_TIMEOUT_MS = 500;
/** A script still waits while Redis answers others, up to this many timeouts in all. */
const MAX_WAIT_FACTOR = 10;

// KEYS: per budget, its hash and its sorted set. ARGV: now, reservation id, expiry, nanos, then per
// budget: limit, the number of fields, the fields. Returns {0} (reserved), {-1, i} (budget i is not
// seeded), or {i, spent, reserved} (budget i refused).
const RESERVE = `
local now = tonumber(ARGV[1])
local nanos = tonumber(ARGV[4])
local n = #KEYS / 2
for i = 1, n do
  if redis.call('HEXISTS', KEYS[2 * i - 1], 'seeded') == 0 then return {-1, i} end
end
local a = 5
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local dead = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  for _, rid in ipairs(dead) do
    local amt = redis.call('HGET', h, 'r:' .. rid)
    if amt then
      redis.call('HINCRBY', h, 'res', -tonumber(amt))
      redis.call('HDEL', h, 'r:' .. rid)
    end
  end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
  local limit = tonumber(ARGV[a])
  local nf = tonumber(ARGV[a + 1])
  local spent = 0
  if nf > 0 then
    local values = redis.call('HMGET', h, unpack(ARGV, a + 2, a + 1 + nf))
    for _, v in ipairs(values) do
      if v then spent = spent + tonumber(v) end
    end
  end
  a = a + 2 + nf
  local reserved = tonumber(redis.call('HGET', h, 'res') or '0')
  if spent + reserved + nanos > limit then return {i, spent, reserved} end
end
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('HINCRBY', h, 'res', nanos)
  redis.call('HSET', h, 'r:' .. ARGV[2], nanos)
  redis.call('ZADD', z, tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', h, ${IDLE_TTL_MS})
  redis.call('PEXPIRE', z, ${IDLE_TTL_MS})
end
return {0}
`;

// KEYS: per budget, its hash and sorted set (released ones first, then the charged ones). ARGV:
// reservation id, how many keys pairs are releases, the number of counters, the counters, the number
// of stale counters, the stale counters (dropped), then per charged budget: nanos, the number of its
// period fields, the fields. Returns per charged budget {before, after} (or {-1, -1} when its hash is
// not seeded: not charged).
const SETTLE = `
local rid = ARGV[1]
local nrelease = tonumber(ARGV[2])
local nc = tonumber(ARGV[3])
local function release(h, z)
  local amt = redis.call('HGET', h, 'r:' .. rid)
  if amt then
    redis.call('HINCRBY', h, 'res', -tonumber(amt))
    redis.call('HDEL', h, 'r:' .. rid)
  end
  redis.call('ZREM', z, rid)
end
for i = 1, nrelease do release(KEYS[2 * i - 1], KEYS[2 * i]) end
local ns = tonumber(ARGV[4 + nc])
local stale = {}
for f = 1, ns do stale[f] = ARGV[4 + nc + f] end
local out = {}
local a = 5 + nc + ns
for i = nrelease + 1, #KEYS / 2 do
  local h = KEYS[2 * i - 1]
  local nanos = tonumber(ARGV[a])
  local nf = tonumber(ARGV[a + 1])
  local fields = {}
  for f = 1, nf do fields[f] = ARGV[a + 1 + f] end
  a = a + 2 + nf
  if redis.call('HEXISTS', h, 'seeded') == 1 then
    local function period()
      local s = 0
      if nf > 0 then
        for _, v in ipairs(redis.call('HMGET', h, unpack(fields))) do
          if v then s = s + tonumber(v) end
        end
      end
      return s
    end
    local before = period()
    for c = 1, nc do redis.call('HINCRBY', h, ARGV[3 + c], nanos) end
    if ns > 0 then redis.call('HDEL', h, unpack(stale)) end
    redis.call('PEXPIRE', h, ${IDLE_TTL_MS})
    out[#out + 1] = {before, period()}
  else
    out[#out + 1] = {-1, -1}
  end
end
return out
`;

// KEYS[1]: a budget's hash. ARGV: field, value pairs. Sets them and `seeded` unless another instance seeded it first.
const SEED = `
if redis.call('HEXISTS', KEYS[1], 'seeded') == 1 then return 0 end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'seeded', '1')
redis.call('PEXPIRE', KEYS[1], ${IDLE_TTL_MS})
return 1
`;

// KEYS[1]: hash, KEYS[2]: sorted set. ARGV: now, the fields. Returns {spent, reserved} after expiring, or {-1, -1} when not seeded.
const STATUS = `
if redis.call('HEXISTS', KEYS[1], 'seeded') == 0 then return {-1, -1} end
local now = tonumber(ARGV[1])
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local amt = redis.call('HGET', KEYS[1], 'r:' .. rid)
  if amt then
    redis.call('HINCRBY', KEYS[1], 'res', -tonumber(amt))
    redis.call('HDEL', KEYS[1], 'r:' .. rid)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local spent = 0
if #ARGV > 1 then
  for _, v in ipairs(redis.call('HMGET', KEYS[1], unpack(ARGV, 2))) do
    if v then spent = spent + tonumber(v) end
  end
end
return {spent, tonumber(redis.call('HGET', KEYS[1], 'res') or '0')}
`;

export type RedisLedgerOptions = {
  client: () => Redis | null;
  /** `<DETOUR_REDIS_PREFIX>:budget`. */
  prefix: string;
  seed: SeedLoader;
  timeoutMs?: number;
  clock?: () => number;
};

export class RedisLedger implements BudgetLedger {
  private readonly seeding = new Map<string, Promise<void>>();
  private readonly running = new Map<string, { keys: string[]; madeAt: number }>();
  private refreshTimer: NodeJS.Timeout | null = null;
  /** When Redis last answered a script (performance.now()). */
  private lastReplyAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: RedisLedgerOptions) {}

  private hash(id: string): string {
    return `${this.options.prefix}:{${id}}`;
  }

  private keys(budgets: readonly { id: string }[]): string[] {
    return budgets.flatMap((b) => [this.hash(b.id), `${this.hash(b.id)}:z`]);
  }

  private async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const client = this.options.client();
    if (!client) throw new Error("no Redis connection");
    if (client.status !== "ready") throw new Error(`Redis is not connected (${client.status})`);
    const timeoutMs = this.options.timeoutMs ?? REDIS_LEDGER_TIMEOUT_MS;
    const started = performance.now();
    const reply = evalScript(client, script, keys, args);
    const answered = () => {
      this.lastReplyAt = performance.now();
    };
    reply.then(answered, answered);
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    try {
      return await Promise.race([
        reply,
        new Promise<never>((_, reject) => {
          // Redis has failed when it has answered nothing for `timeoutMs`, not when one script waited
          // that long: in a burst, scripts queue on the one connection and the process is busy, while
          // replies keep coming; taking that for a failure would enforce budgets per instance
          // (overspending across instances) exactly under load. The check runs after the event loop's
          // I/O phase, so a reply already received wins. Never longer than MAX_WAIT_FACTOR x timeoutMs.
          const check = (delay: number) => {
            timer = setTimeout(
              () =>
                setImmediate(() => {
                  if (settled) return;
                  const now = performance.now();
                  const quiet = now - Math.max(started, this.lastReplyAt);
                  if (quiet < timeoutMs && now - started < timeoutMs * MAX_WAIT_FACTOR) check(timeoutMs - quiet);
                  else reject(new Error(`budget script took longer than ${timeoutMs} ms`));
                }),
              delay,
            );
          };
          check(timeoutMs);
        }),
      ]);
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  }

  /** Rebuilds a budget's counters from the database (once per process at a time; the first instance to finish wins). */
  private seedBudget(budget: LedgerBudget, now: number): Promise<void> {
    let pending = this.seeding.get(budget.id);
    if (!pending) {
      pending = (async () => {
        const counters = await this.options.seed(budget.subject, now);
        const args: (string | number)[] = [];
        for (const [field, nanos] of counters) args.push(field, Math.round(nanos));
        await this.run(SEED, [this.hash(budget.id)], args);
      })();
      this.seeding.set(budget.id, pending);
      pending.finally(() => this.seeding.delete(budget.id)).catch(() => undefined);
    }
    return pending;
  }

  async reserve(reservationId: string, budgets: readonly LedgerBudget[], nanos: number, now: number): Promise<ReserveOutcome> {
    const args: (string | number)[] = [now, reservationId, now + RESERVATION_TTL_MS, nanos];
    for (const b of budgets) args.push(b.limitNanos, b.fields.length, ...b.fields);
    for (let round = 0; round <= budgets.length; round++) {
      const reply = ((await this.run(RESERVE, this.keys(budgets), args)) as number[]).map(Number);
      const index = reply[0]!;
      if (index === 0) {
        this.track(reservationId, budgets, now);
        return { ok: true };
      }
      if (index > 0) return { ok: false, index: index - 1, spentNanos: reply[1]!, reservedNanos: reply[2]! };
      await this.seedBudget(budgets[reply[1]! - 1]!, now);
    }
    throw new Error("budget counters could not be rebuilt from the database");
  }

  async settle(
    reservationId: string,
    reservedOn: readonly string[],
    charges: readonly { budget: LedgerBudget; nanos: number }[],
    counters: readonly string[],
    now: number,
  ): Promise<Charged[]> {
    this.running.delete(reservationId);
    const charged = charges.filter((c) => c.nanos > 0);
    if (!reservedOn.length && !charged.length) return [];
    const keys = [...this.keys(reservedOn.map((id) => ({ id }))), ...this.keys(charged.map((c) => c.budget))];
    const stale = staleCountersAt(now);
    const args: (string | number)[] = [reservationId, reservedOn.length, counters.length, ...counters, stale.length, ...stale];
    for (const c of charged) args.push(c.nanos, c.budget.fields.length, ...c.budget.fields);
    const reply = (await this.run(SETTLE, keys, args)) as [number, number][];
    const out: Charged[] = [];
    reply.forEach(([before, after], i) => {
      if (Number(before) >= 0)
        out.push({ budgetId: charged[i]!.budget.id, spentBeforeNanos: Number(before), spentAfterNanos: Number(after) });
    });
    return out;
  }

  async status(budget: LedgerBudget, now: number): Promise<{ spentNanos: number; reservedNanos: number }> {
    for (let round = 0; round < 2; round++) {
      const [spent, reserved] = ((await this.run(STATUS, this.keys([budget]), [now, ...budget.fields])) as number[]).map(Number);
      if (spent! >= 0) return { spentNanos: spent!, reservedNanos: reserved! };
      await this.seedBudget(budget, now);
    }
    throw new Error("budget counters could not be rebuilt from the database");
  }

  async forget(budgetId: string): Promise<void> {
    const client = this.options.client();
    if (client?.status === "ready") await client.hdel(this.hash(budgetId), "seeded");
  }

  /** Keeps this process's running reservations alive (an instance that dies stops, and they lapse). */
  private track(reservationId: string, budgets: readonly LedgerBudget[], now: number): void {
    this.running.set(reservationId, { keys: budgets.map((b) => `${this.hash(b.id)}:z`), madeAt: now });
    this.refreshTimer ??= setInterval(() => void this.refresh(), REFRESH_EVERY_MS).unref();
  }

  private async refresh(): Promise<void> {
    const client = this.options.client();
    if (client?.status !== "ready") return;
    const now = this.options.clock?.() ?? Date.now();
    const pipeline = client.pipeline();
    for (const [id, run] of this.running) {
      if (now - run.madeAt > MAX_RESERVATION_MS) {
        this.running.delete(id);
        continue;
      }
      for (const z of run.keys) pipeline.zadd(z, "XX", now + RESERVATION_TTL_MS, id);
    }
    if (pipeline.length) await pipeline.exec().catch(() => undefined);
    if (!this.running.size && this.refreshTimer) {
      clearInterval(this.refreshTimer);
      this.refreshTimer = null;
    }
  }

  /** Stops refreshing (shutdown, tests). */
  close(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
  }
}
