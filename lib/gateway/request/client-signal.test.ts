import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { NODE_REQUEST, NODE_RESPONSE } from "../../http/node-request";
import type { CancelSignal } from "../router/cancel";
import { clientSignal } from "./client-signal";

/** A server whose handler gets the client's signal as Detour's server would hand it (Node's request and response on the Web request). */
async function serve(
  onRequest: (signal: CancelSignal, res: http.ServerResponse) => void,
  { afterBody = true } = {},
): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer((req, res) => {
    (req as unknown as Record<symbol, unknown>)[NODE_RESPONSE] = res;
    const request = new Request("http://detour.test/v1/chat/completions", { method: "POST", body: "{}" });
    (request as unknown as Record<symbol, unknown>)[NODE_REQUEST] = req;
    // As the gateway does: the body read, then routing.
    req.resume();
    if (afterBody) req.once("end", () => onRequest(clientSignal(request), res));
    else onRequest(clientSignal(request), res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe("clientSignal", () => {
  let server: http.Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("aborts when the client goes away before its answer is written", async () => {
    let signal: CancelSignal | undefined;
    const aborted = new Promise<unknown>((resolve) => {
      void serve((s) => {
        signal = s;
        s.addEventListener("abort", () => resolve(s.reason));
      }).then((r) => {
        server = r.server;
        // The whole body sent, then the connection dropped while the answer is awaited.
        const req = http.request({ port: r.port, method: "POST" });
        req.on("error", () => {});
        req.end("{}");
        setTimeout(() => req.destroy(), 50);
      });
    });
    expect(await aborted).toBe("Client connection prematurely closed.");
    expect(signal!.aborted).toBe(true);
  });

  it("gives the request's own error as the reason when its body was cut", async () => {
    const reason = await new Promise<unknown>((resolve) => {
      void serve((s) => s.addEventListener("abort", () => resolve(s.reason)), { afterBody: false }).then((r) => {
        server = r.server;
        const req = http.request({ port: r.port, method: "POST", headers: { "content-length": "100" } });
        req.on("error", () => {});
        req.write("{");
        setTimeout(() => req.destroy(), 50);
      });
    });
    expect(reason).toBe("Error: aborted");
  });

  it("stays quiet when the answer was written, and is aborted at once when the client had already gone", async () => {
    const seen: CancelSignal[] = [];
    const r = await serve((s, res) => {
      seen.push(s);
      res.end("ok");
    });
    server = r.server;
    const answer = await fetch(`http://127.0.0.1:${r.port}/`, { method: "POST", body: "{}" });
    expect(await answer.text()).toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen[0]!.aborted).toBe(false);

    const late = await new Promise<CancelSignal>((resolve) => {
      const lateServer = http.createServer((req, res) => {
        res.once("close", () => {
          (req as unknown as Record<symbol, unknown>)[NODE_RESPONSE] = res;
          const request = new Request("http://detour.test/", { method: "POST", body: "{}" });
          (request as unknown as Record<symbol, unknown>)[NODE_REQUEST] = req;
          resolve(clientSignal(request));
          lateServer.close();
        });
      });
      lateServer.listen(0, "127.0.0.1", () => {
        const req = http.request({ port: (lateServer.address() as AddressInfo).port, method: "POST" });
        req.on("error", () => {});
        req.write("{}");
        setTimeout(() => req.destroy(), 20);
      });
    });
    expect(late.aborted).toBe(true);
  });

  it("is the request's own signal for a request Detour's server did not make", () => {
    const request = new Request("http://detour.test/", { method: "POST", body: "{}" });
    expect(clientSignal(request)).toBe(request.signal);
  });
});
