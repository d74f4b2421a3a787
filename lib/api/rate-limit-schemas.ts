/**
 * `rate_limits` on API keys and virtual keys (`rateLimits` accepted too): Detour's own limits,
 * enforced by the gateway (`lib/gateway/rate-limit/limiter.ts`). `rpm` = requests per minute, `tpm` =
 * tokens per minute (counted from the providers' usage); `null` removes a limit, a missing field
 * leaves it as it is; `rate_limits: null` removes both.
 */
import type { z } from "zod";
import { intInRange, strictObject } from "../gateway/config/messages";

/** Fits the INTEGER columns on both databases. */
export const RATE_LIMIT_MAX = 2_000_000_000;

const limit = intInRange(1, RATE_LIMIT_MAX).nullable();

export const rateLimitsSchema = strictObject(
  { rpm: limit.optional(), tpm: limit.optional() },
  "an object {rpm?, tpm?} (integers from 1, or null for no limit), or null",
).nullable();

export type RateLimitsBody = z.output<typeof rateLimitsSchema>;

/** The store's columns to write: only the limits the body names (undefined: leave as is). */
export function rateLimitColumns(body: RateLimitsBody | undefined): { rpmLimit?: number | null; tpmLimit?: number | null } {
  if (body === undefined) return {};
  if (body === null) return { rpmLimit: null, tpmLimit: null };
  return {
    ...(body.rpm !== undefined ? { rpmLimit: body.rpm } : {}),
    ...(body.tpm !== undefined ? { tpmLimit: body.tpm } : {}),
  };
}

/** How the API shows a key's limits. */
export function rateLimitsView(row: { rpmLimit: number | null; tpmLimit: number | null }) {
  return { rpm: row.rpmLimit, tpm: row.tpmLimit };
}
