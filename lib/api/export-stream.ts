/**
 * Streamed exports of a keyset-paged query (`GET /v1/logs/export`, `GET /v1/audit/export`): the
 * file is read from the store one page at a time, only when the client has taken the previous one,
 * so memory stays constant however many rows the export holds.
 *
 * - Backpressure: the body is a pull-driven ReadableStream (high-water mark of one chunk). Next.js
 *   pipes it to the Node response and waits for `drain` whenever the socket's buffer is full
 *   (next/dist/server/pipe-readable.js), so `pull` (the next page) runs only once the client has
 *   read what was sent.
 * - Giving way to inference: an export is CPU work in the gateway's process (on SQLite each page is
 *   a synchronous read on the event loop, then encoding), so while inference requests are in flight
 *   (lib/gateway/in-flight.ts) it paces itself (EXPORT_PACING): each page is sized from the time per
 *   row the previous page took so that its read and encoding last about `sliceMs`, and after it the
 *   export pauses (1/share - 1) times as long, so it takes at most `share` of the wall time. It
 *   always progresses: at least `minRows` per page, a pause never over `maxPauseMs`, so a download
 *   never goes quiet long enough for a proxy's idle timeout. With no inference in flight, pages are
 *   full size and there is no pause. Between two pages it always waits for the event loop's check
 *   phase (setImmediate), so the requests and timers queued meanwhile run before the next page.
 *   Page sizes change nothing else: each page starts at the cursor after the last row sent.
 * - The first page is read before the response exists: a database that fails at once is an
 *   ordinary JSON error with its status, not an empty file.
 * - Client gone: Next aborts the pipe, which cancels the stream; no page is read after that.
 * - A page that fails mid-stream errors the stream: Next destroys the response, so the client sees
 *   the connection close before the chunked body's final chunk (a truncated transfer: fetch rejects,
 *   curl exits 18), never a silently complete file. The error is logged.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { inferenceInFlight } from "../gateway/in-flight";
import { logger } from "../logger";

export type ExportPage<Row, Cursor> = { rows: Row[]; next: Cursor | null };

export type PagedExport<Row, Cursor> = {
  /** Up to `limit` rows after `cursor` (null: the first page). */
  readPage(cursor: Cursor | null, limit: number): Promise<ExportPage<Row, Cursor>>;
  /** Rows per page when nothing competes with the export. */
  pageRows: number;
  /** A page's rows as text (each row with its line end). */
  encode(rows: Row[]): string;
  /** Text before the first row (a CSV header). */
  head?: string;
  /** Names the export in the log line of a failure. */
  what: string;
};

/** How an export gives way to inference (see the file comment). */
export type ExportPacing = {
  /** Inference requests in flight in this process now. */
  inFlight(): number;
  /** What one page's read and encoding aim at while inference is in flight (ms). */
  sliceMs: number;
  /** The export's largest share of wall time while inference is in flight (0 < share <= 1). */
  share: number;
  /** The longest pause after a page (ms). */
  maxPauseMs: number;
  /** The smallest page while inference is in flight. */
  minRows: number;
  now(): number;
  sleep(ms: number): Promise<unknown>;
};

/**
 * Chosen with bench/log-export.ts on 2 cores (docs/PERFORMANCE.md, "Log export"): against a closed
 * inference loop that keeps the event loop busy, a 5 ms slice and a 10% share kept 81-84% of the
 * inference throughput (10 ms and 15%: 79-81%, with a higher p99; unpaced: 24%), while the export
 * still moved at 6,000-7,000 rows/s. A pause stays under 250 ms: the file keeps flowing.
 */
export const EXPORT_PACING: ExportPacing = {
  inFlight: inferenceInFlight,
  sliceMs: 5,
  share: 0.1,
  maxPauseMs: 250,
  minRows: 20,
  now: () => performance.now(),
  sleep: (ms) => sleep(ms),
};

/** The next page's size: full when no inference is in flight, else what fills `sliceMs` at the last page's pace. */
function pageSize(pacing: ExportPacing, full: number, msPerRow: number | null): number {
  if (pacing.inFlight() === 0) return full;
  if (msPerRow === null) return Math.min(full, pacing.minRows);
  return Math.max(Math.min(full, pacing.minRows), Math.min(full, Math.round(pacing.sliceMs / Math.max(msPerRow, 1e-6))));
}

/** The pause after a page that took `pageMs`: none without inference in flight, else the share's complement, bounded. */
function pauseAfter(pacing: ExportPacing, pageMs: number): number {
  if (pacing.inFlight() === 0) return 0;
  return Math.min(pacing.maxPauseMs, pageMs * (1 / pacing.share - 1));
}

/** The stream of every page; the first page is read before it returns (its error is the caller's). */
export async function pagedExportStream<Row, Cursor>(
  spec: PagedExport<Row, Cursor>,
  pacing: ExportPacing = EXPORT_PACING,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let msPerRow: number | null = null;
  /** One page read and encoded; its time per row sizes the next page. */
  const timedPage = async (cursor: Cursor | null) => {
    const t0 = pacing.now();
    const read = await spec.readPage(cursor, pageSize(pacing, spec.pageRows, msPerRow));
    const text = spec.encode(read.rows);
    const ms = pacing.now() - t0;
    if (read.rows.length > 0) msPerRow = ms / read.rows.length;
    return { next: read.next, text, ms };
  };
  let page: { next: Cursor | null; text: string; ms: number } | null = await timedPage(null);
  let cancelled = false;
  const first = (spec.head ?? "") + page.text;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (first) controller.enqueue(encoder.encode(first));
        if (!page?.next) {
          page = null;
          controller.close();
        }
      },
      async pull(controller) {
        const cursor = page?.next;
        if (!cursor) return;
        try {
          const pause = pauseAfter(pacing, page?.ms ?? 0);
          if (pause > 0) await pacing.sleep(pause);
          else await nextTurn();
          if (cancelled) return;
          page = await timedPage(cursor);
          if (cancelled) return;
          if (page.text) controller.enqueue(encoder.encode(page.text));
          if (!page.next) {
            page = null;
            controller.close();
          }
        } catch (err) {
          logger.error(
            { err: err instanceof Error ? { name: err.name, message: err.message } : String(err) },
            `${spec.what} failed mid-stream`,
          );
          page = null;
          controller.error(err);
        }
      },
      cancel() {
        cancelled = true;
        page = null;
      },
    },
    { highWaterMark: 1 },
  );
}

/** A download: the stream with its type, `attachment` file name, no sniffing. */
export function attachmentResponse(body: ReadableStream<Uint8Array>, contentType: string, filename: string): Response {
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": contentType,
      "content-disposition": `attachment; filename="${filename}"`,
      "x-content-type-options": "nosniff",
    },
  });
}

/** A timestamp for file names, without colons: `2026-01-31T12-00-00Z`. */
export function fileTimestamp(at: Date = new Date()): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/:/g, "-");
}
