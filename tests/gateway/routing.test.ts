/**
 * Routing over real HTTP: saved configs, virtual key by header, direct mode, nested strategies,
 * loadbalance shares, retries with Retry-After, timeouts, all-fail. Log rows checked in the DB.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

describe("routing", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;
  const openaiSecret = "sk-openai-routing-000000000000aaaa";

  beforeAll(async () => {
    h = await startHarness();
    openaiVk = await h.openaiKey("OpenAI", openaiSecret);
    azureVk = await h.azureKey("Azure");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function chat(headers: Record<string, string>, body: Record<string, unknown> = chatBody()) {
    const res = await fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });
    const text = await res.text();
    return { res, status: res.status, json: JSON.parse(text) as Record<string, any>, requestId: res.headers.get("x-portkey-request-id")! };
  }

  it("routes by a saved config id and logs its slug and version", async () => {
    const slug = await h.config("OpenAI then Azure", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
    });
    expect(slug).toMatch(/^pc-openai-[0-9a-f]{6}$/);
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 500 } });
    const r = await chat({ "x-portkey-config": slug });
    expect(r.status).toBe(200);
    expect(r.res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ configSlug: slug, configVersion: 1, fallbackUsed: true });
  });

  it("uses a virtual key named in x-portkey-virtual-key as the single target", async () => {
    const r = await chat({ "x-portkey-virtual-key": openaiVk });
    expect(r.status).toBe(200);
    expect(r.res.headers.get("x-portkey-last-used-option-index")).toBe("config");
    expect(r.res.headers.get("x-portkey-provider")).toBe("openai");
    expect(h.mock.requests()[0]).toMatchObject({ provider: "openai", key: openaiSecret, model: "gpt-4o" });
  });

  it("uses x-portkey-virtual-key as the default credential of config targets without one", async () => {
    const config = { strategy: { mode: "fallback" }, targets: [{ override_params: { model: "gpt-4o-mini" } }, { virtual_key: azureVk }] };
    const r = await chat({ "x-portkey-virtual-key": openaiVk, "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    expect(h.mock.requests()[0]).toMatchObject({ provider: "openai", key: openaiSecret, model: "gpt-4o-mini" });
  });

  it("direct mode: x-portkey-provider with the provider key in Authorization", async () => {
    const r = await chat({
      "x-portkey-provider": "openai",
      authorization: "Bearer sk-direct-0000000000000000bbbb",
      "x-portkey-custom-host": `${h.mock.url}/v1`,
    });
    expect(r.status).toBe(200);
    expect(h.mock.requests()[0]).toMatchObject({ provider: "openai", key: "sk-direct-0000000000000000bbbb" });
    const log = await h.waitForLog(r.requestId);
    expect(log.requestHeaders).not.toContain("sk-direct");
    expect(log.requestHeaders).toContain('"authorization":"[redacted]"');
  });

  it("nested fallback inside loadbalance: the drawn branch falls back within itself", async () => {
    const config = {
      strategy: { mode: "loadbalance" },
      targets: [
        { weight: 1, strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] },
        { weight: 0, virtual_key: openaiVk },
      ],
    };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    expect(r.res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[0].targets[1]");
    const log = await h.waitForLog(r.requestId);
    expect(log.attempts.map((a) => a.targetPath)).toEqual(["config.targets[0].targets[0]", "config.targets[0].targets[1]"]);
  });

  it("loadbalance shares follow the weights within statistical tolerance", async () => {
    const config = {
      strategy: { mode: "loadbalance" },
      targets: [
        { virtual_key: openaiVk, weight: 3 },
        { virtual_key: azureVk, weight: 1 },
      ],
    };
    const n = 200;
    const served = { openai: 0, "azure-openai": 0 } as Record<string, number>;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${h.baseURL}/embeddings`, {
        method: "POST",
        headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
        body: JSON.stringify({ model: "text-embedding-3-small", input: "x" }),
      });
      await res.arrayBuffer();
      served[res.headers.get("x-portkey-provider")!]!++;
    }
    // Expected 150 : 50. Binomial sd = sqrt(200 * 0.75 * 0.25) ~ 6.1; allow 4 sd.
    expect(Math.abs(served.openai! - 150)).toBeLessThan(25);
    expect(served.openai! + served["azure-openai"]!).toBe(n);
  });

  it("retries honour Retry-After and report the retry count", async () => {
    const config = { retry: { attempts: 3, use_retry_after_header: true }, virtual_key: openaiVk };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 429, retryAfterMs: 300 }, times: 2 });
    const started = Date.now();
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    const elapsed = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.res.headers.get("x-portkey-retry-attempt-count")).toBe("2");
    expect(elapsed).toBeGreaterThanOrEqual(600);
    const log = await h.waitForLog(r.requestId);
    expect(log.retryCount).toBe(2);
    expect(log.attempts.map((a) => [a.retry, a.status])).toEqual([
      [0, 429],
      [1, 429],
      [2, 200],
    ]);
    // Time spent waiting on the provider's Retry-After is not Detour's own overhead. Checked as
    // accounting, not against a clock: overhead excludes the upstream calls and the waits (>= 600 ms),
    // so it is at most the whole latency minus 600 ms (+1: latencyMs is rounded), however slow this
    // machine is; counting the waits as overhead would break it unless the 429s took >= 600 ms.
    expect(log.overheadMs).toBeLessThanOrEqual(log.latencyMs - 600 + 1);
  });

  it("retries exhausted -> -1 and the last status", async () => {
    const config = { retry: { attempts: 1, on_status_codes: [500] }, virtual_key: openaiVk };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 500 } });
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(500);
    expect(r.res.headers.get("x-portkey-retry-attempt-count")).toBe("-1");
    expect(h.mock.requests()).toHaveLength(2);
  });

  it("a request_timeout aborts the hanging upstream call and moves to the next target", async () => {
    const config = { strategy: { mode: "fallback" }, request_timeout: 300, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "hang" } });
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    expect(r.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    const hung = await h.mock.waitForRequest({ provider: "openai" }, { timeoutMs: 5_000 });
    expect(hung.aborted).toBe(true);
    const log = await h.waitForLog(r.requestId);
    expect(log.attempts[0]).toMatchObject({ status: 408, errorClass: "timeout" });
  });

  it("x-portkey-request-timeout answers 408 with the timeout error when no target is left", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "hang" } });
    const r = await chat({ "x-portkey-virtual-key": openaiVk, "x-portkey-request-timeout": "200" });
    expect(r.status).toBe(408);
    expect(r.json.error.type).toBe("timeout_error");
    expect(r.json.error.message).toMatch(/Request exceeded the timeout/);
  });

  it("when every target fails, the last target's status and error body come back", async () => {
    const config = { strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 429, retryAfterMs: 10 } });
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(429);
    expect(r.json.error).toMatchObject({ message: expect.any(String) });
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 429, provider: "azure-openai", fallbackUsed: true });
    expect(log.attempts.map((a) => a.status)).toEqual([503, 429]);
  });

  it("a connection reset falls back like any failure", async () => {
    const config = { strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "reset" } });
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    const log = await h.waitForLog(r.requestId);
    expect(log.attempts[0]).toMatchObject({ status: 502, errorClass: "network" });
  });

  it("malformed upstream JSON is a 502 that falls back", async () => {
    const config = { strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "malformed_json" } });
    const r = await chat({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    const log = await h.waitForLog(r.requestId);
    expect(log.attempts[0]).toMatchObject({ status: 502 });
  });

  it("conditional routing on metadata", async () => {
    const config = {
      strategy: { mode: "conditional", conditions: [{ query: { "metadata.tier": { $eq: "pro" } }, then: "azure" }], default: "openai" },
      targets: [
        { name: "openai", virtual_key: openaiVk },
        { name: "azure", virtual_key: azureVk },
      ],
    };
    const pro = await chat({ "x-portkey-config": JSON.stringify(config), "x-portkey-metadata": JSON.stringify({ tier: "pro" }) });
    expect(pro.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    const free = await chat({ "x-portkey-config": JSON.stringify(config), "x-portkey-metadata": JSON.stringify({ tier: "free" }) });
    expect(free.res.headers.get("x-portkey-provider")).toBe("openai");
    const log = await h.waitForLog(pro.requestId);
    expect(log.metadataEntries).toEqual([expect.objectContaining({ key: "tier", value: "pro" })]);
  });

  it("completions and embeddings go through the same routing; /v1/models lists what is reachable", async () => {
    const c = await fetch(`${h.baseURL}/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": azureVk }),
      body: JSON.stringify({ model: "gpt-4o-mini", prompt: "Say hi" }),
    });
    expect(c.status).toBe(200);
    expect(((await c.json()) as { object: string }).object).toBe("text_completion");
    expect(h.mock.requests().at(-1)).toMatchObject({ provider: "azure", deployment: "mini-prod", path: "completions" });
    const e = await fetch(`${h.baseURL}/embeddings`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": openaiVk }),
      body: JSON.stringify({ model: "text-embedding-3-small", input: ["a", "b"] }),
    });
    const ej = (await e.json()) as { data: unknown[] };
    expect(ej.data).toHaveLength(2);
    const m = await fetch(`${h.baseURL}/models`, { headers: h.headers({ "x-portkey-virtual-key": azureVk }) });
    const mj = (await m.json()) as { object: string; data: { id: string }[] };
    expect(mj.object).toBe("list");
    expect(mj.data.map((d) => d.id).sort()).toEqual(["gpt-4o", "gpt-4o-mini"]);
  });
});
