/**
 * "$N a month on this virtual key, alert at 80%", end to end at the gateway (docs/GATEWAY.md §12.4):
 * requests through the openai SDK fill the budget; the signed webhook arrives once at 80% (spend
 * crossed it) and once at 100% (the first refusal), to a real HTTP receiver; the requests then stop
 * with 429 budget_exceeded while another key keeps working; /metrics shows the spend, what is left
 * and the alerts.
 */
import { createHmac } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBudget } from "@/lib/store/budgets";
import { startWebhookReceiver, type WebhookReceiver } from "../../testing/webhook-receiver";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const ADMIN_KEY = "detour-budget-alerts-test-admin-key-0";
const SECRET = "whsec-budget-alerts-test-000000001";
const LIMIT = 0.002;

describe("budget alerts from real traffic", () => {
  let h: Harness;
  let receiver: WebhookReceiver;
  let vk: string;
  let vkId: string;
  let other: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await startHarness({
      DETOUR_ADMIN_API_KEY: ADMIN_KEY,
      DETOUR_ALERT_WEBHOOK_URL: receiver.url,
      DETOUR_ALERT_WEBHOOK_SECRET: SECRET,
    });
    vk = await h.openaiKey("alerted", "sk-budget-alerted-0000000000001");
    other = await h.openaiKey("other", "sk-budget-other-00000000000002");
    vkId = (await h.db.virtualKey.findUniqueOrThrow({ where: { slug: vk }, select: { id: true } })).id;
    await writeBudget(h.db, h.workspaceId, { scope: "virtual_key", id: vkId }, { limit_usd: LIMIT, period: "monthly", alert_at_pct: 80 });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("alerts at 80% and at the first refusal, each once, signed; then the key's calls stop and others go on", async () => {
    const client = new OpenAI({
      apiKey: "unused",
      baseURL: h.baseURL,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": h.apiKey, "x-portkey-virtual-key": vk },
    });
    // Each request may cost up to ~$0.0003 (its prompt's bytes and 5 output tokens at gpt-4o's prices) and
    // costs ~$0.00007: spend crosses 80% of $0.002 before a worst case no longer fits.
    let answered = 0;
    let refused = null as { status?: number; error?: { code: string } } | null;
    while (!refused && answered < 60) {
      try {
        const { response } = await client.chat.completions.create(chatBody({ max_tokens: 5 })).withResponse();
        await h.waitForLog(response.headers.get("x-portkey-request-id")!);
        answered++;
      } catch (err) {
        refused = err as typeof refused;
      }
    }
    expect(refused?.status).toBe(429);
    expect(refused?.error?.code).toBe("budget_exceeded");
    // A second refusal in the same period alerts nothing more.
    await expect(client.chat.completions.create(chatBody({ max_tokens: 5 }))).rejects.toMatchObject({ status: 429 });

    const hooks = await receiver.waitFor(2, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(2);
    const bodies = hooks.map((x) => JSON.parse(x.body));
    expect(bodies.map((b) => [b.threshold_pct, b.trigger])).toEqual([
      [80, "spend"],
      [100, "refused"],
    ]);
    expect(bodies[0]).toMatchObject({
      type: "budget.threshold_crossed",
      workspace_id: h.workspaceId,
      budget: {
        id: expect.any(String),
        scope: "virtual_key",
        subject_id: vkId,
        name: vk,
        limit_usd: LIMIT,
        period: "monthly",
        alert_at_pct: 80,
      },
    });
    expect(bodies[0].spent_usd).toBeGreaterThanOrEqual(0.8 * LIMIT);
    expect(bodies[1].spent_usd).toBeLessThanOrEqual(LIMIT);
    for (const hook of hooks) {
      expect(hook.path).toBe("/hooks/detour");
      const expected = createHmac("sha256", SECRET).update(`${hook.headers["x-detour-timestamp"]}.${hook.body}`).digest("hex");
      expect(hook.headers["x-detour-signature"]).toBe(`v1=${expected}`);
      expect(hook.headers["x-detour-event-id"]).toBe(JSON.parse(hook.body).id);
    }

    const fine = await new OpenAI({
      apiKey: "unused",
      baseURL: h.baseURL,
      defaultHeaders: { "x-portkey-api-key": h.apiKey, "x-portkey-virtual-key": other },
    }).chat.completions.create(chatBody({ max_tokens: 5 }));
    expect(fine.choices[0]?.message.content).toContain("Mock answer");

    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).text();
    const value = (line: RegExp) => Number(line.exec(metrics)?.[1]);
    expect(value(new RegExp(`detour_spend_usd_total\\{scope="virtual_key",name="${vk}"\\} ([\\d.e-]+)`))).toBeCloseTo(
      bodies[1].spent_usd,
      9,
    );
    expect(value(new RegExp(`detour_budget_remaining_usd\\{scope="virtual_key",name="${vk}",period="monthly"\\} ([\\d.e-]+)`))).toBeCloseTo(
      LIMIT - bodies[1].spent_usd,
      9,
    );
    expect(value(/detour_budget_alerts_total\{scope="virtual_key",threshold="80"\} (\d+)/)).toBe(1);
    expect(value(/detour_budget_alerts_total\{scope="virtual_key",threshold="100"\} (\d+)/)).toBe(1);
    expect(value(/detour_budget_refused_total\{scope="virtual_key"\} (\d+)/)).toBe(2);
    expect(answered).toBeGreaterThan(3);
  });
});
