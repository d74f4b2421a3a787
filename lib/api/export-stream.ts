/**
 * Streamed exports of a keyset-paged query (`GET /v1/logs/export`, `GET /v1/audit/export`): the
 * file is read from the store one page at a time, only when the client has taken the previous one,
 * so memory stays constant however many rows the export holds.
 *
 * - Backpressure: the body is a pull-driven ReadableStream (high-water mark of one chunk). Next.js
 *   pipes it to the Node response and waits for `drain` whenever the socket's buffer is full
 *   (next/dist/server/pipe-readable.js), so `pull` (the next page) runs only once the client has
 *   read what was sent.
 * - Fairness: between two pages the export waits for the event loop's check phase (setImmediate),
 *   so the requests and timers queued meanwhile (inference) run before the next page is read.
 * - The first page is read before the response exists: a database that fails at once is an
 *   ordinary JSON error with its status, not an empty file.
 * - Client gone: Next aborts the pipe, which cancels the stream; no page is read after that.
 * - A page that fails mid-stream errors the stream: Next destroys the response, so the client sees
 *   the connection close before the chunked body's final chunk (a truncated transfer: fetch rejects,
 *   curl exits 18), never a silently complete file. The error is logged.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { logger } from "../logger";

export type ExportPage<Row, Cursor> = { rows: Row[]; next: Cursor | null };

export type PagedExport<Row, Cursor> = {
  /** One page after `cursor` (null: the first). */
  readPage(cursor: Cursor | null): Promise<ExportPage<Row, Cursor>>;
  /** A page's rows as text (each row with its line end). */
  encode(rows: Row[]): string;
  /** Text before the first row (a CSV header). */
  head?: string;
  /** Names the export in the log line of a failure. */
  what: string;
};

/** The stream of every page; the first page is read before it returns (its error is the caller's). */
export async function pagedExportStream<Row, Cursor>(spec: PagedExport<Row, Cursor>): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let page: ExportPage<Row, Cursor> | null = await spec.readPage(null);
  let cancelled = false;
  const first = (spec.head ?? "") + spec.encode(page.rows);
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
          await nextTurn();
          if (cancelled) return;
          page = await spec.readPage(cursor);
          if (cancelled) return;
          const text = spec.encode(page.rows);
          if (text) controller.enqueue(encoder.encode(text));
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
