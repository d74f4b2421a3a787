import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { forEachRequestHeader, NODE_REQUEST, serveBodyFromNode } from "./node-request";

/** A stand-in for the HTTP adapter's request prototype: its own `body` getter says where it came from. */
function adapterPrototype() {
  return {
    get body(): unknown {
      return "the adapter's body";
    },
  };
}

function nodeRequest(method: string, text: string) {
  const stream = new PassThrough() as PassThrough & { method: string };
  stream.method = method;
  stream.end(text);
  return stream;
}

describe("serveBodyFromNode", () => {
  it("serves a non-GET request's body as a Web stream of Node's request, made once, on the shared prototype", async () => {
    const proto = adapterPrototype();
    expect(serveBodyFromNode(proto)).toBe(true);
    const a = Object.create(proto) as Record<string | symbol, unknown>;
    const b = Object.create(proto) as Record<string | symbol, unknown>;
    a[NODE_REQUEST] = nodeRequest("POST", '{"model":"m"}');
    b[NODE_REQUEST] = nodeRequest("POST", "other");
    const body = a.body as ReadableStream<Uint8Array>;
    expect(body).toBeInstanceOf(ReadableStream);
    expect(a.body).toBe(body);
    expect(await new Response(body).text()).toBe('{"model":"m"}');
    expect(await new Response(b.body as ReadableStream<Uint8Array>).text()).toBe("other");
    // Nothing is defined on the requests themselves: they keep the shape the adapter gave them.
    expect(Object.getOwnPropertyDescriptor(a, "body")).toBeUndefined();
  });

  it("leaves a GET, and a request without Node's, to the adapter's own getter", () => {
    const proto = adapterPrototype();
    serveBodyFromNode(proto);
    const get = Object.create(proto) as Record<string | symbol, unknown>;
    get[NODE_REQUEST] = nodeRequest("GET", "");
    expect(get.body).toBe("the adapter's body");
    expect((Object.create(proto) as { body: unknown }).body).toBe("the adapter's body");
  });

  it("refuses a prototype without a body getter (the adapter changed)", () => {
    expect(() => serveBodyFromNode({})).toThrow(/no `body` getter/);
  });
});

describe("forEachRequestHeader", () => {
  it("gives Node's raw headers as a Web Headers' forEach does: lower case, in order, repeats joined, trimmed", async () => {
    let raw: string[] = [];
    const fromNode: [string, string][] = [];
    const server = http.createServer((req, res) => {
      raw = req.rawHeaders;
      const request = new Request("http://detour.test/");
      (request as unknown as Record<symbol, unknown>)[NODE_REQUEST] = req;
      forEachRequestHeader(request, (value, name) => {
        fromNode.push([name, value]);
      });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // Written by hand: repeated names in two cases, spaces and a tab around values, a latin1 byte.
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(
          "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Portkey-Trace-Id:   t1 \t\r\nAccept: a\r\naccept: b\r\n" +
            "Zeta: \xe9\r\nX-Empty:\r\nConnection: close\r\n\r\n",
          "latin1",
        );
      });
      socket.on("data", () => {});
      socket.on("end", resolve);
      socket.on("error", reject);
    });
    server.close();
    const web = new Headers();
    for (let i = 0; i < raw.length; i += 2) web.append(raw[i]!, raw[i + 1]!);
    const fromWeb: [string, string][] = [];
    for (const [name, value] of web) fromWeb.push([name, value]);
    expect(fromNode).toEqual(fromWeb);
    expect(fromNode).toContainEqual(["accept", "a, b"]);
    expect(fromNode).toContainEqual(["x-portkey-trace-id", "t1"]);
    expect(fromNode).toContainEqual(["x-empty", ""]);
  });

  it("reads a request's own headers when Detour's server did not make it", () => {
    const seen: string[] = [];
    forEachRequestHeader(new Request("http://detour.test/", { headers: { B: "2", a: "1" } }), (value, name) =>
      seen.push(`${name}=${value}`),
    );
    expect(seen).toEqual(["a=1", "b=2"]);
  });
});
