/**
 * Reads a request body within a byte limit, before anything is parsed:
 * - a declared `content-length` over the limit is refused at once, nothing read;
 * - otherwise (chunked, or a lying length) the bytes are counted as they arrive and reading stops
 *   at the first chunk past the limit.
 * Both throw a 413 (answered with `connection: close`, errors.ts). The rest of the upload is not
 * read here: Detour's server closes such a connection lingering once the answer is out (the rest
 * dropped until the client closes, lib/http/lingering-close.ts). The stream is not cancelled here:
 * that would destroy the socket before the answer.
 */
import { NextRequest } from "next/server";
import { tooLargeMessage } from "./body-limits";
import { DetourError } from "../errors";
import { errorResponse } from "./errors";

/** A 413 when the declared `content-length` is over `limit` (nothing read; the connection closes after the answer). */
export function refuseDeclaredOversize(request: Request, limit: number): void {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (!(declared > limit)) return;
  throw new DetourError("payload_too_large", tooLargeMessage(limit));
}

export async function readBodyWithin(request: Request, limit: number): Promise<Buffer> {
  refuseDeclaredOversize(request, limit);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      throw new DetourError("payload_too_large", tooLargeMessage(limit));
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * A route handler whose body is read within `limit` first (a 413 in the one error shape past it);
 * the handler then gets a request carrying exactly those bytes. For routes whose handler is not
 * Detour's own (next-auth's, which reads its JSON or form bodies whole).
 */
export function withBodyLimit<C>(limit: number, handler: (request: NextRequest, context: C) => Promise<Response>) {
  return async (request: NextRequest, context: C): Promise<Response> => {
    let body: Buffer;
    try {
      body = await readBodyWithin(request, limit);
    } catch (err) {
      return errorResponse(err, () => undefined);
    }
    const bounded = new NextRequest(request.url, {
      method: request.method,
      headers: request.headers,
      body: body.length > 0 ? (body as Uint8Array<ArrayBuffer>) : null,
      signal: request.signal,
    });
    return handler(bounded, context);
  };
}
