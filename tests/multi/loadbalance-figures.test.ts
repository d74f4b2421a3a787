/**
 * Loadbalance figures shared through Redis: attempts instance A holds in flight to a slow target
 * reach instance B in A's report (published every second), so B's draws by in_flight avoid that
 * target though B itself has nothing in flight there. With B cut off from Redis, its requests are
 * still answered (it goes by its own figures).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chatVia,
  probeServices,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  type Cluster,
  newVirtualKey,
  channelSubscribers,
} from "../../testing/multi-instance-harness";

const services = await probeServices();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: loadbalance figures through Redis", () => {
  let c: Cluster;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
  });
  afterAll(async () => c?.close());

  const newVk = (name: string, key: string) => newVirtualKey(c, name, key);
  const subscribers = () => channelSubscribers(c, "balance");

  it("B avoids a target A keeps busy, and answers without Redis", async () => {
    const slowKey = `sk-slow-${randomBytes(8).toString("hex")}`;
    const fastKey = `sk-fast-${randomBytes(8).toString("hex")}`;
    const [slow, fast] = [await newVk("slow", slowKey), await newVk("fast", fastKey)];
    const both = {
      "x-portkey-config": JSON.stringify({
        strategy: { mode: "loadbalance", by: "in_flight" },
        targets: [{ virtual_key: slow }, { virtual_key: fast }],
      }),
    };
    const onlySlow = {
      "x-portkey-config": JSON.stringify({ strategy: { mode: "loadbalance", by: "in_flight" }, targets: [{ virtual_key: slow }] }),
    };

    // Requests whose configs measure nothing (a fallback, a loadbalance by weight) set up no figures:
    // no subscription, no report timer.
    for (const i of [c.a, c.b])
      for (const strategy of [{ mode: "fallback" }, { mode: "loadbalance" }])
        expect(
          (await chatVia(i, c.mock, c.gatewayKey, { "x-portkey-config": JSON.stringify({ strategy, targets: [{ virtual_key: fast }] }) }))
            .status,
        ).toBe(200);
    await sleep(300);
    expect(await subscribers()).toBe(0);

    // Each instance sets up its figures (and subscribes) on its first request with such a node.
    for (const i of [c.a, c.b])
      expect(
        (
          await chatVia(i, c.mock, c.gatewayKey, {
            "x-portkey-config": JSON.stringify({ strategy: { mode: "loadbalance", by: "in_flight" }, targets: [{ virtual_key: fast }] }),
          })
        ).status,
      ).toBe(200);
    await waitFor(async () => (await subscribers()) === 2, 10_000, "A and B to subscribe to the figures channel");

    // A holds four requests on the slow target for 8 s (the rule delays those four only); B hears of
    // them within a report or two.
    c.mock.script({ match: { key: slowKey }, fault: { kind: "delay", ms: 8000 }, times: 4 });
    const held = Array.from({ length: 4 }, () => chatVia(c.a, c.mock, c.gatewayKey, onlySlow));
    await sleep(2_500);

    // B has nothing in flight anywhere: without A's figures its draws would be even (about 10 of 20);
    // with them, the slow target is drawn by exploration only (about 1 in 20).
    let toSlow = 0;
    for (let i = 0; i < 20; i++) {
      const r = await chatVia(c.b, c.mock, c.gatewayKey, both);
      expect(r.status).toBe(200);
      if (r.key !== fastKey) toSlow++;
    }
    expect(toSlow).toBeLessThanOrEqual(4);
    for (const r of await Promise.all(held)) expect(r.status).toBe(200);

    // B loses Redis: its requests are still answered, at once (by its own figures).
    c.mock.clearScript();
    await c.redisProxy.cut();
    try {
      for (let i = 0; i < 5; i++) expect((await chatVia(c.b, c.mock, c.gatewayKey, both)).status).toBe(200);
    } finally {
      await c.redisProxy.restore();
    }
  });

  it("B hedges after the fleet's p95: A's answer times reach it with A's figures", async () => {
    const slowKey = `sk-p95s-${randomBytes(8).toString("hex")}`;
    const fastKey = `sk-p95f-${randomBytes(8).toString("hex")}`;
    const [slow, fast] = [await newVk("p95 slow", slowKey), await newVk("p95 fast", fastKey)];
    const hedged = {
      "x-portkey-config": JSON.stringify({
        strategy: { mode: "fallback", hedge: { after_ms: "p95" } },
        targets: [{ virtual_key: slow }, { virtual_key: fast }],
      }),
    };
    /** The key (its last four characters) whose answer the client got: the mock names it in the text. */
    const answeredBy = (r: { json: { choices?: { message?: { content?: string } }[] } }) =>
      /key \.\.\.(\w{4})/.exec(r.json.choices?.[0]?.message?.content ?? "")?.[1];

    // B routes such a config once (an answer at once: 1 sample); both listen to the figures channel.
    expect((await chatVia(c.b, c.mock, c.gatewayKey, hedged)).status).toBe(200);
    await waitFor(async () => (await subscribers()) === 2, 10_000, "A and B to listen to the figures channel");
    // A learns the first target's time: 24 answers in ~300 ms (under the 2000 ms wait of a target
    // without a p95, so no hedge yet).
    c.mock.script({ match: { key: slowKey }, fault: { kind: "delay", ms: 300 } });
    for (let i = 0; i < 24; i++) {
      const r = await chatVia(c.a, c.mock, c.gatewayKey, hedged);
      expect(r.status).toBe(200);
      expect(answeredBy(r)).toBe(slowKey.slice(-4));
    }
    await sleep(2_500); // a report or two from A

    // Now the first target takes 1500 ms. On its own B would wait 2000 ms (1 sample: no p95) and get
    // the first target's answer; with A's histogram its p95 is ~300-360 ms, and the hedge to the
    // second target answers first.
    c.mock.clearScript();
    c.mock.script({ match: { key: slowKey }, fault: { kind: "delay", ms: 1500 } });
    const r = await chatVia(c.b, c.mock, c.gatewayKey, hedged);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe(fastKey.slice(-4));
    c.mock.clearScript();
  });
});
