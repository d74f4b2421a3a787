/**
 * Circuit breaking over real HTTP (in-memory breaker, one instance): a fallback config with a
 * breaker (threshold 2, cooldown COOLDOWN_MS) on the OpenAI target; OpenAI answers 503; after two
 * failures OpenAI is skipped (no upstream call, "circuit_open" attempt in the log), after the
 * cooldown exactly one probe reaches it, and once it recovers the circuit closes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const METRICS_TOKEN = "metrics-scraper-token-circuit-0001";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * The requests that must see the circuit open (a few, each a few ms) run within one cooldown:
 * 3 s is generous for them on a loaded machine (the minimum, 1 s, was not), and waiting it out
 * twice costs 6 s. The log rows (written every 250 ms) are read after those requests, not between.
 */
const COOLDOWN_MS = 3_000;

describe("circuit breaker", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_METRICS_TOKEN: METRICS_TOKEN });
    openaiVk = await h.openaiKey("OpenAI");
    azureVk = await h.azureKey("Azure");
  });
  afterAll(async () => h?.close());

  async function chat(headers: Record<string, string>) {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers(headers),
      body: JSON.stringify(chatBody()),
    });
    const text = await res.text();
    return { res, status: res.status, json: JSON.parse(text) as Record<string, any>, requestId: res.headers.get("x-portkey-request-id")! };
  }
  const openaiCalls = () => h.mock.requests({ provider: "openai" }).length;
  const scrapeMetrics = async () => (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  /** detour_circuit_skips_total for openai (0 before the first skip). */
  const skipsOf = (metrics: string) => Number(/^detour_circuit_skips_total\{provider="openai"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const attemptsOf = async (requestId: string) =>
    (await h.waitForLog(requestId)).attempts.map((a) => ({
      provider: a.provider,
      status: a.status,
      errorClass: a.errorClass,
      errorMessage: a.errorMessage,
    }));

  it("skips a failing target until its cooldown ends, probes it once, and closes when it recovers", async () => {
    h.mock.reset();
    const breaker = { failure_threshold: 2, cooldown_ms: COOLDOWN_MS };
    const slug = await h.config("OpenAI (breaker) then Azure", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openaiVk, circuit_breaker: breaker }, { virtual_key: azureVk }],
    });
    const headers = { "x-portkey-config": slug };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });

    // Two failures: both reach OpenAI, then fall back to Azure.
    for (let i = 0; i < 2; i++) {
      const r = await chat(headers);
      expect(r.status).toBe(200);
      expect(r.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    }
    expect(openaiCalls()).toBe(2);

    // Open: OpenAI is skipped without a call.
    const skipped = await chat(headers);
    expect(skipped.status).toBe(200);
    expect(skipped.res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    expect(skipped.res.headers.get("x-portkey-fallback")).toBe("true");
    expect(openaiCalls()).toBe(2);

    // Another config sharing the virtual key shares its circuit.
    const inline = JSON.stringify({
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openaiVk, circuit_breaker: breaker }, { virtual_key: azureVk }],
    });
    expect((await chat({ "x-portkey-config": inline })).status).toBe(200);
    expect(openaiCalls()).toBe(2);
    const open = await scrapeMetrics();
    // The skip as logged (read once the circuit need not be open any more).
    expect(await attemptsOf(skipped.requestId)).toEqual([
      { provider: "openai", status: null, errorClass: "circuit_open", errorMessage: "skipped: circuit open" },
      { provider: "azure-openai", status: 200, errorClass: null, errorMessage: null },
    ]);
    expect(open).toMatch(new RegExp(`^detour_circuit_open\\{target="openai/${openaiVk}"\\} 1$`, "m"));

    // Cooldown over: of several concurrent requests exactly one probes OpenAI (still 503: re-opened).
    await sleep(COOLDOWN_MS + 100);
    const burst = await Promise.all(Array.from({ length: 4 }, () => chat(headers)));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(openaiCalls()).toBe(3);
    await chat(headers);
    expect(openaiCalls()).toBe(3);

    // OpenAI recovers: the next probe closes the circuit, then requests go to OpenAI again.
    await sleep(COOLDOWN_MS + 100);
    h.mock.clearScript();
    const probe = await chat(headers);
    expect(probe.res.headers.get("x-portkey-provider")).toBe("openai");
    expect(probe.res.headers.get("x-portkey-fallback")).toBe("false");
    expect(openaiCalls()).toBe(4);
    const closed = await chat(headers);
    expect(closed.res.headers.get("x-portkey-provider")).toBe("openai");
    expect(openaiCalls()).toBe(5);
    expect(await attemptsOf(closed.requestId)).toEqual([{ provider: "openai", status: 200, errorClass: null, errorMessage: null }]);
    expect(await scrapeMetrics()).toMatch(new RegExp(`^detour_circuit_open\\{target="openai/${openaiVk}"\\} 0$`, "m"));
  });

  it("answers 503 circuit_open (a gateway exception) when every target is skipped, and counts skips in metrics", async () => {
    h.mock.reset();
    const lonely = await h.openaiKey("OpenAI alone");
    const config = JSON.stringify({ virtual_key: lonely, circuit_breaker: { failure_threshold: 1, cooldown_ms: 60_000 } });
    const skipsBefore = skipsOf(await scrapeMetrics());
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 500 } });
    const first = await chat({ "x-portkey-config": config });
    expect(first.status).toBe(500);
    expect(first.res.headers.get("x-portkey-gateway-exception")).toBeNull();

    const r = await chat({ "x-portkey-config": config });
    expect(r.status).toBe(503);
    expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
    expect(r.json.error).toMatchObject({ type: "server_error", code: "circuit_open" });
    expect(r.json.error.message).toMatch(/circuit is open/);
    expect(h.mock.requests({ provider: "openai" })).toHaveLength(1);
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 503, errorType: "circuit_open" });
    expect(log.attempts).toMatchObject([{ provider: "openai", status: null, errorClass: "circuit_open" }]);

    const metrics = await scrapeMetrics();
    expect(skipsOf(metrics) - skipsBefore).toBe(1); // this test's one skipped request
    expect(metrics).toMatch(new RegExp(`^detour_circuit_open\\{target="openai/${lonely}"\\} 1$`, "m"));
  });
});
