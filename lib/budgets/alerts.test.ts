/**
 * Budget alerts: which settles cross a threshold, what the claimer logs, counts and sends, and that
 * the caller never waits. The webhook goes to a real HTTP server on 127.0.0.1 (allowed the way the
 * gateway's tests allow their mock upstream: DETOUR_ALLOWED_PRIVATE_HOSTS, parsed by lib/env.ts).
 * Claims here are an in-memory set with the store's contract; alerts.storage.test.ts runs the same
 * path on SQLite and PostgreSQL.
 */
import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LEVEL, captureLogger } from "@/testing/capture-logger";
import { metricValue } from "@/testing/metric-value";
import { type ReceivedWebhook, startWebhookReceiver, testPort, type WebhookReceiver } from "@/testing/webhook-receiver";
import { parseEnv } from "../env";
import { type BudgetAlerts, type ClaimAlert, createBudgetAlerts, crossedThresholds, noteSpend, type SpendCrossing } from "./alerts";
import { currentPeriod } from "./period";
import type { Budget } from "./types";
import { createWebhookSender } from "./webhook";

const SECRET = "whsec_test_0123456789";
const ENV = parseEnv({ DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1" });
/** 2026-03-18 14:30 UTC: a Wednesday. */
const NOW = Date.UTC(2026, 2, 18, 14, 30, 0);

const budget = (over: Partial<Budget> = {}): Budget => ({
  id: "bud_1",
  workspaceId: "ws_1",
  scope: "api_key",
  subjectId: "key_1",
  limitUsd: 10,
  period: "monthly",
  alertAtPct: 80,
  ...over,
});

const crossing = (before: number, after: number, over: Partial<SpendCrossing> = {}): SpendCrossing => {
  const b = over.budget ?? budget();
  return { budget: b, name: "prod backend", period: currentPeriod(b.period, NOW), spentBeforeUsd: before, spentAfterUsd: after, ...over };
};

/** The store's contract in memory: the first claim of (budget, period, threshold) wins. */
function memoryClaims() {
  const taken = new Set<string>();
  const calls: string[] = [];
  const claim: ClaimAlert = async (budgetId, periodKey, threshold) => {
    const key = `${budgetId}|${periodKey}|${threshold}`;
    calls.push(key);
    if (taken.has(key)) return false;
    taken.add(key);
    return true;
  };
  return { claim, calls };
}

function verifies(hook: ReceivedWebhook): boolean {
  const ts = String(hook.headers["x-detour-timestamp"]);
  const expected = `v1=${createHmac("sha256", SECRET).update(`${ts}.${hook.body}`).digest("hex")}`;
  return hook.headers["x-detour-signature"] === expected;
}

let receiver: WebhookReceiver;
let alerts: BudgetAlerts | undefined;
beforeAll(async () => {
  receiver = await startWebhookReceiver(testPort(1));
});
afterAll(() => receiver.close());
afterEach(async () => {
  await alerts?.close(1_000);
  alerts = undefined;
  receiver.reset();
});

function setup(claim: ClaimAlert = memoryClaims().claim) {
  const { log, lines } = captureLogger();
  const webhook = createWebhookSender({ url: receiver.url, secret: SECRET, allowedHosts: ENV.allowedPrivateHosts, log });
  alerts = createBudgetAlerts({ claim, webhook, log, now: () => NOW });
  const a = alerts;
  /** Every crossing noted so far claimed and every webhook answered. */
  const settle = async () => {
    await a.settled();
    expect(await webhook.drain(5_000)).toBe(true);
  };
  return { alerts: a, lines, settle };
}

describe("crossedThresholds", () => {
  const b = budget({ limitUsd: 10, alertAtPct: 80 });
  it("fires a threshold when before < pct% of the limit <= after", () => {
    expect(crossedThresholds(b, 7, 8)).toEqual([80]);
    expect(crossedThresholds(b, 8, 9.99)).toEqual([]);
    expect(crossedThresholds(b, 9.99, 10)).toEqual([100]);
    expect(crossedThresholds(b, 10, 25)).toEqual([]);
  });
  it("fires both, lowest first, on a jump across both, and nothing below", () => {
    expect(crossedThresholds(b, 7, 12)).toEqual([80, 100]);
    expect(crossedThresholds(b, 0, 7.99)).toEqual([]);
  });
  it("alerts at 100% only without alert_at_pct, and once when alert_at_pct is 100", () => {
    expect(crossedThresholds(budget({ alertAtPct: null }), 0, 9)).toEqual([]);
    expect(crossedThresholds(budget({ alertAtPct: null }), 0, 10)).toEqual([100]);
    expect(crossedThresholds(budget({ alertAtPct: 100 }), 5, 11)).toEqual([100]);
  });
});

describe("budget alerts", () => {
  it("at 80% then 100%: one warn line, one count and one signed webhook each, in order", async () => {
    const { alerts, lines, settle } = setup();
    const before = {
      80: await metricValue("detour_budget_alerts_total", { scope: "api_key", threshold: "80" }),
      100: await metricValue("detour_budget_alerts_total", { scope: "api_key", threshold: "100" }),
    };
    alerts.noteSpend(crossing(7.5, 8.25));
    await settle();
    alerts.noteSpend(crossing(8.25, 9));
    alerts.noteSpend(crossing(9, 10.5));
    await settle();

    const hooks = receiver.received;
    expect(hooks).toHaveLength(2);
    for (const hook of hooks) {
      expect(hook.method).toBe("POST");
      expect(hook.path).toBe("/hooks/detour");
      expect(hook.headers["content-type"]).toBe("application/json");
      expect(hook.headers["user-agent"]).toBe("Detour");
      expect(Number(hook.headers["x-detour-timestamp"])).toBeCloseTo(Date.now() / 1000, -1);
      expect(verifies(hook)).toBe(true);
    }
    const [first, second] = hooks.map((h) => JSON.parse(h.body));
    expect(first).toEqual({
      type: "budget.threshold_crossed",
      id: hooks[0]!.headers["x-detour-event-id"],
      created_at: "2026-03-18T14:30:00.000Z",
      workspace_id: "ws_1",
      budget: {
        id: "bud_1",
        scope: "api_key",
        subject_id: "key_1",
        name: "prod backend",
        limit_usd: 10,
        period: "monthly",
        alert_at_pct: 80,
      },
      threshold_pct: 80,
      trigger: "spend",
      spent_usd: 8.25,
      period_start: "2026-03-01T00:00:00.000Z",
      resets_at: "2026-04-01T00:00:00.000Z",
    });
    expect(second).toMatchObject({ threshold_pct: 100, spent_usd: 10.5, id: hooks[1]!.headers["x-detour-event-id"] });
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.id).not.toBe(first.id);

    const raised = lines.filter((l) => l.msg.startsWith("budget alert:"));
    expect(raised.map((l) => l.level)).toEqual([LEVEL.warn, LEVEL.warn]);
    expect(raised[0]).toMatchObject({
      budget_id: "bud_1",
      workspace_id: "ws_1",
      scope: "api_key",
      subject_id: "key_1",
      name: "prod backend",
      threshold_pct: 80,
      spent_usd: 8.25,
      limit_usd: 10,
      period: "monthly",
      period_key: "2026-03-01",
      period_start: "2026-03-01T00:00:00.000Z",
      resets_at: "2026-04-01T00:00:00.000Z",
      event_id: first.id,
      msg: 'budget alert: api_key "prod backend" spent $8.25, 80% or more of its monthly limit of $10 (period 2026-03-01)',
    });
    expect(raised[1]).toMatchObject({ threshold_pct: 100, spent_usd: 10.5 });
    expect(await metricValue("detour_budget_alerts_total", { scope: "api_key", threshold: "80" })).toBe(before[80] + 1);
    expect(await metricValue("detour_budget_alerts_total", { scope: "api_key", threshold: "100" })).toBe(before[100] + 1);
  });

  it("a jump across both thresholds sends both, 80 before 100", async () => {
    const { alerts, settle } = setup();
    alerts.noteSpend(
      crossing(1, 15, { budget: budget({ scope: "virtual_key", subjectId: "vk_1", period: "daily" }), name: "openai-prod" }),
    );
    await settle();
    const bodies = receiver.received.map((h) => JSON.parse(h.body));
    expect(bodies.map((b) => b.threshold_pct)).toEqual([80, 100]);
    expect(bodies[0]).toMatchObject({
      budget: { scope: "virtual_key", subject_id: "vk_1", name: "openai-prod", period: "daily" },
      spent_usd: 15,
      period_start: "2026-03-18T00:00:00.000Z",
      resets_at: "2026-03-19T00:00:00.000Z",
    });
    expect(receiver.received.every(verifies)).toBe(true);
  });

  it("a refusal raises the 100% alert once per period (trigger refused), even though spend stays below the limit", async () => {
    const claims = memoryClaims();
    const { alerts, lines, settle } = setup(claims.claim);
    alerts.noteSpend(crossing(9.7, 9.7, { refused: true }));
    alerts.noteSpend(crossing(9.8, 9.8, { refused: true })); // a second refusal in the same period
    await settle();
    expect(claims.calls).toEqual(["bud_1|2026-03-01|100", "bud_1|2026-03-01|100"]);
    const bodies = receiver.received.map((h) => JSON.parse(h.body));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ threshold_pct: 100, trigger: "refused", spent_usd: 9.7 });
    expect(lines.map((l) => l.msg)).toContainEqual(
      expect.stringContaining("refused a request: its monthly limit of $10 is reached ($9.7 spent"),
    );
    expect(receiver.received.every(verifies)).toBe(true);
  });

  it("a settle that stays below every threshold fires nothing, not even a claim", async () => {
    const claims = memoryClaims();
    const { alerts, lines, settle } = setup(claims.claim);
    const counted = await metricValue("detour_budget_alerts_total");
    alerts.noteSpend(crossing(1, 7.99));
    alerts.noteSpend(crossing(8.5, 9.5));
    await settle();
    expect(claims.calls).toEqual([]);
    expect(receiver.received).toEqual([]);
    expect(lines).toEqual([]);
    expect(await metricValue("detour_budget_alerts_total")).toBe(counted);
  });

  it("once per budget, period and threshold: a repeat is not sent, a new period is", async () => {
    const claims = memoryClaims();
    const { alerts, settle } = setup(claims.claim);
    const total = budget({ period: "total", alertAtPct: null });
    alerts.noteSpend(crossing(9, 10));
    // The same crossing again (another settle racing on the same spend, or a restart).
    alerts.noteSpend(crossing(9, 10));
    alerts.noteSpend(crossing(9, 11, { budget: total, period: currentPeriod("total", NOW) }));
    alerts.noteSpend(crossing(9, 12, { period: currentPeriod("monthly", Date.UTC(2026, 3, 2)) }));
    await settle();
    expect(claims.calls).toEqual(["bud_1|2026-03-01|100", "bud_1|2026-03-01|100", "bud_1|total|100", "bud_1|2026-04-01|100"]);
    const bodies = receiver.received.map((h) => JSON.parse(h.body));
    expect(bodies.map((b) => [b.period_start, b.resets_at, b.spent_usd])).toEqual([
      ["2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z", 10],
      [null, null, 11],
      ["2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z", 12],
    ]);
  });

  it("the caller never waits: noteSpend returns before the claim resolves and before anything is sent", async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const asked: string[] = [];
    const { alerts, settle } = setup(async (id, key, pct) => {
      asked.push(`${id}|${key}|${pct}`);
      await gate;
      return true;
    });
    const started = performance.now();
    alerts.noteSpend(crossing(7, 8));
    expect(performance.now() - started).toBeLessThan(50);
    // Returned with nothing claimed yet and nothing on the wire.
    expect(asked).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked).toEqual(["bud_1|2026-03-01|80"]);
    expect(receiver.received).toEqual([]);
    release?.();
    await settle();
    expect(receiver.received).toHaveLength(1);
  });

  it("a claim that fails (database down) is logged with the crossing, not sent, and noteSpend does not throw", async () => {
    const { alerts, lines, settle } = setup(async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
    });
    expect(() => alerts.noteSpend(crossing(7, 8))).not.toThrow();
    await settle();
    expect(receiver.received).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: LEVEL.error,
        msg: "budget alert lost: the database did not record it",
        budget_id: "bud_1",
        threshold_pct: 80,
        err: expect.objectContaining({ message: "connect ECONNREFUSED 127.0.0.1:5432" }),
      }),
    ]);
  });

  it("after close, a crossing is logged as not raised and nothing is claimed", async () => {
    const claims = memoryClaims();
    const { alerts, lines } = setup(claims.claim);
    await alerts.close(100);
    alerts.noteSpend(crossing(7, 8));
    expect(claims.calls).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ level: LEVEL.warn, msg: "budget alert not raised: Detour is shutting down", budget_id: "bud_1" });
  });

  it("the exported noteSpend never throws and creates nothing for a settle below every threshold", () => {
    expect(() => noteSpend(crossing(1, 2))).not.toThrow();
    expect(() => noteSpend(undefined as unknown as SpendCrossing)).not.toThrow();
  });
});
