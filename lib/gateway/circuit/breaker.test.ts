/**
 * The circuit state machine, in memory and through Redis (DETOUR_TEST_REDIS_URL or 127.0.0.1:6379,
 * unique prefix; skipped when Redis is absent, except with CI=true, where its absence fails them).
 */
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, isCircuitFailure, MemoryCircuitStore, RedisCircuitStore, type CircuitStore } from "./breaker";
import type { CircuitBreakerPolicy } from "../router";

const policy: CircuitBreakerPolicy = { failureThreshold: 2, cooldownMs: 1000 };
const fail = { failure: true, probe: false };
const pass = { failure: false, probe: false };

function stateMachineTests(makeStore: () => CircuitStore) {
  it("opens after failure_threshold consecutive failures, and a success resets the count", async () => {
    const store = makeStore();
    const t = 1_000_000;
    expect(await store.record("a", policy, fail, t)).toBe("none");
    expect(await store.record("a", policy, pass, t)).toBe("none");
    expect(await store.record("a", policy, fail, t)).toBe("none");
    expect(await store.admit("a", policy, t)).toBe("closed");
    expect(await store.record("a", policy, fail, t)).toBe("opened");
    expect(await store.admit("a", policy, t + 999)).toBe("open");
    expect(await store.admit("other", policy, t)).toBe("closed");
  });

  it("lets exactly one probe through after the cooldown; success closes", async () => {
    const store = makeStore();
    const t = 2_000_000;
    await store.record("b", policy, fail, t);
    await store.record("b", policy, fail, t);
    expect(await store.admit("b", policy, t + 1000)).toBe("probe");
    expect(await store.admit("b", policy, t + 1001)).toBe("open");
    // A late result of a request admitted before the circuit opened changes nothing.
    expect(await store.record("b", policy, pass, t + 1002)).toBe("ignored_open");
    expect(await store.admit("b", policy, t + 1003)).toBe("open");
    expect(await store.record("b", policy, { failure: false, probe: true }, t + 1010)).toBe("recovered");
    expect(await store.admit("b", policy, t + 1011)).toBe("closed");
    expect(await store.record("b", policy, fail, t + 1012)).toBe("none"); // the count starts again
  });

  it("a failed probe re-opens for another cooldown; a lost probe frees its claim after a cooldown", async () => {
    const store = makeStore();
    const t = 3_000_000;
    await store.record("c", policy, fail, t);
    await store.record("c", policy, fail, t);
    expect(await store.admit("c", policy, t + 1000)).toBe("probe");
    expect(await store.record("c", policy, { failure: true, probe: true }, t + 1100)).toBe("reopened");
    expect(await store.admit("c", policy, t + 2099)).toBe("open");
    expect(await store.admit("c", policy, t + 2100)).toBe("probe");
    // That probe never reports: the next one is allowed a cooldown later.
    expect(await store.admit("c", policy, t + 3099)).toBe("open");
    expect(await store.admit("c", policy, t + 3100)).toBe("probe");
  });

  it("claims the probe atomically under concurrency", async () => {
    const store = makeStore();
    const t = 4_000_000;
    await store.record("d", policy, fail, t);
    await store.record("d", policy, fail, t);
    const decisions = await Promise.all(Array.from({ length: 20 }, () => store.admit("d", policy, t + 1500)));
    expect(decisions.filter((d) => d === "probe")).toHaveLength(1);
    expect(decisions.filter((d) => d === "open")).toHaveLength(19);
  });
}

describe("isCircuitFailure", () => {
  it("counts network errors, timeouts and the listed statuses", () => {
    expect(isCircuitFailure({ status: 502, errorClass: "network" }, policy)).toBe(true);
    expect(isCircuitFailure({ status: 408, errorClass: "timeout" }, policy)).toBe(true);
    expect(isCircuitFailure({ status: 503 }, policy)).toBe(true);
    expect(isCircuitFailure({ status: 429 }, policy)).toBe(true);
    expect(isCircuitFailure({ status: 400 }, policy)).toBe(false);
    expect(isCircuitFailure({ status: 200 }, policy)).toBe(false);
    const custom = { ...policy, failureStatusCodes: [500] };
    expect(isCircuitFailure({ status: 503 }, custom)).toBe(false);
    expect(isCircuitFailure({ status: 408, errorClass: "timeout" }, custom)).toBe(true);
  });
});

describe("MemoryCircuitStore", () => {
  stateMachineTests(() => new MemoryCircuitStore());
});

describe("CircuitBreaker", () => {
  it("reports state changes and ignores aborted attempts", async () => {
    let now = 5_000_000;
    const events: [string, boolean][] = [];
    const breaker = new CircuitBreaker(new MemoryCircuitStore(), () => now, { onState: (id, open) => events.push([id, open]) });
    await breaker.record("x", policy, { status: 0, errorClass: "aborted" }, false);
    await breaker.record("x", policy, { status: 503 }, false);
    expect(await breaker.record("x", policy, { status: 502, errorClass: "network" }, false)).toBe("opened");
    expect(await breaker.admit("x", policy)).toBe("open");
    now += 1000;
    expect(await breaker.admit("x", policy)).toBe("probe");
    expect(await breaker.record("x", policy, { status: 200 }, true)).toBe("recovered");
    expect(events).toEqual([
      ["x", true],
      ["x", true],
      ["x", false],
    ]);
  });
});

const REDIS_URL = process.env.DETOUR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** With CI=true Redis is mandatory: its absence fails these tests instead of skipping them. */
const REDIS_REQUIRED = process.env.CI === "true";

describe("RedisCircuitStore", async () => {
  // A Redis that is there answers at once; the bound is for a host that swallows packets (and a loaded machine).
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let why = "";
  const available = await probe.connect().then(
    () => true,
    (err: Error) => {
      why = err.message;
      return false;
    },
  );
  probe.disconnect();
  if (!available && !REDIS_REQUIRED)
    console.warn(`[circuit.test] Redis tests SKIPPED: no Redis at ${REDIS_URL} (${why}); with CI=true they fail`);
  const prefix = `detour-test-${randomBytes(4).toString("hex")}`;
  let client: Redis;

  beforeAll(async () => {
    if (!available && REDIS_REQUIRED) throw new Error(`Redis is required with CI=true: no Redis at ${REDIS_URL} (${why})`);
    if (!available) return;
    client = new Redis(REDIS_URL, { enableOfflineQueue: false });
    await new Promise((resolve) => client.once("ready", resolve));
  });
  afterAll(async () => {
    if (!client) return;
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
  });

  describe.skipIf(!available && !REDIS_REQUIRED)("against Redis", () => {
    stateMachineTests(() => new RedisCircuitStore(() => client, prefix));

    it("keeps its keys under the prefix, with a TTL", async () => {
      const store = new RedisCircuitStore(() => client, prefix);
      await store.record("ttl", policy, fail, 6_000_000);
      expect(await client.pttl(`${prefix}:circuit:ttl`)).toBeGreaterThan(0);
    });
  });

  it("fails open (closed, nothing recorded) when Redis is not connected", async () => {
    const errors: string[] = [];
    const down = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false });
    const store = new RedisCircuitStore(() => down, prefix, { onError: (reason) => errors.push(reason) });
    expect(await store.admit("e", policy, 1)).toBe("closed");
    expect(await store.record("e", policy, fail, 1)).toBe("none");
    expect(errors[0]).toMatch(/not connected/);
    down.disconnect();
  });
});
