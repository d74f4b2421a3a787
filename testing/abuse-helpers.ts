/**
 * Helpers for the abuse tests: a raw HTTP/1.1 client over a socket (to send bodies slowly, stall,
 * lie about their length, or stop reading), the server's resident memory, and SSE parsing.
 */
import { readFileSync } from "node:fs";
import net from "node:net";

export type RawResponse = {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** How the socket ended after (or instead of) the response: "eof" (server closed), "error" (reset, EPIPE) or "open". */
  end: "eof" | "error" | "open";
  error: string | null;
};

export type RawRequest = {
  port: number;
  path: string;
  headers: Record<string, string>;
  /** Writes the body (or part of it); may wait between writes. Errors (EPIPE) are swallowed. */
  send: (socket: net.Socket) => Promise<void>;
  /** Gives up waiting for a response after this long. */
  timeoutMs?: number;
};

/** Sends one request on a fresh socket and resolves once a complete response arrived or the socket closed. */
export function rawRequest(req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = net.connect(req.port, "127.0.0.1");
    let data = Buffer.alloc(0);
    let error: string | null = null;
    let settled = false;
    const finish = (end: RawResponse["end"]) => {
      if (settled) return;
      const parsed = parseResponse(data);
      settled = true;
      clearTimeout(timer);
      resolve({ ...(parsed ?? { status: 0, headers: {}, body: "" }), end, error });
      // Give the server a moment to close on its own, then clean up.
      setTimeout(() => socket.destroy(), 50).unref();
    };
    const timer = setTimeout(() => finish("open"), req.timeoutMs ?? 15_000);
    socket.on("data", (d: Buffer) => {
      data = Buffer.concat([data, d]);
      // A complete response: give the server a moment to close the connection (or keep it open).
      if (parseResponse(data)?.complete) setTimeout(() => finish("open"), 300);
    });
    socket.on("end", () => finish("eof"));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish("error");
    });
    socket.on("close", () => finish(error ? "error" : "eof"));
    const head = [
      `POST ${req.path} HTTP/1.1`,
      "host: 127.0.0.1",
      ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
    socket.write(head);
    req.send(socket).catch(() => undefined);
  });
}

/** Writes without throwing when the server has already closed the connection. */
export async function writeSafely(socket: net.Socket, chunk: string | Buffer): Promise<boolean> {
  if (socket.destroyed || !socket.writable) return false;
  return new Promise((resolve) => socket.write(chunk, (err) => resolve(!err)));
}

/** One HTTP/1.1 chunk of a chunked body. */
export const chunked = (piece: string | Buffer) =>
  Buffer.concat([Buffer.from(`${Buffer.byteLength(piece).toString(16)}\r\n`), Buffer.from(piece), Buffer.from("\r\n")]);

function parseResponse(data: Buffer): (Omit<RawResponse, "end" | "error"> & { complete: boolean }) | null {
  const split = data.indexOf("\r\n\r\n");
  if (split < 0) return null;
  const [statusLine, ...lines] = data.subarray(0, split).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const raw = data.subarray(split + 4);
  const status = Number(statusLine!.split(" ")[1]);
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    return { status, headers, body: raw.subarray(0, length).toString("utf8"), complete: raw.length >= length };
  }
  if (headers["transfer-encoding"] === "chunked") {
    const { body, complete } = dechunk(raw);
    return { status, headers, body, complete };
  }
  return { status, headers, body: raw.toString("utf8"), complete: false };
}

function dechunk(raw: Buffer): { body: string; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", at);
    if (lineEnd < 0) return { body: Buffer.concat(parts).toString("utf8"), complete: false };
    const size = parseInt(raw.subarray(at, lineEnd).toString("latin1"), 16);
    if (size === 0) return { body: Buffer.concat(parts).toString("utf8"), complete: true };
    if (raw.length < lineEnd + 2 + size + 2) return { body: Buffer.concat(parts).toString("utf8"), complete: false };
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Resident memory of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Math.round(Number(match[1]) / 1024);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The data payloads of an SSE text. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((e) => e.trim())
    .map((e) => e.replace(/^data: ?/, ""));
}

export type Firehose = { url: string; written: () => number; closedEarly: () => boolean; close: () => Promise<void> };

/**
 * An OpenAI-shaped upstream that streams `totalBytes` of chat chunks as fast as the socket takes
 * them (waiting for 'drain', so `written()` is what the reader actually pulled, plus socket buffers).
 */
export async function startFirehose(totalBytes: number): Promise<Firehose> {
  const http = await import("node:http");
  let written = 0;
  let closedEarly = false;
  const event = `data: ${JSON.stringify({ id: "chatcmpl-fire", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta: { content: "y".repeat(900) }, finish_reason: null }] })}\n\n`;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let sent = 0;
      let done = false;
      res.on("close", () => {
        if (!done) closedEarly = true;
      });
      const pump = () => {
        while (sent < totalBytes) {
          sent += event.length;
          written += event.length;
          if (!res.write(event)) return void res.once("drain", pump);
        }
        done = true;
        res.end("data: [DONE]\n\n");
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    written: () => written,
    closedEarly: () => closedEarly,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
