/**
 * Body limits outside the inference routes, over real HTTP: sign-in and the other /api/auth/*
 * routes take at most 64 KiB, the management API 1 MiB. A declared oversize body is answered 413
 * at once (nothing read); a chunked one is counted while read and stopped past the limit; either
 * way the connection is closed after the 413, lingering: the rest of the upload is dropped until the
 * client closes, so that a client still sending reads the 413 rather than a reset. The server stays
 * healthy, and its memory does not grow by the size of the bodies.
 */
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rssMiB, sleep } from "../../testing/abuse-helpers";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, signIn, withKey } from "../../testing/api-client";

const MiB = 1024 * 1024;
const BIG = 21 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, "a");

type Outcome = { status: number; json: any; connection: string | undefined; sent: number; closed: boolean };

/**
 * Sends up to `total` bytes to `path` (declared with content-length, or chunked) in 64 KiB pieces
 * (about 30 MiB/s: each write waits for the socket and a 2 ms tick, so an answer is taken in
 * before the next write) and stops writing as soon as an answer arrives, as a real client does;
 * resolves with the answer, how much was sent, and whether the server closed the connection.
 * Fails if no answer within 20 s.
 */
function upload(h: Harness, path: string, total: number, mode: "declared" | "chunked", headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.url}${path}`, {
      method: "POST",
      agent: false,
      headers: { ...headers, ...(mode === "declared" ? { "content-length": String(total) } : {}) },
    });
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to a ${mode} ${total}-byte body on ${path} within 20 s (${sent} bytes sent)`));
    }, 20_000);
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => {
        const socket = req.socket;
        const finish = (closed: boolean) => {
          clearTimeout(timer);
          const text = Buffer.concat(parts).toString("utf8");
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode!, json, connection: res.headers.connection, sent, closed });
          req.destroy();
        };
        if (!socket || socket.destroyed) return finish(true);
        const wait = setTimeout(() => finish(false), 5_000);
        socket.once("close", () => {
          clearTimeout(wait);
          finish(true);
        });
      });
    });
    const pump = () => {
      if (answered) return;
      if (sent >= total) return void req.end();
      const piece = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
      sent += piece.length;
      const next = () => setTimeout(pump, 2);
      if (req.write(piece)) next();
      else req.once("drain", next);
    };
    pump();
  });
}

/**
 * A client that sends its whole body before it reads anything (as a simple one does): the head, then
 * `total` bytes in 64 KiB pieces (chunked: framed, then the last chunk), each after the one before
 * was written, whatever arrives meanwhile; then it ends its side. Resolves once the server closed
 * the connection, with the answer's status line and the first socket error (a write into a closed
 * connection: EPIPE or ECONNRESET), if any.
 */
function uploadWithoutListening(
  h: Harness,
  path: string,
  total: number,
  mode: "declared" | "chunked",
  headers: Record<string, string>,
): Promise<{ statusLine: string; error: string | null }> {
  const { hostname, port, host } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = "";
    let error: string | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within 20 s (${path}, ${mode})`));
    }, 20_000);
    socket.on("data", (d: Buffer) => {
      received += d.toString("latin1");
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ statusLine: received.split("\r\n")[0] ?? "", error });
    });
    const write = (data: Buffer | string) => new Promise<boolean>((done) => socket.write(data, (err) => done(!err)));
    void (async () => {
      const head = [`POST ${path} HTTP/1.1`, `host: ${host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      head.push(mode === "declared" ? `content-length: ${total}` : "transfer-encoding: chunked");
      if (!(await write(`${head.join("\r\n")}\r\n\r\n`))) return;
      for (let sent = 0; sent < total; ) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
        sent += piece.length;
        const framed =
          mode === "chunked" ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]) : piece;
        if (!(await write(framed))) return;
      }
      if (mode === "chunked" && !(await write("0\r\n\r\n"))) return;
      socket.end();
    })();
  });
}

describe("body limits outside the inference routes", () => {
  let h: Harness;
  const form = { "content-type": "application/x-www-form-urlencoded" };
  let adminJson: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    adminJson = { "content-type": "application/json", "x-portkey-api-key": ADMIN_KEY };
  });
  afterAll(async () => h?.close());

  function expectTooLarge(r: Outcome, limit: number) {
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: "payload_too_large", type: "invalid_request_error", param: null });
    expect(r.json.error.message).toContain(`${limit} bytes`);
    expect(r.connection).toBe("close");
    expect(r.closed).toBe(true);
    expect(r.sent).toBeLessThan(BIG); // answered before the client got to the end
  }

  it("sign-in callback, declared 21 MiB: 413 at once (64 KiB limit), connection closed", async () => {
    expectTooLarge(await upload(h, "/api/auth/callback/credentials", BIG, "declared", form), 65536);
  });

  it("sign-in callback, 21 MiB chunked: 413 once past 64 KiB, connection closed", async () => {
    const r = await upload(h, "/api/auth/callback/credentials", BIG, "chunked", form);
    expectTooLarge(r, 65536);
  });

  it("other /api/auth routes too (sign-out), and a JSON body", async () => {
    expectTooLarge(await upload(h, "/api/auth/signout", 2 * MiB, "chunked", { "content-type": "application/json" }), 65536);
  });

  it("management API, declared 21 MiB: 413 at once (1 MiB limit), connection closed", async () => {
    expectTooLarge(await upload(h, "/v1/configs", BIG, "declared", adminJson), MiB);
  });

  it("management API, 21 MiB chunked: 413 once past 1 MiB, connection closed; also on a route that reads no body", async () => {
    expectTooLarge(await upload(h, "/v1/configs", BIG, "chunked", adminJson), MiB);
    expectTooLarge(await upload(h, "/v1/virtual-keys", BIG, "chunked", adminJson), MiB);
    expectTooLarge(await upload(h, "/v1/configs/pc-nothing-000000/versions/1/restore", BIG, "declared", adminJson), MiB);
  });

  it("a client that sends its whole body before reading gets the 413 and a close, not a reset: declared and chunked", async () => {
    // Node closed the connection as soon as the 413 was out: the bytes still arriving were answered
    // with a reset, and the client's next write failed with EPIPE or ECONNRESET. Now the rest is read
    // and dropped until the client closes its side (lib/http/lingering-close.ts).
    for (const [path, mode, headers] of [
      ["/v1/configs", "declared", adminJson],
      ["/v1/configs", "chunked", adminJson],
      ["/api/auth/callback/credentials", "declared", form],
      ["/api/auth/callback/credentials", "chunked", form],
    ] as const) {
      const r = await uploadWithoutListening(h, path, 4 * MiB, mode, headers);
      expect(r, `${path} ${mode}`).toEqual({ statusLine: "HTTP/1.1 413 Payload Too Large", error: null });
    }
    // The server is none the worse: a request on a new connection is answered.
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
  });

  it("a body within the limit is read and parsed: sign-in works, a 1 MiB - 4 KiB body gets its validation answer", async () => {
    expect(await signIn(h)).toContain("session-token");
    const r = await withKey(h, ADMIN_KEY).post("/configs", {
      name: "near the limit",
      config: { virtual_key: "vk" },
      padding: "x".repeat(MiB - 4096),
    });
    expect(r.status).toBe(400);
    expect(r.text).toContain("padding");
  });

  it("stays healthy, and memory does not grow by the bodies' size (10 x 21 MiB each way)", async () => {
    const pid = h.server.child.pid!;
    // Warm-up: the paths above already ran once; one more round each, then the baseline.
    await upload(h, "/api/auth/callback/credentials", BIG, "chunked", form);
    await upload(h, "/v1/configs", BIG, "chunked", adminJson);
    await sleep(300);
    const before = rssMiB(pid);
    for (let i = 0; i < 5; i++) {
      for (const mode of ["declared", "chunked"] as const) {
        expect((await upload(h, "/api/auth/callback/credentials", BIG, mode, form)).status).toBe(413);
        expect((await upload(h, "/v1/configs", BIG, mode, adminJson)).status).toBe(413);
      }
    }
    await sleep(300);
    const after = rssMiB(pid);
    console.log(`[body-limits] server RSS MiB: before ${before}, after 20 oversize uploads (420 MiB offered) ${after}`);
    // Reading even one 21 MiB body whole (as text) costs more than this bound.
    expect(after - before).toBeLessThan(40);
    const health = await fetch(`${h.url}/api/health`);
    expect(health.status).toBe(200);
  });
});
