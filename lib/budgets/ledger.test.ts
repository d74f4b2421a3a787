import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BudgetLedger, type LedgerBudget, MemoryLedger, RESERVATION_TTL_MS, type SeedLoader } from "./ledger";
import { countersAt, currentPeriod } from "./period";
import { RedisLedger } from "./redis-ledger";
import type { BudgetPeriod } from "./types";
import { connectTestRedis, REDIS_REQUIRED, TEST_REDIS_URL } from "../../testing/test-redis";

const NOW = Date.parse("2026-12-05T12:00:00Z");
let n = 0;

/** A budget of `limit` nano-dollars over `period` at `now`, with its own subject. */
function budget(limit: number, period: BudgetPeriod = "daily", now = NOW): LedgerBudget {
  n++;
  return {
    id: `b${n}-${randomBytes(3).toString("hex")}`,
    subject: { scope: "api_key", id: `k${n}` },
    limitNanos: limit,
    fields: currentPeriod(period, now).fields,
  };
}

/** Seeds: the counters the test put for a subject (the database stand-in is the loader the ledger is given). */
const seeds = new Map<string, Map<string, number>>();
const seedCalls: string[] = [];
const seed: SeedLoader = async (subject) => {
  seedCalls.push(subject.id);
  return new Map(seeds.get(subject.id) ?? []);
};

const { client: redis, up: redisUp, why } = await connectTestRedis("ledger.test");
const prefix = `detour-budget-test-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}:budget`;

afterAll(async () => {
  if (redisUp) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

type Kind = "memory" | "redis";
const kinds: Kind[] = ["memory", "redis"];

describe.each(kinds)("%s ledger", (kind) => {
  const skip = kind === "redis" && !redisUp && !REDIS_REQUIRED;
  let ledger: BudgetLedger;
  beforeAll(() => {
    if (kind === "redis" && !redisUp && REDIS_REQUIRED)
      throw new Error(`Redis is required with CI=true: no Redis at ${TEST_REDIS_URL} (${why})`);
    ledger =
      kind === "memory" ? new MemoryLedger(seed, () => NOW) : new RedisLedger({ client: () => redis, prefix, seed, clock: () => NOW });
  });

  it.skipIf(skip)("reserves while spend + reservations + the request fit, and says why it refuses", async () => {
    const b = budget(100);
    expect(await ledger.reserve("r1", [b], 60, NOW)).toEqual({ ok: true });
    expect(await ledger.reserve("r2", [b], 40, NOW)).toEqual({ ok: true }); // exactly at the limit: allowed
    expect(await ledger.reserve("r3", [b], 1, NOW)).toEqual({ ok: false, index: 0, spentNanos: 0, reservedNanos: 100 });
    // r1 ends having cost 25: 35 released, 25 spent.
    const charged = await ledger.settle("r1", [b.id], [{ budget: b, nanos: 25 }], countersAt(NOW), NOW);
    expect(charged).toEqual([{ budgetId: b.id, spentBeforeNanos: 0, spentAfterNanos: 25 }]);
    expect(await ledger.status(b, NOW)).toEqual({ spentNanos: 25, reservedNanos: 40 });
    expect(await ledger.reserve("r4", [b], 35, NOW)).toEqual({ ok: true });
    expect(await ledger.reserve("r5", [b], 1, NOW)).toMatchObject({ ok: false, spentNanos: 25, reservedNanos: 75 });
  });

  it.skipIf(skip)("under concurrency, exactly as many reservations as fit", async () => {
    const b = budget(1_050);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => ledger.reserve(`c${i}`, [b], 100, NOW)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(await ledger.status(b, NOW)).toEqual({ spentNanos: 0, reservedNanos: 1_000 });
  });

  it.skipIf(skip)("reserves on every budget or on none", async () => {
    const roomy = budget(1_000);
    const tight = budget(50);
    expect(await ledger.reserve("all1", [roomy, tight], 60, NOW)).toMatchObject({ ok: false, index: 1 });
    expect(await ledger.status(roomy, NOW)).toEqual({ spentNanos: 0, reservedNanos: 0 });
    expect(await ledger.reserve("all2", [roomy, tight], 50, NOW)).toEqual({ ok: true });
    expect(await ledger.status(roomy, NOW)).toEqual({ spentNanos: 0, reservedNanos: 50 });
    // A failed request releases everything and charges nothing.
    expect(await ledger.settle("all2", [roomy.id, tight.id], [], countersAt(NOW), NOW)).toEqual([]);
    expect(await ledger.status(tight, NOW)).toEqual({ spentNanos: 0, reservedNanos: 0 });
  });

  it.skipIf(skip)("a reservation its process stops refreshing lapses after RESERVATION_TTL_MS", async () => {
    const b = budget(100);
    expect(await ledger.reserve("dies", [b], 100, NOW)).toEqual({ ok: true });
    expect(await ledger.reserve("waits", [b], 1, NOW + RESERVATION_TTL_MS - 1)).toMatchObject({ ok: false, reservedNanos: 100 });
    expect(await ledger.reserve("after", [b], 100, NOW + RESERVATION_TTL_MS)).toEqual({ ok: true });
  });

  it.skipIf(skip)("a period boundary resets a daily budget exactly at 00:00 UTC", async () => {
    const before = Date.parse("2026-12-05T23:59:59.999Z");
    const after = Date.parse("2026-12-06T00:00:00.000Z");
    const b = budget(100, "daily", before);
    await ledger.reserve("d1", [b], 100, before);
    await ledger.settle("d1", [b.id], [{ budget: b, nanos: 100 }], countersAt(before), before);
    expect(await ledger.reserve("d2", [b], 1, before)).toMatchObject({ ok: false, spentNanos: 100 });
    const tomorrow = { ...b, fields: currentPeriod("daily", after).fields };
    expect(await ledger.reserve("d3", [tomorrow], 100, after)).toEqual({ ok: true });
    // A monthly budget on the same day carries yesterday's spend into today.
    const month = { ...b, fields: currentPeriod("monthly", after).fields, limitNanos: 150 };
    expect(await ledger.reserve("d4", [month], 51, after)).toMatchObject({ ok: false, spentNanos: 100 });
  });

  it.skipIf(skip)("a settle drops the counters no period reads any more (last month's, last week's)", async () => {
    const nov = Date.parse("2026-11-30T12:00:00Z");
    const dec = Date.parse("2026-12-01T12:00:00Z");
    const b = budget(1_000, "monthly", nov);
    await ledger.reserve("m1", [b], 10, nov);
    await ledger.settle("m1", [b.id], [{ budget: b, nanos: 10 }], countersAt(nov), nov);
    const november = { ...b, fields: ["m:2026-11", "w:2026-11-30"] };
    expect(await ledger.status(november, nov)).toMatchObject({ spentNanos: 20 });
    await ledger.settle("m2", [], [{ budget: { ...b, fields: currentPeriod("monthly", dec).fields }, nanos: 5 }], countersAt(dec), dec);
    // November's month counter is gone; the week (Monday 2026-11-30) is still this week.
    expect(await ledger.status({ ...b, fields: ["m:2026-11"] }, dec)).toMatchObject({ spentNanos: 0 });
    expect(await ledger.status({ ...b, fields: ["w:2026-11-30", "m:2026-12", "t"] }, dec)).toMatchObject({ spentNanos: 15 + 5 + 15 });
  });

  it.skipIf(skip)("starts from the database's counters, loaded once", async () => {
    const b = budget(1_000, "monthly");
    seeds.set(
      b.subject.id,
      new Map([
        ["m:2026-12", 900],
        ["t", 5_000],
      ]),
    );
    const results = await Promise.all([ledger.reserve("s1", [b], 60, NOW), ledger.reserve("s2", [b], 60, NOW)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(seedCalls.filter((id) => id === b.subject.id)).toHaveLength(1);
    const total = { ...b, fields: ["t"], limitNanos: 5_100 };
    expect(await ledger.status(total, NOW)).toEqual({ spentNanos: 5_000, reservedNanos: 60 });
  });

  it.skipIf(kind !== "redis" || skip)("a reply that arrived while the process was busy wins over the timeout", async () => {
    const b = budget(1_000);
    const busy = new RedisLedger({ client: () => redis, prefix, seed, clock: () => NOW, timeoutMs: 20 });
    await busy.reserve("warm", [b], 1, NOW); // seeded and the script cached: one round trip below
    const pending = busy.reserve("late", [b], 100, NOW);
    // The event loop is blocked past the timeout while Redis answers: both are due when it turns.
    const until = performance.now() + 150;
    while (performance.now() < until);
    expect(await pending).toEqual({ ok: true });
  });

  it.skipIf(kind !== "redis" || skip)("a queue longer than the timeout: scripts wait while Redis answers the ones before", async () => {
    const b = budget(1_000_000);
    // Redis (the real one) behind a connection that hands its replies back one every 30 ms, in order:
    // a busy Redis working through a queue, never quiet for the timeout (100 ms), the last reply at ~300 ms.
    const queue: (() => void)[] = [];
    const slow = {
      status: "ready",
      evalsha: (...a: Parameters<Redis["evalsha"]>) =>
        redis.evalsha(...a).then((reply) => new Promise<unknown>((resolve) => queue.push(() => resolve(reply)))),
      eval: (...a: Parameters<Redis["eval"]>) => redis.eval(...a),
    } as unknown as Redis;
    const drip = setInterval(() => queue.shift()?.(), 30);
    try {
      const fast = new RedisLedger({ client: () => redis, prefix, seed, clock: () => NOW, timeoutMs: 100 });
      await fast.reserve("warm", [b], 1, NOW); // seeded and the script loaded
      const ledger = new RedisLedger({ client: () => slow, prefix, seed, clock: () => NOW, timeoutMs: 100 });
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.reserve(`q${i}`, [b], 1, NOW)));
      expect(performance.now() - started).toBeGreaterThan(250);
      expect(results.every((r) => r.ok)).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it.skipIf(kind !== "redis" || skip)("fails within the timeout when Redis answers nothing", async () => {
    const b = budget(1_000);
    const quiet = new RedisLedger({ client: () => redis, prefix, seed, clock: () => NOW, timeoutMs: 50 });
    await quiet.reserve("warm", [b], 1, NOW);
    const pauser = new Redis(TEST_REDIS_URL); // its own connection (commands wait for it to connect)
    try {
      await pauser.client("PAUSE", 400, "WRITE"); // Redis holds every write command for 400 ms
      const started = performance.now();
      await expect(quiet.reserve("paused", [b], 1, NOW)).rejects.toThrow("budget script took longer than 50 ms");
      expect(performance.now() - started).toBeLessThan(300);
    } finally {
      await pauser.client("UNPAUSE");
      pauser.disconnect();
    }
  });

  it.skipIf(kind !== "redis" || skip)("rebuilds from the database after Redis lost the budget (a flush)", async () => {
    const b = budget(1_000, "total");
    seeds.set(b.subject.id, new Map([["t", 400]]));
    await ledger.reserve("f1", [b], 100, NOW);
    await ledger.settle("f1", [b.id], [{ budget: b, nanos: 100 }], countersAt(NOW), NOW);
    // The database has it too (the log row carried it): what a rebuild reads.
    seeds.set(b.subject.id, new Map([["t", 500]]));
    await redis.del(`${prefix}:{${b.id}}`, `${prefix}:{${b.id}}:z`);
    // A charge while it is gone is not counted in Redis (the database holds it)...
    expect(await ledger.settle("x", [], [{ budget: b, nanos: 7 }], countersAt(NOW), NOW)).toEqual([]);
    // ...and the next use rebuilds from the database.
    expect(await ledger.reserve("f2", [b], 501, NOW)).toMatchObject({ ok: false, spentNanos: 500, reservedNanos: 0 });
    expect(await ledger.reserve("f3", [b], 500, NOW)).toEqual({ ok: true });
  });
});
