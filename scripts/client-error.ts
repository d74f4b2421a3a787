/**
 * The answer to a request Node's HTTP parser refuses before any handler runs (the server's
 * `clientError` event): a complete HTTP/1.1 response whose body is OpenAI's error shape, then the
 * connection is closed. Node's own answer for these is a status line with an empty body.
 *
 * - headers larger than the server's limit (`HPE_HEADER_OVERFLOW`): 431 `request_headers_too_large`,
 *   naming the limit in bytes;
 * - the request not received within `headersTimeout`/`requestTimeout`: 408 `request_timeout`;
 * - chunk extensions too large: 413 `chunk_extensions_too_large`;
 * - anything else the parser refuses (a malformed request line or header): 400 `malformed_request`.
 * Nothing is written when the peer is gone (`ECONNRESET`), the socket is no longer writable, or a
 * response on this connection has already started (as Node does): the socket is destroyed then.
 * Bytes the client keeps sending after the answer are read and dropped (closing a socket with
 * unread input would reset it, and the client could lose the answer); the connection is closed
 * when the client closes it, or after CLOSE_AFTER_MS.
 * Self-contained (node:http types only): scripts/server.ts calls it.
 */
import type { Duplex } from "node:stream";
import { ERROR_CATALOG, type ErrorCode } from "../lib/errors";
import { API_SECURITY_HEADERS } from "../lib/http/security-headers";

const CLOSE_AFTER_MS = 5_000;

type ClientError = Error & { code?: string };

export type ClientErrorAnswer = { status: number; statusText: string; body: string };

/** The response for a parser error, given the server's header size limit in bytes. */
export function clientErrorAnswer(error: ClientError, maxHeaderSize: number): ClientErrorAnswer {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return answer(
        "request_headers_too_large",
        "Request Header Fields Too Large",
        `Request headers are larger than the limit of ${maxHeaderSize} bytes (request line and headers together).`,
      );
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return answer("chunk_extensions_too_large", "Payload Too Large", "Chunk extensions of the request body are too large.");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return answer("request_timeout", "Request Timeout", "The request was not received in time; the connection is closed.");
    default:
      return answer(
        "malformed_request",
        "Bad Request",
        `Malformed HTTP request${error.code?.startsWith("HPE_") ? ` (${error.code})` : ""}.`,
      );
  }
}

const answered = new WeakSet<Duplex>();

/** The server's `clientError` listener: `server.on("clientError", (e, s) => handleClientError(e, s, http.maxHeaderSize))`. */
export function handleClientError(error: ClientError, socket: Duplex, maxHeaderSize: number): void {
  // The parser reports again for bytes that arrive after the answer: they are dropped.
  if (answered.has(socket)) return;
  if (error.code === "ECONNRESET" || !socket.writable || responseStarted(socket)) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const { status, statusText, body } = clientErrorAnswer(error, maxHeaderSize);
  const head = [
    `HTTP/1.1 ${status} ${statusText}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "X-Portkey-Gateway-Exception: true",
    ...API_SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`),
    "Connection: close",
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  const timer = setTimeout(() => socket.destroy(), CLOSE_AFTER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

/** The code's status and type come from the catalog (lib/errors.ts); `statusText` is the status's reason phrase. */
function answer(code: ErrorCode, statusText: string, message: string): ClientErrorAnswer {
  const { status, type } = ERROR_CATALOG[code];
  return { status, statusText, body: JSON.stringify({ error: { message, type, param: null, code } }) };
}

/** Whether a response on this connection has already sent its head (then nothing may be written). */
function responseStarted(socket: Duplex): boolean {
  // Node keeps the connection's current response there (as its own clientError default checks).
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return current?.headersSent === true;
}
