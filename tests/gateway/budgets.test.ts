/**
 * Budgets at the gateway (docs/GATEWAY.md §12), one instance on SQLite or PostgreSQL, without
 * Redis (the in-memory ledger): a request's worst-case cost is reserved before any upstream call and
 * its real cost charged after; a budget that would be passed answers 429 `budget_exceeded` (checked
 * through the openai SDK, body and headers) before the provider is called, while other keys keep
 * working; a model without a price under a budget is refused; a stream the client cuts is charged
 * an estimate; what is charged is persisted with the log rows (SpendDaily).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from "@/lib/crypto";
import { writeBudget } from "@/lib/store/budgets";
import type { BudgetInput } from "@/lib/budgets/types";
import type { BudgetRefusal } from "@/lib/errors";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

type BudgetError = { message: string; type: string; param: string | null; code: string; budget: BudgetRefusal };

const ADMIN_KEY = "detour-budgets-test-admin-key-000001";

const monthly = (limit_usd: number, alert_at_pct: number | null = null): BudgetInput => ({ limit_usd, period: "monthly", alert_at_pct });

/** The first instant of next month (UTC). */
function nextMonth(): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
}

describe("budgets at the gateway", () => {
  let h: Harness;
  let limited: string; // virtual key with a $0.004 monthly budget
  let limitedId: string;
  let free: string; // virtual key without a budget
  let cut: string; // virtual key with a roomy total budget, for the cut stream
  let cutId: string;
  let configSlug: string; // a config with a budget that fits one request
  let secondKey: string; // an API key with a daily budget of $0.0005

  const sdk = (headers: Record<string, string>, apiKey = h.apiKey) =>
    new OpenAI({
      apiKey: "unused-by-detour",
      baseURL: h.baseURL,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": apiKey, ...headers },
    });

  const vkId = async (slug: string) => (await h.db.virtualKey.findUniqueOrThrow({ where: { slug }, select: { id: true } })).id;

  const spendOf = async (scope: string, subjectId: string) => {
    const rows = await h.db.spendDaily.findMany({ where: { scope, subjectId } });
    return rows.reduce((sum, r) => sum + r.costUsd, 0);
  };

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    limited = await h.openaiKey("limited", "sk-budget-limited-000000000001");
    free = await h.openaiKey("free", "sk-budget-free-00000000000000002");
    cut = await h.openaiKey("cut", "sk-budget-cut-000000000000000003");
    limitedId = await vkId(limited);
    cutId = await vkId(cut);
    const freeId = await vkId(free);
    configSlug = await h.config("budgeted", { virtual_key: free });
    const config = await h.db.config.findUniqueOrThrow({ where: { slug: configSlug }, select: { id: true } });
    secondKey = generateApiKey();
    const second = await h.db.apiKey.create({
      data: {
        workspaceId: h.workspaceId,
        name: "daily capped",
        prefix: apiKeyDisplayPrefix(secondKey),
        hash: hashApiKey(secondKey),
        scope: "gateway",
      },
    });
    // Budgets are read per workspace and cached: all of them are set before the first request.
    await writeBudget(h.db, h.workspaceId, { scope: "virtual_key", id: limitedId }, monthly(0.004, 80));
    await writeBudget(h.db, h.workspaceId, { scope: "virtual_key", id: cutId }, { limit_usd: 1, period: "total", alert_at_pct: null });
    await writeBudget(h.db, h.workspaceId, { scope: "config", id: config.id }, monthly(0.001));
    await writeBudget(h.db, h.workspaceId, { scope: "api_key", id: second.id }, { limit_usd: 0.0005, period: "daily", alert_at_pct: null });
    void freeId;
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  it("refuses with 429 budget_exceeded before any upstream call once the budget would be passed; other keys keep working", async () => {
    const client = sdk({ "x-portkey-virtual-key": limited });
    const costs: number[] = [];
    let refusal: { status?: number; error?: BudgetError; headers?: Headers } | null = null;
    for (let i = 0; i < 40 && !refusal; i++) {
      try {
        const { data, response } = await client.chat.completions.create(chatBody({ max_tokens: 50 })).withResponse();
        expect(data.choices[0]?.message.content).toContain("Mock answer from openai");
        const row = await h.waitForLog(response.headers.get("x-portkey-request-id")!);
        expect(row.cost).toBeGreaterThan(0);
        costs.push(row.cost!);
      } catch (err) {
        const e = err as { status?: number; error?: BudgetError; headers?: Headers };
        refusal = e;
      }
    }
    expect(refusal, "a refusal within 40 requests").not.toBeNull();
    expect(refusal!.status).toBe(429);
    const error = refusal!.error!;
    expect(error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded", param: null });
    expect(error.budget).toMatchObject({
      scope: "virtual_key",
      name: `virtual key "${limited}"`,
      limit_usd: 0.004,
      period: "monthly",
      resets_at: nextMonth(),
    });
    // Refused only because this request's worst case did not fit: spend + reservations + request > limit.
    const b = error.budget;
    expect(b.spent_usd + b.reserved_usd + b.requested_usd).toBeGreaterThan(0.004);
    expect(b.spent_usd + b.reserved_usd).toBeLessThanOrEqual(0.004);
    expect(error.message).toContain(`the monthly budget of $0.0040 on virtual key "${limited}"`);
    expect(Number(refusal!.headers?.get("retry-after"))).toBeGreaterThan(0);
    // The mock saw exactly the requests that were answered: the refusal never reached it.
    expect(h.mock.requests({ key: "sk-budget-limited-000000000001" })).toHaveLength(costs.length);
    // What was spent stayed within the limit, and is what the log rows (and the budget's spend rows) say.
    const spent = costs.reduce((a, c) => a + c, 0);
    expect(spent).toBeLessThanOrEqual(0.004);
    expect(b.spent_usd).toBeCloseTo(spent, 9);
    await expect.poll(() => spendOf("virtual_key", limitedId), { timeout: 5_000 }).toBeCloseTo(spent, 9);

    // Another key of the same workspace is not affected.
    const other = await sdk({ "x-portkey-virtual-key": free }).chat.completions.create(chatBody({ max_tokens: 50 }));
    expect(other.choices[0]?.message.content).toContain("Mock answer from openai");
  });

  it("a request under a budget whose model has no price is refused (400 price_unknown) before any call", async () => {
    const err = await sdk({ "x-portkey-virtual-key": limited })
      .chat.completions.create(chatBody({ model: "mystery-model-9000", max_tokens: 5 }))
      .then(
        () => null,
        (e: { status?: number; error?: BudgetError }) => e,
      );
    expect(err?.status).toBe(400);
    expect(err?.error).toMatchObject({ code: "price_unknown", type: "invalid_request_error", param: "model" });
    expect(err?.error?.message).toContain('Detour has no price for model "mystery-model-9000" on openai');
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a config's budget counts the requests it routes, and an API key's daily budget its own", async () => {
    const viaConfig = sdk({ "x-portkey-config": configSlug });
    // $0.001 fits one request of this size (worst case ~$0.0008), not two at once; sequentially the second still fits (~$0.0002 spent).
    const first = await viaConfig.chat.completions.create(chatBody({ max_tokens: 50 })).withResponse();
    const firstRow = await h.waitForLog(first.response.headers.get("x-portkey-request-id")!);
    const config = await h.db.config.findUniqueOrThrow({ where: { slug: configSlug }, select: { id: true } });
    await expect.poll(() => spendOf("config", config.id), { timeout: 5_000 }).toBeCloseTo(firstRow.cost!, 9);
    const big = await viaConfig.chat.completions.create(chatBody({ max_tokens: 1_000 })).then(
      () => null,
      (e: { status?: number; error?: BudgetError }) => e,
    );
    expect(big?.status).toBe(429);
    expect(big?.error?.budget).toMatchObject({ scope: "config", name: `config ${configSlug}`, limit_usd: 0.001 });

    const capped = sdk({ "x-portkey-virtual-key": free }, secondKey);
    const refused = await capped.chat.completions.create(chatBody({ max_tokens: 100 })).then(
      () => null,
      (e: { status?: number; error?: BudgetError }) => e,
    );
    expect(refused?.status).toBe(429);
    const tomorrow = new Date(Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000).toISOString();
    expect(refused?.error?.budget).toMatchObject({
      scope: "api_key",
      name: 'API key "daily capped"',
      period: "daily",
      resets_at: tomorrow,
    });
    // The same key with a smaller worst case fits.
    const small = await capped.chat.completions.create(chatBody({ max_tokens: 5 }));
    expect(small.choices[0]?.finish_reason).toBe("length");
  });

  it("a stream the client cuts mid-way is charged Detour's estimate, persisted with its log row", async () => {
    h.mock.script({ match: { key: "sk-budget-cut-000000000000000003" }, fault: { kind: "slow_chunks", delayMs: 300 } });
    const controller = new AbortController();
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": cut }),
      body: JSON.stringify(chatBody({ stream: true, max_tokens: 200 })),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-portkey-request-id")!;
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes('"content":"Mock')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const row = await h.waitForLog(id);
    expect(row.status).toBe(499);
    expect(row.usageEstimated).toBe(true);
    // The prompt at its upper bound (the body's bytes), one output token per event read: gpt-4o at $2.50 / $10 per 1M.
    const bodyBytes = Buffer.byteLength(JSON.stringify(chatBody({ stream: true, max_tokens: 200 })));
    expect(row.promptTokens).toBe(bodyBytes);
    expect(row.completionTokens).toBeGreaterThanOrEqual(2);
    expect(row.completionTokens).toBeLessThan(8);
    expect(row.cost).toBeCloseTo((bodyBytes * 2.5 + row.completionTokens! * 10) / 1e6, 10);
    await expect.poll(() => spendOf("virtual_key", cutId), { timeout: 5_000 }).toBeCloseTo(row.cost!, 10);
  });

  it("a stream the upstream breaks after content is charged the same estimate", async () => {
    const before = await spendOf("virtual_key", cutId);
    h.mock.script({
      match: { key: "sk-budget-cut-000000000000000003" },
      fault: { kind: "stream_break_after_chunks", chunks: 2 },
      times: 1,
    });
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": cut }),
      body: JSON.stringify(chatBody({ stream: true, max_tokens: 200 })),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("upstream_stream_broken");
    const row = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(row.errorType).toBe("upstream_stream_broken");
    expect(row.usageEstimated).toBe(true);
    expect(row.completionTokens).toBeGreaterThanOrEqual(2);
    expect(row.cost).toBeGreaterThan(0);
    await expect.poll(() => spendOf("virtual_key", cutId), { timeout: 5_000 }).toBeCloseTo(before + row.cost!, 10);
  });

  it("an API key rotated with a grace period: the old key's spend counts for the new key's budget too, which goes on from it", async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${h.baseURL}${path}`, {
        method,
        headers: { "x-portkey-api-key": ADMIN_KEY, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }).then(async (r) => ({ status: r.status, json: await r.json() }));
    const created = await admin("POST", "/api-keys", {
      name: "rotating",
      scope: "gateway",
      budget: { limit_usd: 0.0015, period: "daily" },
    });
    expect(created.status).toBe(201);
    const oldClient = sdk({ "x-portkey-virtual-key": free }, created.json.key);
    const before = await oldClient.chat.completions.create(chatBody({ max_tokens: 20 })).withResponse();
    const first = await h.waitForLog(before.response.headers.get("x-portkey-request-id")!);
    await expect.poll(() => spendOf("api_key", created.json.id), { timeout: 5_000 }).toBeCloseTo(first.cost!, 10);

    const rotated = await admin("POST", `/api-keys/${created.json.id}/rotate`, { grace_period_seconds: 600 });
    expect(rotated.status).toBe(201);
    // The new key starts from the old one's spend...
    expect(rotated.json.budget.spend.spent_usd).toBeCloseTo(first.cost!, 10);
    // ...and what the old key spends in its grace period counts for both.
    const during = await oldClient.chat.completions.create(chatBody({ max_tokens: 20 })).withResponse();
    const second = await h.waitForLog(during.response.headers.get("x-portkey-request-id")!);
    await expect.poll(() => spendOf("api_key", rotated.json.id), { timeout: 5_000 }).toBeCloseTo(first.cost! + second.cost!, 10);
    expect(await spendOf("api_key", created.json.id)).toBeCloseTo(first.cost! + second.cost!, 10);
  });
});
