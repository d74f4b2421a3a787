import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { NODE_REQUEST, serveBodyFromNode } from "./node-request";

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
