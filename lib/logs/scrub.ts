/**
 * The one-time scrub of request-log rows written before provider keys were kept out of the log
 * (docs/SECURITY.md "Provider keys in the request log"): such rows may hold, in clear, the
 * `api_key`/`apiKey` of an inline `x-portkey-config` in their stored request headers, and the same
 * key wherever an upstream echoed it (bodies, metadata, attempt messages). Each row is brought to
 * what the gateway stores today by the gateway's own redaction (`scrub-row.ts`).
 *
 * It runs in the background after start-up, never on the request path: the log is read in id
 * windows of `batchSize` rows (lib/store/log-scrub.ts) with a pause between windows, so the
 * request-log writer keeps its turn. A row is written only when something changes, with
 * compare-and-set, so several instances may run it at once. Progress (the last id done, then
 * "complete") is kept in AppMeta: a restart resumes, and a finished scrub never runs again. A
 * failure is logged and the scrub is tried again later; it never stops Detour.
 */
import { getDb, type Db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { getRuntime } from "../runtime";
import type { Dialect } from "../db/dialect";
import { getScrubProgress, loadLogTexts, markScrubComplete, saveScrubCursor, scanLogWindow, writeScrubbedLog } from "../store/log-scrub";
import { scrubStoredLog } from "./scrub-row";

/**
 * The AppMeta key prefix of this scrub's progress (`.cursor`, `.complete`). Migration 0020 writes
 * `.complete` in a database that holds no log when it is migrated (a new one): nothing to scrub.
 */
export const LOG_SCRUB_NAME = "log_scrub_config_keys";
export const LOG_SCRUB_BATCH = 500;
export const LOG_SCRUB_PAUSE_MS = 200;
/** After start-up, before the scrub begins (the first answers come first). */
export const LOG_SCRUB_DELAY_MS = 10_000;
/** After a failure, before the scrub is tried again (from its last recorded id). */
export const LOG_SCRUB_RETRY_MS = 5 * 60_000;

export type LogScrubOptions = {
  dialect: Dialect;
  batchSize?: number;
  pauseMs?: number;
  name?: string;
  now?: () => Date;
};

export type LogScrubSummary = {
  /** "already_complete": a finished scrub found, nothing read. */
  status: "complete" | "already_complete";
  resumedFrom: string | null;
  scanned: number;
  candidates: number;
  scrubbed: number;
  /** Rows another writer changed between the read and the write (another instance scrubbed them): not written. */
  conflicts: number;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the scrub to its end (or to its first failure, which it throws; the recorded progress stays). */
export async function runLogScrub(db: Db, options: LogScrubOptions): Promise<LogScrubSummary> {
  const name = options.name ?? LOG_SCRUB_NAME;
  const batchSize = options.batchSize ?? LOG_SCRUB_BATCH;
  const pauseMs = options.pauseMs ?? LOG_SCRUB_PAUSE_MS;
  const progress = await getScrubProgress(db, name);
  const summary: LogScrubSummary = {
    status: "complete",
    resumedFrom: progress.cursor,
    scanned: 0,
    candidates: 0,
    scrubbed: 0,
    conflicts: 0,
  };
  if (progress.complete) return { ...summary, status: "already_complete" };
  let cursor = progress.cursor;
  for (;;) {
    const window = await scanLogWindow(db, options.dialect, cursor, batchSize);
    summary.scanned += window.rows;
    summary.candidates += window.candidates.length;
    for (const row of await loadLogTexts(db, window.candidates)) {
      const scrub = scrubStoredLog(row);
      if (!scrub) continue;
      if (await writeScrubbedLog(db, scrub)) summary.scrubbed += 1;
      else summary.conflicts += 1;
    }
    if (window.lastId !== null) {
      cursor = window.lastId;
      await saveScrubCursor(db, options.dialect, name, cursor);
    }
    if (window.rows < batchSize) break;
    if (pauseMs > 0) await sleep(pauseMs);
  }
  await markScrubComplete(db, options.dialect, name, (options.now ?? (() => new Date()))());
  return summary;
}

/** A failure as a log field without its text beyond the first line (a query error could quote a stored text). */
function failure(err: unknown): { name: string; code?: string; message: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, ...(typeof code === "string" ? { code } : {}), message: e.message.split("\n")[0]!.slice(0, 200) };
}

/**
 * Starts the scrub in the background on the app's database (once per process); returns at once.
 * Once the process is shutting down it neither starts, nor reports a failure, nor retries.
 */
export function startLogScrub(delayMs = LOG_SCRUB_DELAY_MS, retryMs = LOG_SCRUB_RETRY_MS): void {
  const rt = getRuntime();
  if (rt.logScrubStarted) return;
  rt.logScrubStarted = true;
  const attempt = () => {
    if (rt.stopping) return;
    runLogScrub(getDb(), { dialect: getEnv().database.kind }).then(
      (summary) => {
        if (summary.status === "complete") logger.info(summary, "request log scrub of earlier rows' provider keys complete");
      },
      (err: unknown) => {
        if (rt.stopping) return; // the database was closed under it: it resumes at the next start
        logger.warn({ error: failure(err), retryInMs: retryMs }, "request log scrub failed; it resumes later from its last recorded id");
        setTimeout(attempt, retryMs).unref();
      },
    );
  };
  setTimeout(attempt, delayMs).unref();
}
