/**
 * No memory growth under sustained abuse: rounds of mixed faults, aborted streams, oversized and
 * stalled bodies and normal traffic, with the server's resident memory sampled after each round.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, request } from "undici";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { rssMiB, sleep } from "../../testing/abuse-helpers";

const ROUNDS = 8;
const PER_ROUND = 160;
const LIMIT = 256 * 1024;

describe("abuse: memory", () => {
  let h: Harness;
  let fallback: string;
  let slowVk: string;
  const client = new Agent({ connections: 64, connect: { timeout: 60_000 } });

  beforeAll(async () => {
    // A capped old generation makes V8 collect instead of growing lazily (uncapped, RSS climbed
    // ~25 MiB a round for 8 rounds, all of it garbage): a real leak then exhausts the heap and
    // kills the server, which the health check at the end catches, and RSS becomes comparable.
    h = await startHarness({
      DETOUR_MAX_BODY_BYTES: String(LIMIT),
      DETOUR_BODY_TIMEOUT_MS: "300",
      NODE_OPTIONS: "--max-old-space-size=160",
    });
    const openai = await h.openaiKey("OpenAI", "sk-faulty-00000000000000");
    const azure = await h.azureKey("Azure");
    slowVk = await h.openaiKey("Slow", "sk-slow-0000000000000000");
    fallback = JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: openai }, { virtual_key: azure }] });
    // The first target fails about half the time, in every way the mock knows; Azure rescues.
    for (const kind of [
      "reset",
      "malformed_json",
      "sse_garbage",
      "stream_break_before_first_chunk",
      "stream_break_after_chunks",
    ] as const) {
      h.mock.script({
        match: { key: "sk-faulty-00000000000000" },
        fault: kind === "stream_break_after_chunks" ? { kind, chunks: 2 } : { kind },
        probability: 0.15,
      });
    }
    h.mock.script({ match: { key: "sk-slow-0000000000000000" }, fault: { kind: "slow_chunks", delayMs: 50 } });
  });
  afterAll(async () => {
    await client.close();
    await h?.close();
  });

  /**
   * One request of the mix; i picks its kind (i % 8). Resolves with what the client got: the status,
   * "200 chunk" for the abandoned stream once its first chunk arrived, or "error <code>".
   */
  async function one(i: number): Promise<string> {
    const kind = i % 8;
    const big = "x".repeat(100 * 1024); // every body is large, so a leak of bodies shows in RSS
    const send = (headers: Record<string, string>, body: string, signal?: AbortSignal) =>
      request(`${h.baseURL}/chat/completions`, { method: "POST", dispatcher: client, headers: h.headers(headers), body, signal }).then(
        async (r) => {
          await r.body.text();
          return String(r.statusCode);
        },
      );
    if (kind <= 2)
      return send(
        { "x-portkey-config": fallback },
        JSON.stringify(chatBody({ stream: kind === 2, messages: [{ role: "user", content: big }] })),
      );
    if (kind === 3) return send({ "x-portkey-config": fallback }, "x".repeat(LIMIT + 1024));
    if (kind === 4) {
      // A stream the client abandons after its first chunk.
      const controller = new AbortController();
      const res = await request(`${h.baseURL}/chat/completions`, {
        method: "POST",
        dispatcher: client,
        signal: controller.signal,
        headers: h.headers({ "x-portkey-virtual-key": slowVk }),
        body: JSON.stringify(chatBody({ stream: true, messages: [{ role: "user", content: big }] })),
      });
      let chunks = 0;
      for await (const _ of res.body) {
        chunks++;
        break;
      }
      controller.abort();
      return `${res.statusCode}${chunks > 0 ? " chunk" : " no chunk"}`;
    }
    if (kind === 5) return stalledBody();
    return send({ "x-portkey-config": fallback }, JSON.stringify(chatBody({ stream: kind === 7 })));
  }

  /** Half a body, then silence until Detour answers 408 and closes; resolves with the status Detour answered. */
  function stalledBody(): Promise<string> {
    return new Promise((resolve) => {
      let answer = "";
      const socket = net.connect(h.server.port, "127.0.0.1");
      const head = Object.entries(h.headers({ "x-portkey-config": fallback }))
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 4000\r\n${head}\r\n{"model":`);
      socket.on("data", (d: Buffer) => {
        answer += d.toString("latin1");
      });
      socket.on("close", () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? "no answer"));
      socket.on("error", () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? "no answer"));
      setTimeout(() => socket.destroy(), 10_000).unref();
    });
  }

  /** What each kind of request got, over all rounds: kind -> outcome -> count. */
  const outcomes: Record<number, Record<string, number>> = {};
  async function round(n: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const outcome = await one(i).catch((err: { code?: string; message?: string }) => `error ${err.code ?? err.message}`);
        const byKind = outcomes[i % 8] ?? {};
        byKind[outcome] = (byKind[outcome] ?? 0) + 1;
        outcomes[i % 8] = byKind;
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
  }

  it(`${ROUNDS} rounds of ${PER_ROUND} mixed abusive requests: resident memory levels off`, async () => {
    const pid = h.server.child.pid!;
    const samples: number[] = [rssMiB(pid)];
    for (let r = 0; r < ROUNDS; r++) {
      await round(PER_ROUND);
      await sleep(500);
      samples.push(rssMiB(pid));
    }
    console.log(`[abuse-memory] server RSS MiB: idle ${samples[0]}, after each round ${samples.slice(1).join(", ")}`);
    console.log(`[abuse-memory] outcomes by kind: ${JSON.stringify(outcomes)}`);
    // The requests were served as each kind must be (a server that refused or failed them all would
    // also keep its memory flat): every normal request answered 200 (the faulty first target rescued by
    // Azure), the oversized body 413, the abandoned stream 200 with its first chunk, the stalled body 408.
    const each = (ROUNDS * PER_ROUND) / 8;
    expect(outcomes).toEqual({
      0: { "200": each },
      1: { "200": each },
      2: { "200": each },
      3: { "413": each },
      4: { "200 chunk": each },
      5: { "408": each },
      6: { "200": each },
      7: { "200": each },
    });
    // RSS rises during the first rounds (code paths compiled, pools and caches filled) and then
    // wanders by some tens of MiB with GC timing (measured: 257-302 MiB over 10 rounds). Warm-up =
    // rounds 1-3; plateau = their maximum; the last 3 rounds must stay under plateau + 64 MiB.
    // That catches a leak of more than ~13 MiB a round (~80 KiB per request: retaining the 100 KiB
    // bodies, streams or sockets these requests carry); smaller leaks only show in longer runs
    // (the soak benchmark), or as the capped heap running out.
    const plateau = Math.max(...samples.slice(1, 4));
    const bound = plateau + 64;
    for (const s of samples.slice(-3)) expect(s).toBeLessThan(bound);
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    const health = (await (await fetch(`${h.url}/api/health`)).json()) as { log_queue: { dropped: number } };
    expect(health.log_queue.dropped).toBe(0);
  });
});
