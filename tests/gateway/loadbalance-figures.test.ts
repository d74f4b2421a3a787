/**
 * Loadbalance by latency and by in_flight over real HTTP (one instance, figures in memory): the mock
 * upstream delays one target; traffic moves away from it while it is slow and comes back once it
 * recovers (the exploration share keeps measuring it); attempts in flight are counted until a
 * stream ends (detour_balance_in_flight) and steer draws to the less busy target.
 * No assertion on speed: only on where requests went, with margins far from what a weight draw gives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const METRICS_TOKEN = "metrics-scraper-token-balance-0001";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("loadbalance by figures", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_METRICS_TOKEN: METRICS_TOKEN });
    openaiVk = await h.openaiKey("OpenAI");
    azureVk = await h.azureKey("Azure");
  });
  afterAll(async () => h?.close());

  /** One chat completion; the provider that answered. */
  async function chat(config: unknown, body: Record<string, unknown> = chatBody()): Promise<string> {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return res.headers.get("x-portkey-provider") ?? "";
  }

  /** `n` requests, `concurrency` at a time; how many each provider answered. */
  async function batch(config: unknown, n: number, concurrency = 4, model = "gpt-4o"): Promise<Record<string, number>> {
    const counts: Record<string, number> = { openai: 0, "azure-openai": 0 };
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          const provider = await chat(config, chatBody({ model }));
          counts[provider] = (counts[provider] ?? 0) + 1;
        }
      }),
    );
    return counts;
  }

  it("latency: moves traffic away from a slow target, and back once it recovers", async () => {
    h.mock.reset();
    const config = { strategy: { mode: "loadbalance", by: "latency" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    // Its own model: figures are per target and model, so other tests' figures do not count here.
    const model = "gpt-4o-latency";
    // Slow by far more than the fast one's time can grow on a loaded machine: at 300 ms, a CI run
    // with both lanes busy measured the fast target slow enough to be tied with it (within 1.2x +
    // 5 ms), and a quarter of the draws went to the slow one; at 1,000 ms, a gateway suite run
    // beside 2,000 concurrent streams (abuse-load) measured it slower still, and 75 of 80 went to
    // the delayed target.
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 3000 } });

    // Both are measured within the first draws (unknown figures draw by weight), then the slow one
    // gets only the exploration share: about 5% with equal weights (a weight draw gives 50%).
    await batch(config, 20, 4, model);
    const slow = await batch(config, 80, 4, model);
    expect(slow.openai, JSON.stringify(slow)).toBeLessThanOrEqual(20);

    // Recovered: exploration keeps measuring it, its moving average falls, and once within the tie
    // margin it shares the traffic by weight again. Bounded: at most 1,200 requests.
    h.mock.clearScript();
    let back: Record<string, number> = {};
    for (let round = 0; round < 30; round++) {
      back = await batch(config, 40, 4, model);
      if ((back.openai ?? 0) >= 12) break;
    }
    expect(back.openai, JSON.stringify(back)).toBeGreaterThanOrEqual(12);
  });

  it("latency: a target that fails fast is not the fast one", async () => {
    h.mock.reset();
    const config = { strategy: { mode: "loadbalance", by: "latency" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    const model = "gpt-4o-fails-fast";
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    h.mock.script({ match: { provider: "azure" }, fault: { kind: "delay", ms: 100 } });
    let failures = 0;
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${h.baseURL}/chat/completions`, {
        method: "POST",
        headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
        body: JSON.stringify(chatBody({ model })),
      });
      await res.arrayBuffer();
      if (i >= 20 && res.status !== 200) failures++;
    }
    // The 503s come back at once, the answers after 100 ms: still, the failing target gets only
    // the exploration share (about 5% of the last 40), not the traffic a "fastest" rule would give it.
    expect(failures).toBeLessThanOrEqual(10);
  });

  it("in_flight: counts attempts in flight until a stream ends, and sends to the less busy target", async () => {
    h.mock.reset();
    const model = "gpt-4o-in-flight";
    const scrape = async () => (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const inFlight = (text: string) =>
      Number(new RegExp(`^detour_balance_in_flight\\{target="openai/${openaiVk}/${model}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? -1);

    // A stream with slow chunks: in flight from its start to its end, not only until its first chunk.
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "slow_chunks", delayMs: 300 } });
    const only = { strategy: { mode: "loadbalance", by: "in_flight" }, targets: [{ virtual_key: openaiVk }] };
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": JSON.stringify(only) }),
      body: JSON.stringify(chatBody({ model, stream: true })),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the first content chunk is here: the stream is still going
    expect(inFlight(await scrape())).toBe(1);
    while (!(await reader.read()).done) {}
    await sleep(50);
    expect(inFlight(await scrape())).toBe(0);

    // OpenAI holds each request 3 s, Azure answers at once: requests started 100 ms apart find
    // OpenAI busy and go to Azure (but for exploration); a weight draw would send about half to OpenAI.
    h.mock.reset();
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 3000 } });
    const both = { strategy: { mode: "loadbalance", by: "in_flight" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] };
    const pending: Promise<string>[] = [];
    for (let i = 0; i < 30; i++) {
      pending.push(chat(both, chatBody({ model })));
      await sleep(100);
    }
    const providers = await Promise.all(pending);
    const toOpenai = providers.filter((p) => p === "openai").length;
    expect(toOpenai, providers.join(",")).toBeLessThanOrEqual(8);
  });
});
