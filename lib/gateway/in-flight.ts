/**
 * How many inference requests this process is serving now: counted from the moment a request's
 * context is made (newServed, the one place every inference route goes through) until its log row
 * is queued (enqueueLog: once the JSON answer is handed over, a relayed stream has ended, or the
 * client has gone; errors and unauthenticated requests included). Background work that shares the
 * process reads it to give way to inference: the streamed exports (lib/api/export-stream.ts).
 *
 * An integer in the runtime (lib/runtime.ts), not a module variable: Next.js loads `lib/` more than
 * once per process, and the export's copy must see the count the gateway's copy keeps. Two property
 * writes per request, nothing else on the hot path; the gauge reads it only when scraped.
 */
import { getRuntime } from "../runtime";

export function inferenceStarted(): void {
  getRuntime().inferenceInFlight++;
}

export function inferenceEnded(): void {
  getRuntime().inferenceInFlight--;
}

export function inferenceInFlight(): number {
  return getRuntime().inferenceInFlight;
}
