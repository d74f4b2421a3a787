/**
 * When a target's attempt is retried and how long Detour waits first (docs/GATEWAY.md §5).
 * Back-off is exponential with full jitter: random() * min(8 s, 250 ms * 2^(n-1)) before retry n.
 * With `use_retry_after_header`, the upstream's `retry-after-ms`, `x-ms-retry-after-ms` or
 * `retry-after` (seconds or an HTTP date) replaces the back-off, in that order of preference.
 */
import type { AttemptOutcome, RetryPolicy } from "./types";

export const DEFAULT_RETRY_STATUS_CODES: readonly number[] = [429, 500, 502, 503, 504, 529];
/** A target's retries stop once their waits would add up to more than this. */
export const MAX_TOTAL_RETRY_WAIT_MS = 60_000;
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 8_000;

/**
 * True when the outcome calls for another try (attempts left or not): a status in the policy's
 * codes (default 429, 500, 502, 503, 504, 529), or a failure without a usable upstream answer
 * (network error, timeout, stream broken before its first chunk) whatever the codes.
 */
export function isRetryTrigger(outcome: AttemptOutcome<unknown>, policy: RetryPolicy | undefined): boolean {
  if (!policy || policy.attempts <= 0) return false;
  const { errorClass } = outcome;
  if (errorClass === "network" || errorClass === "timeout" || errorClass === "stream_broken") return true;
  return (policy.onStatusCodes ?? DEFAULT_RETRY_STATUS_CODES).includes(outcome.status);
}

/** Full-jitter exponential back-off before retry number `retryNumber` (1 for the first retry). */
export function backoffDelayMs(retryNumber: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retryNumber - 1));
  return Math.round(Math.min(Math.max(random(), 0), 1) * ceiling);
}

/** The wait the upstream asked for, in ms, or undefined when it sent no usable header. */
export function retryAfterMs(headers: Record<string, string> | undefined, now: number): number | undefined {
  if (!headers) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers[name];
    if (value === undefined) continue;
    const ms = parseNonNegative(value);
    if (ms !== undefined) return Math.ceil(ms);
  }
  const retryAfter = headers["retry-after"]?.trim();
  if (!retryAfter) return undefined;
  const seconds = parseNonNegative(retryAfter);
  if (seconds !== undefined) return Math.ceil(seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `retryNumber` of this outcome. */
export function retryDelayMs(
  outcome: AttemptOutcome<unknown>,
  policy: RetryPolicy,
  retryNumber: number,
  random: () => number,
  now: number,
): number {
  const asked = policy.useRetryAfterHeader ? retryAfterMs(outcome.headers, now) : undefined;
  return asked ?? backoffDelayMs(retryNumber, random);
}

function parseNonNegative(text: string): number | undefined {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
