/**
 * Circuit state shared through Redis: a circuit opened by failures seen on instance A makes
 * instance B skip that target without calling it (B hears of it on the circuit announcements
 * channel). With B cut off from Redis, B still skips what it knows to be open and fails open
 * (calls the target) for circuits it knows nothing about, instead of failing requests.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  chatVia,
  probeServices,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  type Cluster,
  type Instance,
  newVirtualKey,
  channelSubscribers,
} from "../../testing/multi-instance-harness";

const services = await probeServices();

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: circuit breaker state in Redis", () => {
  let c: Cluster;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
  });
  afterAll(async () => c?.close());

  const newVk = (name: string, key: string) => newVirtualKey(c, name, key);
  const metricsOf = async (i: Instance) => (await fetch(`${i.url}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).text();
  const circuitSubscribers = () => channelSubscribers(c, "circuit");

  it("B skips a target whose circuit A opened; without Redis B keeps what it knows and fails open for the rest", async () => {
    const badKey = `sk-bad-${randomBytes(8).toString("hex")}`;
    const goodKey = `sk-good-${randomBytes(8).toString("hex")}`;
    const [bad, good] = [await newVk("bad", badKey), await newVk("good", goodKey)];
    c.mock.script({ match: { key: badKey }, fault: { kind: "status", status: 503 } });
    const config = JSON.stringify({
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: bad, circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 } }, { virtual_key: good }],
    });
    const headers = { "x-portkey-config": config };
    const badCalls = () => c.mock.requests({ key: badKey }).length;

    // An instance sets up its breaker, and subscribes to the announcements, on its first request with a
    // circuit_breaker target: give both one (a healthy target), then wait until Redis counts both
    // subscribers, so that B is listening (and skips without asking Redis) when A opens the circuit.
    const healthy = {
      "x-portkey-config": JSON.stringify({ virtual_key: good, circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 } }),
    };
    for (const i of [c.a, c.b]) expect((await chatVia(i, c.mock, c.gatewayKey, healthy)).key).toBe(goodKey);
    await waitFor(async () => (await circuitSubscribers()) === 2, 10_000, "A and B to subscribe to the circuit announcements");

    for (let i = 0; i < 2; i++) {
      const r = await chatVia(c.a, c.mock, c.gatewayKey, headers);
      expect(r.status).toBe(200);
      expect(r.key).toBe(goodKey);
    }
    expect(badCalls()).toBe(2);

    // The result that opened the circuit is recorded fire-and-forget, then announced: wait, without
    // sending B a request, until B has heard it (its circuit gauge turns to 1; B has never routed to
    // this target, so the gauge's label is "other"). B, listening, counts a circuit nobody announced
    // as closed without asking Redis: had it missed the announcement, its next request would call the
    // bad target once (and learn from that failure), which a loop of requests would hide.
    await waitFor(
      async () => /^detour_circuit_open\{target="[^"]*"\} 1$/m.test(await metricsOf(c.b)),
      10_000,
      "B to hear that A opened the circuit",
    );
    const before = badCalls();
    expect(before).toBe(2);
    const r = await chatVia(c.b, c.mock, c.gatewayKey, headers);
    expect(r.status).toBe(200);
    expect(r.key).toBe(goodKey);
    expect(badCalls()).toBe(2); // B skipped it on its first request: no call of its own

    // B loses Redis. It still skips the circuit it heard was open (what it knows stays true until the
    // cooldown ends); a circuit it knows nothing about counts as closed (fails open), and its failures
    // cannot be recorded, so it keeps calling that target (and falls back).
    const otherBadKey = `sk-bad2-${randomBytes(8).toString("hex")}`;
    const otherBad = await newVk("bad2", otherBadKey);
    c.mock.script({ match: { key: otherBadKey }, fault: { kind: "status", status: 503 } });
    const otherHeaders = {
      "x-portkey-config": JSON.stringify({
        strategy: { mode: "fallback" },
        targets: [{ virtual_key: otherBad, circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 } }, { virtual_key: good }],
      }),
    };
    const otherBadCalls = () => c.mock.requests({ key: otherBadKey }).length;
    await c.redisProxy.cut();
    try {
      await waitFor(async () => (await c.b.health()).body.redis === "error", 5_000, "B notices Redis is gone");
      const cut = await chatVia(c.b, c.mock, c.gatewayKey, headers);
      expect(cut.status).toBe(200);
      expect(cut.key).toBe(goodKey);
      expect(badCalls()).toBe(before);
      for (let i = 0; i < 3; i++) {
        const r2 = await chatVia(c.b, c.mock, c.gatewayKey, otherHeaders);
        expect(r2.status).toBe(200);
        expect(r2.key).toBe(goodKey);
      }
      expect(otherBadCalls()).toBe(3);
      // A, still on Redis, keeps skipping the first one.
      await chatVia(c.a, c.mock, c.gatewayKey, headers);
      expect(badCalls()).toBe(before);
    } finally {
      await c.redisProxy.restore();
    }
  });
});
