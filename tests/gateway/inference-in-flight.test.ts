/**
 * The count of inference requests in flight (lib/gateway/in-flight.ts), as the production server
 * shows it (`detour_inference_requests_in_flight` on GET /metrics): a request counts while it waits
 * on its upstream, and the count returns to 0 after a JSON answer, errors (Detour's own, before and
 * after authentication, and the upstream's), a stream read to its end, and a client that goes away
 * mid-stream or before the upstream answers. The streamed exports give way to inference by it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const METRICS_TOKEN = "metrics-scraper-token-in-flight-01";

describe("inference requests in flight", () => {
  let h: Harness;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_METRICS_TOKEN: METRICS_TOKEN });
    vk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());

  const inFlight = async (): Promise<number> => {
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const line = (await res.text()).split("\n").find((l) => l.startsWith("detour_inference_requests_in_flight "));
    return Number(line?.split(" ")[1]);
  };
  /** Polls the gauge until it shows `n` (a request ends a moment after the client sees its last byte or goes). */
  const until = async (n: number) => {
    for (let i = 0; i < 100 && (await inFlight()) !== n; i++) await new Promise((r) => setTimeout(r, 20));
    return inFlight();
  };
  const chat = (body: Record<string, unknown> = {}, init: RequestInit = {}, headers = h.headers({ "x-portkey-virtual-key": vk })) =>
    fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers, body: JSON.stringify(chatBody(body)), ...init });

  it("counts a request while its upstream answers, and none once it has answered", async () => {
    expect(await inFlight()).toBe(0);
    h.mock.script({ fault: { kind: "delay", ms: 600 }, times: 1 });
    const pending = chat();
    expect(await until(1)).toBe(1);
    const res = await pending;
    expect(res.status).toBe(200);
    await res.json();
    expect(await inFlight()).toBe(0);
  });

  it("returns to 0 after errors: no API key, a bad body, the upstream's 500", async () => {
    const noKey = await chat({}, {}, { "content-type": "application/json" });
    expect(noKey.status).toBe(401);
    await noKey.arrayBuffer();
    const bad = await chat({}, { body: "{not json" });
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
    h.mock.script({ fault: { kind: "status", status: 500 }, times: 1 });
    const upstream = await chat();
    expect(upstream.status).toBe(500);
    await upstream.arrayBuffer();
    expect(await until(0)).toBe(0);
  });

  it("counts a stream until it ends", async () => {
    h.mock.script({ fault: { kind: "slow_chunks", delayMs: 100 }, times: 1 });
    const res = await chat({ stream: true });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    expect(await inFlight()).toBe(1);
    while (!(await reader.read()).done);
    expect(await until(0)).toBe(0);
  });

  it("returns to 0 when the client goes away mid-stream, or before the upstream answers", async () => {
    h.mock.script({ fault: { kind: "slow_chunks", delayMs: 200 }, times: 1 });
    const midStream = new AbortController();
    const res = await chat({ stream: true }, { signal: midStream.signal });
    await res.body!.getReader().read();
    expect(await inFlight()).toBe(1);
    midStream.abort();
    expect(await until(0)).toBe(0);

    h.mock.script({ fault: { kind: "delay", ms: 5000 }, times: 1 });
    const waiting = new AbortController();
    const gone = chat({}, { signal: waiting.signal }).catch((err: unknown) => err);
    expect(await until(1)).toBe(1);
    waiting.abort();
    expect(await gone).toBeInstanceOf(Error);
    expect(await until(0)).toBe(0);
  });
});
