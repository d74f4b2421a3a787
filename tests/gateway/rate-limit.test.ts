/**
 * Detour's own rate limits on one instance (in memory, no REDIS_URL): set through the management
 * API, enforced before any upstream call, answered 429 with retry-after and an error that says it
 * is Detour's limit, logged and counted.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const ADMIN_KEY = "detour-rate-limit-test-admin-key-00";
const WINDOW_MS = 60_000;

/** Waits for a fresh minute window when the current one ends within `marginMs` (the windows are fixed, clock-aligned). */
async function awayFromWindowEnd(marginMs = 8_000): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 200));
}

describe("rate limits (one instance, in memory)", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(async () => h?.close());

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.baseURL}${path}`, {
      method,
      headers: { "x-portkey-api-key": ADMIN_KEY, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const chat = async (apiKey: string, headers: Record<string, string>, body: Record<string, unknown> = chatBody()) => {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: { ...h.headers(headers), "x-portkey-api-key": apiKey },
      body: JSON.stringify(body),
    });
    return { res, text: await res.text() };
  };
  const metric = async (scope: string) => {
    const text = await (await fetch(`${h.url}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).text();
    const line = text.split("\n").find((l) => l.startsWith(`detour_rate_limited_total{scope="${scope}"}`));
    return line ? Number(line.split(" ").at(-1)) : 0;
  };

  it("the API sets, shows, changes and validates rate_limits", async () => {
    const created = await admin("POST", "/api-keys", { name: `limits ${randomBytes(3).toString("hex")}`, rateLimits: { rpm: 10 } });
    expect(created.status).toBe(201);
    expect(created.json.rate_limits).toEqual({ rpm: 10, tpm: null });
    const put = await admin("PUT", `/api-keys/${created.json.id}`, { rate_limits: { tpm: 500 } });
    expect(put.status).toBe(200);
    expect(put.json.rate_limits).toEqual({ rpm: 10, tpm: 500 });
    expect((await admin("GET", `/api-keys/${created.json.id}`)).json.rate_limits).toEqual({ rpm: 10, tpm: 500 });
    expect((await admin("PUT", `/api-keys/${created.json.id}`, { rate_limits: { rpm: null } })).json.rate_limits).toEqual({
      rpm: null,
      tpm: 500,
    });
    const bad = await admin("PUT", `/api-keys/${created.json.id}`, { rate_limits: { rpm: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe("rate_limits.rpm");
    expect((await admin("PUT", `/api-keys/${created.json.id}`, { rate_limits: { rph: 5 } })).status).toBe(400);
    expect((await admin("PUT", `/api-keys/${created.json.id}`, { name: "x" })).status).toBe(400);

    const vk = await admin("POST", "/virtual-keys", {
      name: `limits ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: "sk-x",
      custom_host: `${h.mock.url}/v1`,
      rate_limits: { tpm: 1000 },
    });
    expect(vk.status).toBe(201);
    expect(vk.json.rate_limits).toEqual({ rpm: null, tpm: 1000 });
    const vkPut = await admin("PUT", `/virtual-keys/${vk.json.slug}`, { rateLimits: { rpm: 7 } });
    expect(vkPut.status).toBe(200);
    expect(vkPut.json.rate_limits).toEqual({ rpm: 7, tpm: 1000 });
    expect((await admin("PUT", `/virtual-keys/${vk.json.slug}`, { rate_limits: null })).json.rate_limits).toEqual({ rpm: null, tpm: null });
  });

  it("rpm on an API key: the 4th request in the minute gets Detour's 429 with retry-after, is not sent upstream, and is logged", async () => {
    const vk = await h.openaiKey(`rpm ${randomBytes(3).toString("hex")}`);
    const created = await admin("POST", "/api-keys", { name: `rpm ${randomBytes(3).toString("hex")}` });
    expect(created.status).toBe(201);
    const key: string = created.json.key;
    // Warm the gateway's cache with the key unlimited, so the PUT must invalidate it.
    expect((await chat(key, { "x-portkey-virtual-key": vk })).res.status).toBe(200);
    const put = await admin("PUT", `/api-keys/${created.json.id}`, { rate_limits: { rpm: 3 } });
    expect(put.status).toBe(200);
    const before429 = await metric("api_key");

    await awayFromWindowEnd();
    for (let i = 0; i < 3; i++) {
      const ok = await chat(key, { "x-portkey-virtual-key": vk });
      expect(ok.res.status, ok.text).toBe(200);
    }
    const upstreamBefore = h.mock.requests().at(-1)?.seq;
    const { res, text } = await chat(key, { "x-portkey-virtual-key": vk });
    expect(res.status).toBe(429);
    expect(h.mock.requests().at(-1)?.seq).toBe(upstreamBefore); // nothing went upstream
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get("x-portkey-gateway-exception")).toBe("true");
    expect(JSON.parse(text)).toEqual({
      error: {
        message: `Detour rate limit exceeded for API key ${JSON.stringify(created.json.name)} (3 requests per minute). This limit is set in Detour, not by the provider.`,
        type: "rate_limit_error",
        param: null,
        code: "detour_rate_limit",
      },
    });
    const row = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(row).toMatchObject({ status: 429, errorType: "detour_rate_limit", attempts: [] });
    expect(await metric("api_key")).toBe(before429 + 1);

    // Other keys are not affected.
    expect((await chat(h.apiKey, { "x-portkey-virtual-key": vk })).res.status).toBe(200);
  });

  it("tpm on a virtual key: once the tokens counted this minute reach the limit, requests naming it get 429", async () => {
    const created = await admin("POST", "/virtual-keys", {
      name: `tpm ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: "sk-tpm",
      custom_host: `${h.mock.url}/v1`,
      rate_limits: { tpm: 1 },
    });
    expect(created.status).toBe(201);
    const vk: string = created.json.slug;
    await awayFromWindowEnd();
    const first = await chat(h.apiKey, { "x-portkey-virtual-key": vk });
    expect(first.res.status, first.text).toBe(200);
    expect(JSON.parse(first.text).usage.total_tokens).toBeGreaterThan(0);
    // The tokens are counted when the request's log record is made (after the answer): poll briefly.
    let last = await chat(h.apiKey, { "x-portkey-virtual-key": vk });
    for (let i = 0; i < 20 && last.res.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = await chat(h.apiKey, { "x-portkey-virtual-key": vk });
    }
    expect(last.res.status, last.text).toBe(429);
    expect(JSON.parse(last.text).error).toMatchObject({
      code: "detour_rate_limit",
      type: "rate_limit_error",
      message: `Detour rate limit exceeded for virtual key ${JSON.stringify(vk)} (1 tokens per minute). This limit is set in Detour, not by the provider.`,
    });
    expect(Number(last.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const row = await h.waitForLog(last.res.headers.get("x-portkey-request-id")!);
    expect(row).toMatchObject({ status: 429, errorType: "detour_rate_limit" });
    expect(await metric("virtual_key")).toBeGreaterThanOrEqual(1);

    // Raising the limit through the API takes effect at once (cache invalidated).
    expect((await admin("PUT", `/virtual-keys/${vk}`, { rate_limits: { tpm: null } })).status).toBe(200);
    expect((await chat(h.apiKey, { "x-portkey-virtual-key": vk })).res.status).toBe(200);
  });
});
