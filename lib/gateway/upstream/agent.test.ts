import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destinationOf, discardBody, sendUpstream } from "./agent";

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

describe("sendUpstream", () => {
  let server: http.Server;
  let origin: string;
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const agent = new Agent();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"ok":true}');
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await agent.close();
    server.close();
  });

  it("sends the method, the path with its query (no fragment), the headers and the body; the hooks hear the write", async () => {
    const heard: string[] = [];
    const hooks = { writing: () => heard.push("writing"), written: () => heard.push("written") };
    const url = `${origin}/openai/deployments/d%201/chat/completions?api-version=2024-10-21#frag`;
    const res = await sendUpstream(
      { url, method: "POST", headers: { "content-type": "application/json", "api-key": "k" }, body: '{"model":"m"}' },
      new AbortController().signal,
      agent,
      hooks,
    );
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      url: "/openai/deployments/d%201/chat/completions?api-version=2024-10-21",
      headers: { "content-type": "application/json", "api-key": "k" },
      body: '{"model":"m"}',
    });
    expect(heard).toEqual(["writing", "written"]);
    // The same URL again (its parse is kept) reaches the same place.
    await (await sendUpstream({ url, method: "GET", headers: {} }, new AbortController().signal, agent)).body.dump();
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/openai/deployments/d%201/chat/completions?api-version=2024-10-21" });
  });

  it("reads a URL's origin and path as undici's request(url) does, and refuses another protocol", () => {
    expect(destinationOf("https://api.openai.com/v1/chat/completions")).toEqual({
      origin: "https://api.openai.com",
      path: "/v1/chat/completions",
    });
    expect(destinationOf("http://[::1]:8080/v1/models?limit=2")).toEqual({ origin: "http://[::1]:8080", path: "/v1/models?limit=2" });
    expect(() => destinationOf("ftp://example.com/x")).toThrow(/must start with `http:` or `https:`/);
    expect(() => destinationOf("not a url")).toThrow(TypeError);
  });
});
