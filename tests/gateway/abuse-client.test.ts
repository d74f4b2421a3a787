/**
 * Abusive clients: bodies over the limit (declared, or chunked past it), bodies that stall or are
 * abandoned, and stream readers that stop reading or leave. Each gets a clear answer (or none, when
 * it is gone), never reaches the upstream when its body is refused, is logged, and leaves the
 * server healthy. Raw sockets where fetch cannot misbehave on purpose.
 */
import net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { chunked, rawRequest, rssMiB, sleep, startFirehose, writeSafely, type Firehose } from "../../testing/abuse-helpers";

const LIMIT = 64 * 1024;

describe("abuse: clients", () => {
  let h: Harness;
  let vk: string;
  let fire: Firehose;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_MAX_BODY_BYTES: String(LIMIT), DETOUR_BODY_TIMEOUT_MS: "1000" });
    vk = await h.openaiKey("OpenAI");
    fire = await startFirehose(1024 * 1024 * 1024);
  });
  afterAll(async () => {
    await fire?.close();
    await h?.close();
  });
  beforeEach(() => h.mock.reset());

  const headers = (trace: string, extra: Record<string, string> = {}) =>
    h.headers({ "x-portkey-virtual-key": vk, "x-portkey-trace-id": trace, ...extra });

  async function logByTrace(traceId: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const row = await h.db.requestLog.findFirst({ where: { traceId }, include: { attempts: true } });
      if (row || Date.now() > deadline) return row;
      await sleep(50);
    }
  }

  function expectError(
    r: { status: number; body: string; headers: Record<string, string> },
    status: number,
    code: string,
    message: RegExp,
  ) {
    expect(r.status).toBe(status);
    const json = JSON.parse(r.body) as { error: { code: string; message: string; type: string } };
    expect(json.error).toMatchObject({ code, message: expect.stringMatching(message), type: expect.any(String) });
    expect(r.headers["x-portkey-gateway-exception"]).toBe("true");
  }

  it("a declared content-length over the limit is a 413 before the body is read, and is logged", async () => {
    // Only the head and 1 KiB are ever sent: the answer cannot have waited for the body.
    const r = await rawRequest({
      port: h.server.port,
      path: "/v1/chat/completions",
      headers: { ...headers("big-declared"), "content-length": String(10 * LIMIT) },
      send: (s) => writeSafely(s, "x".repeat(1024)).then(() => undefined),
    });
    expectError(r, 413, "request_too_large", new RegExp(`limit of ${LIMIT} bytes`));
    const log = await logByTrace("big-declared");
    expect(log).toMatchObject({ status: 413, errorType: "request_too_large", provider: null, requestBody: null });
    expect(log!.attempts).toHaveLength(0);
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("an HTTP client uploading far past the limit gets the 413 (not a broken pipe), declared or chunked", async () => {
    const big = "x".repeat(8 * 1024 * 1024);
    const declared = await fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: headers("big-fetch"), body: big });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024 * 1024)));
        c.close();
      },
    });
    const chunkedRes = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: headers("big-fetch-chunked"),
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunkedRes.status).toBe(413);
    expect(((await chunkedRes.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a chunked body that grows past the limit is a 413 while it streams; the upstream is never called", async () => {
    let written = 0;
    const r = await rawRequest({
      port: h.server.port,
      path: "/v1/chat/completions",
      headers: { ...headers("big-chunked"), "transfer-encoding": "chunked" },
      send: async (s) => {
        // Keeps sending (16 KiB every 5 ms) until the answer arrives and the test closes the socket.
        while (written < 64 * LIMIT && (await writeSafely(s, chunked("x".repeat(16 * 1024))))) {
          written += 16 * 1024;
          await sleep(5);
        }
      },
    });
    expectError(r, 413, "request_too_large", new RegExp(`limit of ${LIMIT} bytes`));
    expect(written).toBeLessThan(64 * LIMIT);
    expect(await logByTrace("big-chunked")).toMatchObject({ status: 413, errorType: "request_too_large" });
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a body that stalls is a 408 after DETOUR_BODY_TIMEOUT_MS; the connection is closed, the upstream never called", async () => {
    const r = await rawRequest({
      port: h.server.port,
      path: "/v1/chat/completions",
      headers: { ...headers("stalled"), "content-length": "2000" },
      send: (s) => writeSafely(s, '{"model": "gpt-4o", "mess').then(() => undefined),
    });
    expectError(r, 408, "request_body_timeout", /not received within 1000 ms \(25 bytes arrived\)/);
    expect(r.headers.connection).toBe("close");
    expect(r.end).toBe("eof");
    expect(await logByTrace("stalled")).toMatchObject({ status: 408, errorType: "request_body_timeout" });
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a client that gives up halfway through its body is logged as 499 client_closed", async () => {
    const socket = net.connect(h.server.port, "127.0.0.1");
    const head = Object.entries(headers("gave-up"))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n${head}\r\n{"model": "gpt-4o"`);
    await sleep(200);
    socket.destroy();
    expect(await logByTrace("gave-up")).toMatchObject({ status: 499, errorType: "client_closed" });
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a stream reader that stops reading holds the upstream back (backpressure), and leaving aborts it and is logged", async () => {
    const config = JSON.stringify({ provider: "openai", api_key: "sk-firehose-000000000000", custom_host: `${fire.url}/v1` });
    const body = JSON.stringify(chatBody({ stream: true }));
    const rssBefore = rssMiB(h.server.child.pid!);
    const socket = net.connect(h.server.port, "127.0.0.1");
    let received = 0;
    socket.on("data", (d: Buffer) => {
      received += d.length;
      if (received > 64 * 1024) socket.pause(); // reads a little, then stops reading for good
    });
    const head = Object.entries(h.headers({ "x-portkey-config": config, "x-portkey-trace-id": "stopped-reading" }))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${head}\r\n${body}`);
    // Wait until the upstream is held back: what it wrote stops growing (socket buffers full).
    let last = -1;
    while (fire.written() !== last || fire.written() === 0) {
      last = fire.written();
      await sleep(500);
    }
    const heldAt = fire.written();
    const rssHeld = rssMiB(h.server.child.pid!);
    console.log(
      `[abuse-client] reader stopped after ${received} bytes; upstream held at ${(heldAt / 2 ** 20).toFixed(1)} MiB of 1024; server RSS MiB ${rssBefore} -> ${rssHeld}`,
    );
    // The upstream offers 1 GiB; what left it is bounded by socket and stream buffers, not by the stream's size.
    expect(heldAt).toBeLessThan(64 * 2 ** 20);
    expect(rssHeld - rssBefore).toBeLessThan(128);
    socket.destroy();
    expect(await logByTrace("stopped-reading")).toMatchObject({ status: 499, errorType: "client_closed", stream: true });
    expect(fire.closedEarly()).toBe(true);
  });

  it("the server is healthy after all of that and serves normally", async () => {
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    const ok = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: headers("after"),
      body: JSON.stringify(chatBody()),
    });
    expect(ok.status).toBe(200);
  });
});
