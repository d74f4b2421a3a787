/**
 * Budgets across instances (docs/GATEWAY.md §12.3): two instances on one PostgreSQL and one Redis
 * share one ledger. Waves of 300 concurrent requests of mixed sizes, alternating A and B, with 20%
 * of upstream answers failing, against a $0.05 budget until a wave finds it spent: the settled spend stays within the limit (the
 * documented bound is 0 for these requests), every refusal came before any upstream call (the
 * mock's counters), each refusal was due (spend + reservations + the request's worst case passed
 * the limit at that instant), and at rest nothing stays reserved. Then both
 * instances restart, and Detour's Redis keys are flushed: the spend survives, rebuilt from the
 * database, and the budget still holds.
 */
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBudget } from "@/lib/store/budgets";
import { startServer, waitForHealthOrExit } from "@/testing/server-process";
import {
  admin,
  call,
  instance,
  probeServices,
  REDIS_URL,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  type Cluster,
  type Instance,
} from "../../testing/multi-instance-harness";

const services = await probeServices();
if (!services.ok && !SERVICES_REQUIRED) {
  console.warn(
    `\n[tests/multi] SKIPPED: ${services.reason}. These tests need PostgreSQL and Redis; with CI=true they fail instead of skipping.\n`,
  );
}

const LIMIT = 0.05;
const SECRET = "sk-budget-multi-0000000000000001";

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: one budget, held through Redis and the database", () => {
  let c: Cluster;
  let vk: string;
  let vkId: string;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
    const r = await admin(c.a, "POST", "/virtual-keys", {
      name: `budget ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: SECRET,
      custom_host: `${c.mock.url}/v1`,
    });
    expect(r.status, r.text).toBe(201);
    vk = r.json.slug;
    vkId = (await c.db.virtualKey.findUniqueOrThrow({ where: { slug: vk }, select: { id: true } })).id;
    // Before any request: each instance reads the workspace's budgets once and caches them.
    await writeBudget(c.db, c.workspaceId, { scope: "virtual_key", id: vkId }, { limit_usd: LIMIT, period: "monthly", alert_at_pct: 80 });
  }, 120_000);
  afterAll(async () => c?.close());

  /** A chat request of mixed size: 10 to ~2,000 characters of prompt, 5 to 100 output tokens. */
  const body = (i: number) => ({
    model: "gpt-4o",
    max_tokens: [5, 20, 50, 100][i % 4],
    messages: [{ role: "user", content: `request ${i} ${"lorem ipsum ".repeat((i * 37) % 170)}` }],
  });
  /** Request `n` with its output limit replaced (a worst case too big for what is left, in the checks below). */
  const sendWith = (i: Instance, n: number, maxTokens: number) =>
    call(
      i,
      "POST",
      "/chat/completions",
      { ...body(n), max_tokens: maxTokens },
      { "x-portkey-api-key": c.gatewayKey, "x-portkey-virtual-key": vk },
    );
  const send = (i: Instance, n: number) =>
    call(i, "POST", "/chat/completions", body(n), { "x-portkey-api-key": c.gatewayKey, "x-portkey-virtual-key": vk });

  const spendRows = async () =>
    (await c.db.spendDaily.findMany({ where: { scope: "virtual_key", subjectId: vkId } })).reduce((s, r) => s + r.costUsd, 0);
  const loggedCost = async () => {
    const rows = await c.db.requestLog.findMany({ where: { virtualKeySlug: vk, status: 200 }, select: { cost: true } });
    return { rows: rows.length, usd: rows.reduce((s, r) => s + (r.cost ?? 0), 0) };
  };

  it("waves of 300 concurrent requests over A and B, 20% upstream failures: spend within the limit, refusals before any call and only when due", async () => {
    c.mock.script({ match: { key: SECRET }, fault: { kind: "status", status: 500 }, probability: 0.2 });
    // 300 at once, alternating A and B, again and again until a whole wave is refused: the first
    // waves race for the budget's room; the last finds it spent.
    const answers: { status: number; json: any }[] = [];
    let waves = 0;
    for (; waves < 30; waves++) {
      const wave = await Promise.all(Array.from({ length: 300 }, (_, n) => send(n % 2 ? c.b : c.a, waves * 300 + n)));
      answers.push(...wave);
      if (wave.every((a) => a.status === 429)) break;
    }
    expect(waves, "a wave found the budget spent").toBeLessThan(30);

    const ok = answers.filter((a) => a.status === 200);
    const failed = answers.filter((a) => a.status === 500);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok.length + failed.length + refused.length, JSON.stringify(answers.filter((a) => ![200, 500, 429].includes(a.status)))).toBe(
      answers.length,
    );
    expect(ok.length).toBeGreaterThan(10);
    expect(failed.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    // Refused requests never reached the provider: it saw exactly the answered and the failed ones.
    expect(c.mock.requests({ key: SECRET })).toHaveLength(ok.length + failed.length);
    for (const r of refused) {
      expect(r.json.error).toMatchObject({ code: "budget_exceeded", type: "insufficient_quota" });
      const b = r.json.error.budget;
      expect(b).toMatchObject({ scope: "virtual_key", limit_usd: LIMIT, period: "monthly" });
      // No false refusal: at that instant, spend + reservations + this request's worst case passed the limit.
      expect(b.spent_usd + b.reserved_usd + b.requested_usd).toBeGreaterThan(LIMIT);
    }

    // Every answer's log row written (both instances), then: what was charged = what the rows say, within the limit.
    await waitFor(async () => (await loggedCost()).rows === ok.length, 15_000, "the answered requests' log rows");
    const logged = await loggedCost();
    await waitFor(async () => Math.abs((await spendRows()) - logged.usd) < 1e-9, 10_000, "SpendDaily to match the logged costs");
    const spent = await spendRows();
    expect(spent).toBeLessThanOrEqual(LIMIT);
    // At rest every reservation is released and the ledger agrees with the database: a request too big
    // for what is left is refused with nothing reserved, and a small one that fits is answered (the
    // refusals above were due to requests then in flight, not to reservations left behind).
    c.mock.reset();
    const tooBig = await sendWith(c.b, 2, 100_000);
    expect(tooBig.status, tooBig.text).toBe(429);
    expect(tooBig.json.error.budget.reserved_usd).toBe(0);
    expect(tooBig.json.error.budget.spent_usd).toBeCloseTo(spent, 9);
    if (LIMIT - spent > 0.0005) expect((await send(c.a, 0)).status).toBe(200);
    // Failed requests charged nothing.
    const failedRows = await c.db.requestLog.findMany({ where: { virtualKeySlug: vk, status: 500 }, select: { cost: true } });
    expect(failedRows.every((r) => !r.cost)).toBe(true);
  }, 120_000);

  it("after both instances restart and Detour's Redis keys are flushed, the spend is rebuilt from the database and the budget still holds", async () => {
    c.mock.reset();
    const restart = async (which: "a" | "b") => {
      await c[which].server.stop();
      const server = await startServer(c.env[which]);
      c[which] = instance(which.toUpperCase(), server); // held by the cluster (stopped at close) even if it fails to start
      const ready = await waitForHealthOrExit(server);
      expect(ready.health, server.output()).toBe(200);
    };
    await Promise.all([restart("a"), restart("b")]);
    // Stopping drained each instance's log writer: the database holds every charge.
    const spent = await spendRows();
    expect(spent).toBeGreaterThan(0);

    const big = (i: Instance) => sendWith(i, 1, 4_000);
    for (const i of [c.a, c.b]) {
      const r = await big(i);
      expect(r.status, r.text).toBe(429);
      expect(r.json.error.budget.spent_usd).toBeCloseTo(spent, 9);
    }

    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${c.prefix}:budget:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    for (const i of [c.b, c.a]) {
      const r = await big(i);
      expect(r.status, r.text).toBe(429);
      expect(r.json.error.budget.spent_usd).toBeCloseTo(spent, 9);
      expect(r.json.error.budget.reserved_usd).toBe(0);
    }
    expect(c.mock.requests()).toHaveLength(0);
  }, 120_000);

  it("while B cannot reach Redis, B enforces the budget alone from the database: still refused, no error", async () => {
    c.mock.reset();
    const spent = await spendRows();
    await c.redisProxy.cut();
    try {
      await waitFor(async () => (await c.b.health()).body.redis !== "ok", 10_000, "B to see Redis gone");
      const r = await sendWith(c.b, 1, 4_000);
      expect(r.status, r.text).toBe(429);
      expect(r.json.error.budget.spent_usd).toBeCloseTo(spent, 9);
      // A's view, through Redis, is the same.
      const a = await sendWith(c.a, 1, 4_000);
      expect(a.status, a.text).toBe(429);
    } finally {
      await c.redisProxy.restore();
    }
    expect(c.mock.requests()).toHaveLength(0);
  }, 60_000);
});
