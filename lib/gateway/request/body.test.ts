/**
 * readJsonBody over a real node:http server, both ways it reads: Node's request handed over by
 * Detour's server (lib/http/node-request.ts) and the Web request's stream (`next dev`, the route
 * files). Each case gives the same answer both ways: the JSON object, 413 by the declared length
 * and by the bytes that arrive, 408 for a body that stalls, 400 for bad JSON and an empty body,
 * 499 for a client that goes away mid-body.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetourError } from "../../errors";
import { NODE_REQUEST } from "../../http/node-request";
import { readJsonBody } from "./body";

const LIMITS = { maxBytes: 1024, timeoutMs: 300 };
type Outcome = { body?: unknown; code?: string };

describe.each(["node", "web"] as const)("readJsonBody, reading the %s request", (way) => {
  let server: http.Server;
  let port: number;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    server = http.createServer((incoming, res) => {
      const url = `http://127.0.0.1:${port}${incoming.url}`;
      const headers = Object.entries(incoming.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : []));
      const request =
        way === "node"
          ? Object.assign(new Request(url, { method: "POST", headers }), { [NODE_REQUEST]: incoming })
          : new Request(url, { method: "POST", headers, body: Readable.toWeb(incoming) as ReadableStream, duplex: "half" } as RequestInit);
      // "/late": the body is asked for only once the client has gone (its "close" already emitted).
      const read = () => readJsonBody(request, LIMITS);
      const reading = incoming.url === "/late" ? new Promise<void>((r) => incoming.once("close", () => r())).then(read) : read();
      reading.then(
        ({ body }) => {
          outcomes.push({ body });
          res.end("ok");
        },
        (err: unknown) => {
          outcomes.push({ code: err instanceof DetourError ? err.code : String(err) });
          res.writeHead(err instanceof DetourError ? err.status : 500, { connection: "close" }).end();
        },
      );
    });
    server.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  /** Sends the chunks (a number: wait that many ms), then ends the request unless `end` is false; the server's outcome. */
  async function send(
    chunks: (string | number)[],
    options: { length?: number; end?: boolean; destroy?: boolean; path?: string } = {},
  ): Promise<Outcome> {
    const before = outcomes.length;
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: options.path ?? "/v1/chat/completions",
      headers: { "content-type": "application/json", ...(options.length !== undefined ? { "content-length": options.length } : {}) },
    });
    req.on("error", () => undefined);
    req.on("response", (res) => res.resume());
    for (const c of chunks) {
      if (typeof c === "number") await new Promise((r) => setTimeout(r, c));
      else req.write(c);
    }
    if (options.destroy) req.destroy();
    else if (options.end !== false) req.end();
    for (let i = 0; i < 200 && outcomes.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    if (options.end === false && !options.destroy) req.destroy();
    return outcomes[before] ?? { code: "no outcome" };
  }

  it("parses a JSON object sent in pieces", async () => {
    expect(await send(['{"model":', 20, '"gpt-4o","messages":[]}'])).toEqual({ body: { model: "gpt-4o", messages: [] } });
  });
  it("refuses a declared length over the limit before reading, and bytes past it as they arrive", async () => {
    expect(await send(["{}"], { length: 5000, end: false })).toEqual({ code: "request_too_large" });
    expect(await send([`{"a":"${"x".repeat(600)}`, 10, `${"y".repeat(600)}"}`])).toEqual({ code: "request_too_large" });
  });
  it("answers 408 for a body that stalls", async () => {
    expect(await send(['{"model":'], { end: false })).toEqual({ code: "request_body_timeout" });
  });
  it("answers 400 for bad JSON, an empty body and a JSON array", async () => {
    expect(await send(["{nope"])).toEqual({ code: "invalid_json" });
    expect(await send([])).toEqual({ code: "invalid_body" });
    expect(await send(["[1,2]"])).toEqual({ code: "invalid_body" });
  });
  it("answers 499 when the client goes away mid-body, or went away before the body was read", async () => {
    expect(await send(['{"model":', 30], { destroy: true })).toEqual({ code: "client_closed" });
    expect(await send(['{"model":', 30], { destroy: true, path: "/late" })).toEqual({ code: "client_closed" });
  });
});
