import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discardBody, sendUpstream } from "./agent";

describe("discardBody", () => {
  let server: http.Server;
  let url: string;
  const agent = new Agent();
  beforeAll(async () => {
    // A redirect with a short body, all of it sent: undici has it buffered, and nobody reads it.
    server = http.createServer((_req, res) => {
      res.writeHead(302, { location: "https://elsewhere.example/", "content-type": "application/json" });
      res.end(JSON.stringify({ moved: "https://elsewhere.example/" }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  });
  afterAll(async () => {
    await agent.close();
    server.close();
  });

  it("drops an unread undici body without an uncaught 'error' event (a bare destroy() emits RequestAbortedError)", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.prependListener("uncaughtException", onUncaught);
    try {
      const res = await sendUpstream({ url, method: "POST", headers: {}, body: "{}" }, new AbortController().signal, agent);
      expect(res.statusCode).toBe(302);
      // Not events.once: it would take the 'error' event itself.
      const closed = new Promise((resolve) => (res.body as Readable).on("close", resolve));
      discardBody(res.body as Readable);
      await closed;
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener("uncaughtException", onUncaught);
    }
  });
});
