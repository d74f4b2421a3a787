/**
 * Reads and parses the JSON request body within the size limit (413 past it), the time limit (408
 * past it) and as JSON (400). The request stream is never cancelled before the answer is written
 * (cancelling destroys the socket, and the client would see a reset instead of the answer):
 * - 413: answered at once (before reading, when `content-length` says so); the rest of the upload
 *   is then read and discarded in the background for up to LINGER_MS, so a client still sending
 *   gets the 413 instead of EPIPE, and the connection stays usable; past that it is closed.
 * - 408: the body stalled; answered with `connection: close`, so Node closes it after the answer.
 * Behind Detour's own server the body is read from Node's request (lib/http/node-request.ts), with
 * the same limits and answers; otherwise (`next dev`, the route files) from the Web request's stream.
 */
import type { IncomingMessage } from "node:http";
import { getEnv } from "../../env";
import { DetourError } from "../../errors";
import { LINGER_MS } from "../../http/lingering-close";
import { nodeRequestOf } from "../../http/node-request";
import type { Waits } from "./waits";

export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;

export type BodyLimits = { maxBytes: number; timeoutMs: number };

/** A 408 answered with `connection: close` (the catalog's): Node closes the connection after the answer. */
function bodyTimedOut(timeoutMs: number, size: number): DetourError {
  return new DetourError("request_body_timeout", `The request body was not received within ${timeoutMs} ms (${size} bytes arrived).`);
}

/** Reads and drops what is left of the body, for at most LINGER_MS; then lets the connection go. */
function discardRest(body: ReadableStream<Uint8Array>, reader = body.getReader()): void {
  const stop = setTimeout(() => void reader.cancel().catch(() => undefined), LINGER_MS);
  void drain(reader)
    .catch(() => undefined)
    .finally(() => clearTimeout(stop));
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  for (;;) if ((await reader.read()).done) return;
}

export async function readJsonBody(
  request: Request,
  limits: BodyLimits = { maxBytes: DEFAULT_MAX_BODY_BYTES, timeoutMs: DEFAULT_BODY_TIMEOUT_MS },
  waits?: Waits,
): Promise<{ body: Record<string, unknown>; text: string }> {
  const incoming = nodeRequestOf(request);
  if (incoming) return parseBody(await readNodeBody(incoming, limits, waits));
  const { maxBytes, timeoutMs } = limits;
  const tooLarge = () => tooLargeError(maxBytes);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    if (request.body) discardRest(request.body);
    throw tooLarge();
  }
  if (!request.body) throw new DetourError("invalid_body", "Request body is empty; send a JSON object.");

  const reader = request.body.getReader();
  let timedOut = false;
  // One timer per request, no extra await: on expiry the pending read is released (rejects).
  const timer = setTimeout(() => {
    timedOut = true;
    reader.releaseLock();
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        clearTimeout(timer);
        discardRest(request.body, reader);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (timedOut) throw bodyTimedOut(timeoutMs, size);
    if (err instanceof DetourError) throw err;
    // The request stream fails only when the client's connection does (aborted, reset).
    throw clientClosed();
  } finally {
    clearTimeout(timer);
  }
  return parseBody(Buffer.concat(chunks).toString("utf8"));
}

function clientClosed(): DetourError {
  return new DetourError("client_closed", "The client closed the request while sending its body.");
}

function tooLargeError(maxBytes: number): DetourError {
  return new DetourError("request_too_large", `Request body is larger than the limit of ${maxBytes} bytes.`);
}

/** Reads and drops the rest of Node's request for at most LINGER_MS, then lets the connection go. */
function discardNodeRest(incoming: IncomingMessage): void {
  const stop = setTimeout(() => incoming.destroy(), LINGER_MS);
  incoming.once("end", () => clearTimeout(stop));
  incoming.once("close", () => clearTimeout(stop));
  incoming.resume();
}

/**
 * The body of Node's request as text, within the limits (the answers of readJsonBody). The time
 * until its end arrived is the client's (`waits.clientMs`): a slow upload is not Detour's own time.
 */
function readNodeBody(incoming: IncomingMessage, { maxBytes, timeoutMs }: BodyLimits, waits?: Waits): Promise<string> {
  const declared = Number(incoming.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discardNodeRest(incoming);
    return Promise.reject(tooLargeError(maxBytes));
  }
  // Gone before the body was asked for: its "close" has been emitted already.
  if (incoming.destroyed) return Promise.reject(clientClosed());
  const from = performance.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err: DetourError | null) => {
      if (waits) waits.clientMs += performance.now() - from;
      clearTimeout(timer);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onGone);
      incoming.off("close", onGone);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop(tooLargeError(maxBytes));
      discardNodeRest(incoming);
    };
    const onEnd = () => stop(null);
    // The request fails or closes before its end only when the client's connection does.
    const onGone = () => stop(clientClosed());
    const timer = setTimeout(() => {
      incoming.pause();
      stop(bodyTimedOut(timeoutMs, size));
    }, timeoutMs);
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("error", onGone);
    incoming.once("close", onGone);
  });
}

function parseBody(text: string): { body: Record<string, unknown>; text: string } {
  if (!text.trim()) throw new DetourError("invalid_body", "Request body is empty; send a JSON object.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DetourError("invalid_json", `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DetourError("invalid_body", "Request body must be a JSON object.");
  }
  return { body: parsed as Record<string, unknown>, text };
}

/** The limits from the environment (`DETOUR_MAX_BODY_BYTES`, `DETOUR_BODY_TIMEOUT_MS`). */
export function bodyLimits(): BodyLimits {
  const env = getEnv();
  return { maxBytes: env.DETOUR_MAX_BODY_BYTES, timeoutMs: env.DETOUR_BODY_TIMEOUT_MS };
}
