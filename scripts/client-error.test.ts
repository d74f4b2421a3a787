/** The clientError answers, on a real node:http server spoken to over a raw socket. */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientErrorAnswer, handleClientError } from "./client-error";

const LIMIT = 2048;

/**
 * Sends `data` on a fresh connection and returns everything the server wrote before closing;
 * `then` is sent once the first answer has arrived (a second request on the kept-alive connection).
 */
function exchange(port: number, data: string | string[], then?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (then !== undefined && received.endsWith("ok")) {
        socket.write(then);
        then = undefined;
      }
    });
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    for (const part of Array.isArray(data) ? data : [data]) socket.write(part);
  });
}

function parse(response: string) {
  const [head = "", body = ""] = response.split("\r\n\r\n");
  const [statusLine, ...headerLines] = head.split("\r\n");
  const headers = Object.fromEntries(
    headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  return { statusLine, headers, body };
}

describe("clientError answers", () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer({ maxHeaderSize: LIMIT }, (_req, res) => res.end("ok"));
    server.on("clientError", (err: Error, socket) => handleClientError(err, socket, LIMIT));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers oversized headers with a complete 431 whose JSON body names the limit", async () => {
    const response = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(LIMIT * 2)}\r\n\r\n`);
    const { statusLine, headers, body } = parse(response);
    expect(statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers.connection).toBe("close");
    expect(Number(headers["content-length"])).toBe(Buffer.byteLength(body));
    // The security headers of every other API answer (docs/SECURITY.md, Headers).
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    expect(JSON.parse(body)).toEqual({
      error: {
        message: `Request headers are larger than the limit of ${LIMIT} bytes (request line and headers together).`,
        type: "invalid_request_error",
        param: null,
        code: "request_headers_too_large",
      },
    });
  });

  it("still answers when the client keeps sending header bytes after the limit", async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => (i === 0 ? "GET / HTTP/1.1\r\nHost: x\r\n" : `X-H${i}: ${"b".repeat(1000)}\r\n`));
    const { statusLine } = parse(await exchange(port, [...chunks, "\r\n"]));
    expect(statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
  });

  it("answers a malformed request with a 400 in the same shape", async () => {
    const { statusLine, body } = parse(await exchange(port, "NOT A REQUEST\r\n\r\n"));
    expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(JSON.parse(body).error).toMatchObject({ type: "invalid_request_error", code: "malformed_request", param: null });
    expect(JSON.parse(body).error.message).toMatch(/^Malformed HTTP request/);
  });

  it("answers an oversized second request on a keep-alive connection", async () => {
    const response = await exchange(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"c".repeat(LIMIT * 2)}\r\n\r\n`,
    );
    expect(response.startsWith("HTTP/1.1 200 OK")).toBe(true);
    expect(response).toContain("HTTP/1.1 431 Request Header Fields Too Large");
    expect(response).toContain('"code":"request_headers_too_large"');
  });
});

describe("clientErrorAnswer", () => {
  it("maps the parser's codes to statuses", () => {
    const code = (c: string) => Object.assign(new Error("x"), { code: c });
    expect(clientErrorAnswer(code("HPE_HEADER_OVERFLOW"), 16384).status).toBe(431);
    expect(clientErrorAnswer(code("ERR_HTTP_REQUEST_TIMEOUT"), 16384)).toMatchObject({ status: 408, statusText: "Request Timeout" });
    expect(JSON.parse(clientErrorAnswer(code("ERR_HTTP_REQUEST_TIMEOUT"), 16384).body).error.type).toBe("timeout_error");
    expect(clientErrorAnswer(code("HPE_CHUNK_EXTENSIONS_OVERFLOW"), 16384).status).toBe(413);
    expect(clientErrorAnswer(code("HPE_INVALID_METHOD"), 16384)).toMatchObject({ status: 400, statusText: "Bad Request" });
  });
});
