/**
 * `server-timing` (docs/GATEWAY.md §3): `gateway` is Detour's own time, from the request taken by its
 * server to the answer handed to the socket, a stream's relay to its last chunk included; the waits
 * on the provider (`upstream`) and on the client (a slow upload, a full socket) are not in it. A
 * stream's whole figure comes as a trailer to a client that asks (`TE: trailers`). The log row's
 * overhead_ms adds the server's write of the answer's last bytes, which no header can hold.
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

type Timing = { gateway: number; upstream: number };

function parseTiming(value: string | undefined | null): Timing {
  const m = /^gateway;dur=(\d+\.\d\d), upstream;dur=(\d+\.\d\d)$/.exec(value ?? "");
  if (!m) throw new Error(`not Detour's server-timing: ${value}`);
  return { gateway: Number(m[1]), upstream: Number(m[2]) };
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string; trailers: NodeJS.Dict<string> };

/** A request through node:http (which reads trailers), its body sent in `pieces` spaced `gapMs` apart. */
function send(h: Harness, body: unknown, headers: Record<string, string> = {}, pieces = 1, gapMs = 0): Promise<Answer> {
  const text = JSON.stringify(body);
  const url = new URL(`${h.baseURL}/chat/completions`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { ...h.headers(), ...headers } },
      (res) => {
        let out = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (out += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: out, trailers: res.trailers }));
      },
    );
    req.on("error", reject);
    const size = Math.ceil(text.length / pieces);
    const write = (i: number) => {
      if (i >= pieces) return req.end();
      req.write(text.slice(i * size, (i + 1) * size));
      setTimeout(() => write(i + 1), gapMs);
    };
    write(0);
  });
}

describe("server-timing: Detour's own time", () => {
  let h: Harness;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness();
    vk = await h.openaiKey("timing", "sk-timing-0000000000000000001");
    // A process's first requests load and compile what they run (tens of ms): not what is measured here.
    for (const stream of [false, true])
      expect((await send(h, { ...chatBody(), stream }, { "x-portkey-virtual-key": vk })).status).toBe(200);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  it("a JSON answer: the provider's 400 ms are upstream, not Detour's, and the log says the same", async () => {
    h.mock.script({ fault: { kind: "delay", ms: 400 }, times: 1 });
    const r = await send(h, chatBody(), { "x-portkey-virtual-key": vk });
    expect(r.status).toBe(200);
    const t = parseTiming(r.headers["server-timing"] as string);
    // The mock's timer runs from its event loop's time, which a busy loop leaves behind: a little early.
    expect(t.upstream).toBeGreaterThanOrEqual(350);
    expect(t.gateway).toBeGreaterThan(0);
    expect(t.gateway).toBeLessThan(t.upstream - 300);
    const log = await h.waitForLog(r.headers["x-portkey-request-id"] as string);
    // The header's figure, and the write of the answer after it: well under the 400 ms upstream
    // (a few ms, more on a machine starved of CPU).
    expect(log.overheadMs).toBeGreaterThanOrEqual(t.gateway - 0.01);
    expect(log.overheadMs).toBeLessThan(t.gateway + 50);
    // Detour's latency covers both, from the request taken by the server.
    expect(log.latencyMs).toBeGreaterThanOrEqual(Math.floor(t.upstream + t.gateway) - 1);
  });

  it("a slow upload is the client's time, not Detour's", async () => {
    const r = await send(h, chatBody(), { "x-portkey-virtual-key": vk }, 4, 150);
    expect(r.status).toBe(200);
    const t = parseTiming(r.headers["server-timing"] as string);
    expect(t.gateway).toBeLessThan(300); // the upload took >= 450 ms
    const log = await h.waitForLog(r.headers["x-portkey-request-id"] as string);
    expect(log.latencyMs).toBeGreaterThanOrEqual(450);
  });

  it("a stream with TE: trailers ends with the whole figure, the waits between its events upstream", async () => {
    h.mock.script({ fault: { kind: "slow_chunks", delayMs: 80 }, times: 1 });
    const r = await send(h, { ...chatBody(), stream: true }, { "x-portkey-virtual-key": vk, te: "trailers" });
    expect(r.status).toBe(200);
    expect(r.body).toContain("data: [DONE]");
    expect(r.headers.trailer).toBe("server-timing");
    const head = parseTiming(r.headers["server-timing"] as string);
    const whole = parseTiming(r.trailers["server-timing"]);
    // The events after the first content came 80 ms apart: waits, counted upstream after the head too.
    expect(whole.upstream).toBeGreaterThanOrEqual(head.upstream + 150);
    expect(whole.gateway).toBeGreaterThanOrEqual(head.gateway);
    expect(whole.gateway).toBeLessThan(whole.upstream - 200);
    const log = await h.waitForLog(r.headers["x-portkey-request-id"] as string);
    expect(log.overheadMs).toBeGreaterThanOrEqual(head.gateway - 0.01);
    // Plus the last write, and well under the 150 ms and more the stream waited upstream (a CI
    // machine starved of CPU took 7 ms between the trailer and the write's end).
    expect(log.overheadMs).toBeLessThan(whole.gateway + 50);
  });

  it("a stream without TE: trailers declares and sends none", async () => {
    const r = await send(h, { ...chatBody(), stream: true }, { "x-portkey-virtual-key": vk });
    expect(r.status).toBe(200);
    expect(r.headers.trailer).toBeUndefined();
    expect(r.trailers).toEqual({});
    parseTiming(r.headers["server-timing"] as string);
  });

  it("an error before routing carries it too, with no upstream wait", async () => {
    const r = await send(h, chatBody(), { "x-portkey-virtual-key": "no-such-key-zz" });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(parseTiming(r.headers["server-timing"] as string).upstream).toBe(0);
  });
});
