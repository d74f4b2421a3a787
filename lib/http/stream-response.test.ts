/**
 * StreamResponse and pumpChunks: a relayed stream written by Detour's server straight to a real
 * node:http socket (every chunk in order, a slow reader held by backpressure, a reader that goes
 * away cancels the source), and read as a Web stream by anyone else.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsTrailers, type ChunkSource, chunkSourceOf, pumpChunks, StreamResponse } from "./stream-response";
import { HeaderList } from "./header-list";

/** A source of `n` chunks of `size` characters; counts pulls and cancels. */
function counted(n: number, size = 10): ChunkSource & { pulls: number; cancels: number } {
  const s = {
    pulls: 0,
    cancels: 0,
    pull: async () => {
      s.pulls++;
      await new Promise((r) => setImmediate(r));
      return s.pulls <= n ? `${String(s.pulls).padStart(size, ".")}` : null;
    },
    cancel: () => {
      s.cancels++;
    },
  };
  return s;
}

let server: http.Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(
  source: ChunkSource,
  head: Record<string, string> = {},
  options: { goneFirst?: boolean; trailers?: boolean } = {},
): Promise<{ port: number; done: Promise<void> }> {
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", ...head });
    if (!options.goneFirst) void pumpChunks(source, res, options.trailers).then(finished);
    else {
      // The client is gone, and its "close" has been emitted, before the pump starts.
      res.once("close", () => void pumpChunks(source, res).then(finished));
      res.destroy();
    }
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server!.once("listening", r));
  return { port: (server.address() as AddressInfo).port, done };
}

describe("pumpChunks", () => {
  it("writes every chunk in order, then ends", async () => {
    const source = counted(50);
    const { port, done } = await serve(source);
    const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    await done;
    expect(text).toBe(Array.from({ length: 50 }, (_, i) => String(i + 1).padStart(10, ".")).join(""));
    expect(source.cancels).toBe(0);
  });

  it("sends the head's bytes as they are, whatever the chunks hold (a UTF-8 value set as Latin-1)", async () => {
    const bytes = Buffer.from("trace-zoë-🚀", "utf8").toString("latin1");
    const source: ChunkSource = {
      pull: (() => {
        let n = 0;
        return async () => (n++ === 0 ? "data: é 🚀\n\n" : null);
      })(),
      cancel: () => undefined,
    };
    const { port, done } = await serve(source, { "x-portkey-trace-id": bytes });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.headers.get("x-portkey-trace-id")).toBe(bytes);
    expect(await res.text()).toBe("data: é 🚀\n\n");
    await done;
  });

  it("waits for a slow reader (no more pulls than the socket holds), tells the source how long, and all of it arrives", async () => {
    const waits: number[] = [];
    const source = { ...counted(400, 64 * 1024), waited: (ms: number) => waits.push(ms) }; // 25 MiB in all
    const { port, done } = await serve(source);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    await new Promise((r) => setTimeout(r, 300)); // the reader stalls: the server must stop pulling
    expect(source.pulls).toBeLessThan(200);
    let bytes = first.value!.byteLength;
    for (let c = await reader.read(); !c.done; c = await reader.read()) bytes += c.value.byteLength;
    await done;
    expect(bytes).toBe(400 * 64 * 1024);
    // The 300 ms stall is among the waits the source was told of.
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(250);
  });

  it("ends with the source's trailer fields when the head declared them, asked after the last chunk", async () => {
    const order: string[] = [];
    const base = counted(3, 2);
    const source: ChunkSource = {
      pull: async () => {
        const chunk = await base.pull();
        order.push(chunk === null ? "end" : "chunk");
        return chunk;
      },
      cancel: base.cancel,
      trailers: {
        names: "server-timing",
        values: () => {
          order.push("trailers");
          return { "server-timing": "gateway;dur=1.50" };
        },
      },
    };
    const { port, done } = await serve(source, { trailer: "server-timing" }, { trailers: true });
    const answer = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, headers: { te: "trailers" } }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ body, trailers: res.trailers }));
        })
        .on("error", reject);
    });
    await done;
    expect(answer).toEqual({ body: ".1.2.3", trailers: { "server-timing": "gateway;dur=1.50" } });
    expect(order).toEqual(["chunk", "chunk", "chunk", "end", "trailers"]);
  });

  it("cancels the source when the reader goes away", async () => {
    const source: ChunkSource & { cancels: number } = {
      cancels: 0,
      pull: () => new Promise((r) => setTimeout(() => r("tick\n"), 20)),
      cancel: () => {
        source.cancels++;
      },
    };
    const { port, done } = await serve(source);
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await done;
    expect(source.cancels).toBe(1);
  });
});

describe("acceptsTrailers", () => {
  it("reads TE: trailers among other codings, and nothing else", () => {
    for (const te of ["trailers", "Trailers", "gzip, trailers", "trailers, deflate;q=0.5", " trailers "])
      expect(acceptsTrailers(te), te).toBe(true);
    for (const te of [undefined, "", "gzip", "notrailers", "trailers-x", "deflate;q=trailers"]) expect(acceptsTrailers(te), te).toBe(false);
  });
});

describe("pumpChunks, the client gone before it starts", () => {
  it("cancels the source at once, pulling nothing", async () => {
    const source = counted(100);
    const { port, done } = await serve(source, {}, { goneFirst: true });
    await fetch(`http://127.0.0.1:${port}/`)
      .then(
        (r) => r.text(),
        () => "",
      )
      .catch(() => "");
    await done;
    expect(source.cancels).toBe(1);
    expect(source.pulls).toBe(0);
  });
});

describe("StreamResponse", () => {
  it("hands Detour's server its source, and reads as a Web stream for anyone else", async () => {
    const r = new StreamResponse(counted(3, 2), { status: 200, headers: new HeaderList({ "content-type": "text/event-stream" }) });
    expect(r).toBeInstanceOf(Response);
    expect(chunkSourceOf(r)).toBeDefined();
    expect(chunkSourceOf(new Response("x"))).toBeUndefined();
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(await r.text()).toBe(".1.2.3");
    expect(r.bodyUsed).toBe(true);
  });

  it("cancels its source when the Web stream is cancelled", async () => {
    const source = counted(100);
    const r = new StreamResponse(source, { status: 200, headers: new HeaderList() });
    const reader = r.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(source.cancels).toBe(1);
  });
});
