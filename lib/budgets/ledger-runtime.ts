/**
 * The process's budget ledger (docs/GATEWAY.md §12.3): in Redis with REDIS_URL (shared by every
 * instance), else in memory. When Redis fails (down, or slower than REDIS_LEDGER_TIMEOUT_MS), budgets
 * are enforced by a fresh in-memory ledger rebuilt from the database, per instance, until Redis
 * answers again (a warning at most every 10 s); the budgets charged meanwhile are rebuilt in Redis
 * from the database when it is back. Inference never stops because Redis did.
 */
import { getDb } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { getRedis, redisKey } from "../redis";
import { getRuntime } from "../runtime";
import { loadSpendCounters } from "../store/budgets";
import { type BudgetLedger, type Charged, type LedgerBudget, MemoryLedger, type ReserveOutcome, type SeedLoader, toNanos } from "./ledger";
import { RedisLedger } from "./redis-ledger";

export type LedgerState = {
  redis: RedisLedger | null;
  memory: MemoryLedger;
  /** Budgets charged outside Redis while it failed: rebuilt from the database once it answers. */
  dirty: Set<string>;
  lastWarnAt: number;
};

const seedFromDb: SeedLoader = async (subject, now) => {
  const usd = await loadSpendCounters(getDb(), subject, now);
  return new Map([...usd].map(([field, value]) => [field, toNanos(value)]));
};

function state(): LedgerState {
  const rt = getRuntime();
  rt.budgets ??= {
    redis: getEnv().REDIS_URL
      ? new RedisLedger({ client: () => getRedis()?.command ?? null, prefix: redisKey("budget"), seed: seedFromDb })
      : null,
    memory: new MemoryLedger(seedFromDb),
    dirty: new Set(),
    lastWarnAt: 0,
  };
  return rt.budgets;
}

function warn(s: LedgerState, err: unknown, what: string): void {
  const now = Date.now();
  if (now - s.lastWarnAt < 10_000) return;
  s.lastWarnAt = now;
  logger.warn(
    { err: err instanceof Error ? err.message : String(err) },
    `budgets: ${what} failed in Redis; enforcing budgets in this instance alone (rebuilt from the database) until Redis answers`,
  );
}

/** Before using Redis again after a failure: the budgets charged elsewhere meanwhile are rebuilt from the database. */
async function cleanDirty(s: LedgerState, redis: RedisLedger): Promise<void> {
  if (!s.dirty.size) return;
  const ids = [...s.dirty];
  for (const id of ids) await redis.forget(id);
  for (const id of ids) s.dirty.delete(id);
  // The in-memory fallback starts over next time (it missed what Redis counted meanwhile).
  s.memory = new MemoryLedger(seedFromDb);
}

/** Reserves on Redis, or in memory when Redis fails; answers which ledger holds the reservation. */
export async function reserve(
  id: string,
  budgets: readonly LedgerBudget[],
  nanos: number,
  now: number,
): Promise<{ ledger: BudgetLedger; outcome: ReserveOutcome }> {
  const s = state();
  if (s.redis) {
    try {
      await cleanDirty(s, s.redis);
      return { ledger: s.redis, outcome: await s.redis.reserve(id, budgets, nanos, now) };
    } catch (err) {
      warn(s, err, "a reservation");
      for (const b of budgets) s.dirty.add(b.id);
    }
  }
  return { ledger: s.memory, outcome: await s.memory.reserve(id, budgets, nanos, now) };
}

/** Settles on the ledger that holds the reservation (any ledger when there was none); never throws. */
export async function settle(
  ledger: BudgetLedger | null,
  id: string,
  reservedOn: readonly string[],
  charges: readonly { budget: LedgerBudget; nanos: number }[],
  counters: readonly string[],
  now: number,
): Promise<Charged[]> {
  const s = state();
  const target = ledger ?? s.redis ?? s.memory;
  try {
    return await target.settle(id, reservedOn, charges, counters, now);
  } catch (err) {
    warn(s, err, "a settlement");
    for (const c of charges) s.dirty.add(c.budget.id);
    if (target !== s.memory) return s.memory.settle(id, [], charges, counters, now).catch(() => []);
    return [];
  }
}

/** A budget's period spend and reservations (Redis, else memory). */
export async function status(budget: LedgerBudget, now: number): Promise<{ spentNanos: number; reservedNanos: number }> {
  const s = state();
  if (s.redis) {
    try {
      return await s.redis.status(budget, now);
    } catch (err) {
      warn(s, err, "reading a budget");
    }
  }
  return s.memory.status(budget, now);
}

/** Stops the Redis ledger's refresh timer (shutdown). */
export function closeLedger(): void {
  getRuntime().budgets?.redis?.close();
}
