/**
 * Load abuse: well over a thousand concurrent streams through one Detour, then rounds of mixed
 * abuse while the server's resident memory is sampled. Figures are printed (RSS in MiB); nothing
 * is asserted on time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, request } from "undici";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { rssMiB, sleep, sseData } from "../../testing/abuse-helpers";

const STREAMS = 2000;
/**
 * Nothing here is asserted on time, so the tests' time limits only catch a hung run. 2,000 streams
 * of ~9 s, opened in waves over ~4 s, then 2,000 log rows, take ~20 s on an idle machine; on a loaded
 * 2-core machine (this process also runs the mock upstream) several times that, so the gateway
 * project's 60 s default would fail a run that is merely slow. The wait for the log rows (an event
 * wait) gets a limit as generous.
 */
const LOAD_TEST = { timeout: 300_000 };
const ROWS_WAIT_MS = 180_000;

describe("abuse: load and memory", () => {
  let h: Harness;
  let vk: string;
  let pid: number;
  const client = new Agent({ connections: STREAMS + 100, pipelining: 1, keepAliveTimeout: 10_000, connect: { timeout: 60_000 } });

  beforeAll(async () => {
    h = await startHarness({ DETOUR_MAX_BODY_BYTES: String(256 * 1024) });
    vk = await h.openaiKey("OpenAI");
    pid = h.server.child.pid!;
  });
  afterAll(async () => {
    await client.close();
    await h?.close();
  });

  /**
   * Connection-level failures before any answer (a listen queue that overflowed on this shared
   * 2-core machine: SYN retransmits, resets) are retried up to 3 times and counted. Such a request
   * never reached Detour: the exact log-row count below proves it (a retried request that Detour
   * had seen would leave a second row).
   */
  let connectRetries = 0;
  async function streamWithRetry(traceId: string): Promise<{ status: number; events: string[] }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await streamOnce(traceId);
      } catch (err) {
        const code = (err as { code?: string }).code ?? "";
        if (attempt >= 3 || !/ECONNRESET|ECONNREFUSED|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET/.test(code))
          return { status: -1, events: [`${code} ${String(err)}`] };
        connectRetries++;
      }
    }
  }

  async function streamOnce(traceId: string): Promise<{ status: number; events: string[] }> {
    const res = await request(`${h.baseURL}/chat/completions`, {
      method: "POST",
      dispatcher: client,
      headers: h.headers({ "x-portkey-virtual-key": vk, "x-portkey-trace-id": traceId }),
      body: JSON.stringify(chatBody({ stream: true })),
    });
    return { status: res.statusCode, events: sseData(await res.body.text()) };
  }

  async function waitForRows(prefix: string, n: number): Promise<number> {
    const deadline = Date.now() + ROWS_WAIT_MS;
    for (;;) {
      const count = await h.db.requestLog.count({ where: { traceId: { startsWith: prefix } } });
      if (count >= n || Date.now() > deadline) return count;
      await sleep(250);
    }
  }

  it(`${STREAMS} concurrent streams all complete, each logged once, with bounded memory`, LOAD_TEST, async () => {
    // ~9 frames 1 s apart: every stream lasts ~9 s, longer than opening them all takes, so they overlap in Detour and upstream.
    h.mock.script({ match: { stream: true }, fault: { kind: "slow_chunks", delayMs: 1000 } });
    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
    const pending: Promise<{ status: number; events: string[] }>[] = [];
    // Opened in waves of 100 (the test process also runs the mock upstream: a single burst of
    // 1,500 connects overflows the listen queues (backlog 511) and only measures SYN retransmits).
    for (let i = 0; i < STREAMS; i++) {
      if (i > 0 && i % 100 === 0) await sleep(200);
      pending.push(streamWithRetry(`load-${i}`));
    }
    const results = await Promise.all(pending);
    clearInterval(sampler);

    const failed = results.filter((r) => r.status !== 200 || r.events.at(-1) !== "[DONE]");
    expect(failed.slice(0, 3)).toEqual([]);
    // Every stream carried the whole answer: role chunk, content chunks, finish chunk, [DONE].
    const lengths = new Set(results.map((r) => r.events.length));
    expect(lengths.size).toBe(1);
    expect(await waitForRows("load-", STREAMS)).toBe(STREAMS);
    expect(await h.db.requestLog.count({ where: { traceId: { startsWith: "load-" }, status: 200, errorType: null } })).toBe(STREAMS);

    // How many streams the upstream had open at once.
    const spans = h.mock.requests().map((r) => [r.time, r.time + (r.durationMs ?? 0)] as const);
    const marks = spans.flatMap(([a, b]) => [[a, 1] as const, [b, -1] as const]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let open = 0;
    let overlap = 0;
    for (const [, d] of marks) {
      open += d;
      overlap = Math.max(overlap, open);
    }
    await sleep(1000);
    const after = rssMiB(pid);
    console.log(
      `[abuse-load] ${STREAMS} streams: upstream overlap ${overlap}, connect retries ${connectRetries}; server RSS MiB before ${before}, peak ${peak}, after ${after}`,
    );
    // The overlap depends on how fast this shared machine lets Detour start streams: reported, not
    // asserted; the test below proves deterministically that no connection pool caps it.
    // Measured ~125 MiB over the idle process for 1,000 streams, ~250 MiB for 2,000; 400 MiB (0.2 MiB
    // a stream) is a generous ceiling that still catches buffering whole streams or retaining them after the end.
    expect(peak - before).toBeLessThan(400);
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
  });

  it("400 requests waiting on a slow upstream are all in flight upstream at once (no pool queue)", LOAD_TEST, async () => {
    // A cap on upstream connections (undici's default pool, or a fixed 256) would hold requests
    // beyond it in a queue, where long streams make the wait minutes long and eat request_timeout.
    h.mock.reset();
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "hang" } });
    const n = 400;
    const controller = new AbortController();
    const calls = Array.from({ length: n }, (_, i) =>
      request(`${h.baseURL}/chat/completions`, {
        method: "POST",
        dispatcher: client,
        signal: controller.signal,
        headers: h.headers({ "x-portkey-virtual-key": vk, "x-portkey-trace-id": `hang-${i}` }),
        body: JSON.stringify(chatBody()),
      }).catch(() => null),
    );
    const deadline = Date.now() + 40_000;
    while (h.mock.requests().length < n && Date.now() < deadline) await sleep(200);
    expect(h.mock.requests()).toHaveLength(n);
    controller.abort();
    await Promise.all(calls);
    expect(await waitForRows("hang-", n)).toBe(n);
    expect(await h.db.requestLog.count({ where: { traceId: { startsWith: "hang-" }, status: 499 } })).toBe(n);
  });
});
