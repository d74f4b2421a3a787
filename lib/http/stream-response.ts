/**
 * A Web `Response` whose body is a stream of text chunks pulled from a source (a relayed SSE
 * stream, lib/gateway/request/sse-relay.ts), built without a Web stream: Detour's HTTP server
 * (scripts/server.ts) finds the source under the registered symbol CHUNK_SOURCE and writes each
 * chunk to the socket as it comes (pumpChunks, with backpressure), where the adapter would read a
 * Web stream (a reader's promises per chunk, a transferable object per stream). Anyone else
 * (Next's route files under `next dev`, a caller of the handler) reads `body`, a Web stream over
 * the same source made when it is first asked for. Dependency-free: the server loads it too.
 */
import type { ServerResponse } from "node:http";
import { DeferredBodyResponse } from "./deferred-body-response";
import type { HeaderList } from "./header-list";

/**
 * Text chunks on demand: `pull` gives the next one, null once the stream is over; `cancel` stops it
 * (the reader went away). Told by the writer, when it has them: how long each wait for the client to
 * read took (`waited`: a full socket); and the trailer fields to end the stream with (`trailers`:
 * their names go in the head, their values are asked once the last chunk is written), which the
 * writer sends only to a client that accepts them (`TE: trailers`).
 */
export type ChunkSource = {
  pull(): Promise<string | null>;
  cancel(): void;
  waited?(ms: number): void;
  trailers?: { names: string; values(): Record<string, string> };
};

export const CHUNK_SOURCE = Symbol.for("detour.chunkSource");

const encoder = new TextEncoder();

/** A Web stream over a chunk source, one pull per read. */
export function chunkStream(source: ChunkSource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        const chunk = await source.pull();
        if (chunk === null) controller.close();
        else controller.enqueue(encoder.encode(chunk));
      },
      cancel: () => source.cancel(),
    },
    { highWaterMark: 0 },
  );
}

export class StreamResponse extends DeferredBodyResponse {
  readonly [CHUNK_SOURCE]: ChunkSource;

  constructor(source: ChunkSource, init: { status: number; headers: HeaderList }) {
    super(init);
    this[CHUNK_SOURCE] = source;
  }

  protected makeBody(): BodyInit {
    return chunkStream(this[CHUNK_SOURCE]);
  }
}

/**
 * Node keeps the head it wrote (`res._header`) for the life of the response, as it built it: a rope
 * of four pieces a header line (~5 KiB for the ~28 headers of a relayed OpenAI stream, against
 * ~1 KiB of text). A stream holds its response open for as long as the provider talks, so the rope
 * is flattened once: converting a string to a number makes V8 flatten it in place, and the pieces
 * become garbage (bench/stream-memory.ts). The conversion's result is returned so that it is used.
 */
export function flattenHead(res: ServerResponse): number {
  const head = (res as unknown as { _header?: unknown })._header;
  return typeof head === "string" ? Number(head) : 0;
}

/** The chunk source of a StreamResponse (from either copy of this module), or undefined for any other response. */
export function chunkSourceOf(response: Response): ChunkSource | undefined {
  return (response as unknown as { [CHUNK_SOURCE]?: ChunkSource })[CHUNK_SOURCE];
}

/** Whether a request's `TE` header accepts trailer fields (`TE: trailers`, RFC 9110 10.1.4). */
export function acceptsTrailers(te: string | undefined): boolean {
  return te !== undefined && /(?:^|,)\s*trailers\s*(?:,|$)/i.test(te);
}

/**
 * Writes a source's chunks to Node's response as they come: each write waits for `drain` when the
 * socket is full (the wait told to the source); the client going away cancels the source. With
 * `trailers` (the head declared them), the source's trailer fields end the stream; `ended` is told
 * how long the end's write took. Resolves when it is over either way.
 */
export async function pumpChunks(
  source: ChunkSource,
  res: ServerResponse,
  trailers = false,
  ended: ((ms: number) => void) | null = null,
): Promise<void> {
  flattenHead(res);
  let gone = false;
  let wake: (() => void) | null = null;
  const onClose = () => {
    if (res.writableFinished) return;
    gone = true;
    source.cancel();
    wake?.();
  };
  res.on("close", onClose);
  try {
    for (;;) {
      // A client gone before the pump started (or between its writes) has no "close" left to see.
      if (!gone && res.destroyed) onClose();
      if (gone) return;
      const chunk = await source.pull();
      if (gone) return;
      if (chunk === null) break;
      if (!res.write(chunk)) {
        const from = performance.now();
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once("drain", resolve);
        });
        res.off("drain", wake!);
        wake = null;
        source.waited?.(performance.now() - from);
        if (gone) return;
      }
    }
    const from = performance.now();
    if (trailers && source.trailers) res.addTrailers(source.trailers.values());
    res.end();
    ended?.(performance.now() - from);
  } catch (err) {
    // A source that fails past its own error handling: the client cannot be told in the stream.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
    source.cancel();
  } finally {
    res.off("close", onClose);
  }
}
