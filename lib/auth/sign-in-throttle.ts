/**
 * Sign-in throttling (rate-limiter-flexible), per account and per client address.
 *
 * - Account (the email, trimmed and lower-cased, hashed; unknown emails count the same, so the
 *   throttle does not tell which accounts exist): the first 5 failures are answered at once; then
 *   each attempt waits 0.5 s, 1 s, 2 s, 4 s before its password is checked; the 10th failure within
 *   an hour locks the account for 15 minutes. A successful sign-in clears the count.
 * - Address (lib/auth/client-address.ts): 50 failures within 15 minutes lock the address for
 *   15 minutes (any account); from the 26th failure attempts wait as above. A success gives its
 *   own attempt back but does not clear the count (one valid account must not reset an attack).
 * - While locked every attempt is refused before its password is checked, the right one too.
 *
 * Every attempt takes its point before the password is checked, so parallel attempts cannot slip
 * past the limit. The counters live in memory, or in Redis when REDIS_URL is set (shared by every
 * instance) with an in-memory insurance limiter that takes over while Redis is unavailable: an
 * outage neither locks everyone out nor turns the throttle off.
 */
import { createHash } from "node:crypto";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type IRateLimiterOptions } from "rate-limiter-flexible";
import { logger } from "../logger";
import { observeSignIn, observeSignInLock } from "../metrics";
import { getRedis, redisKey } from "../redis";
import { getRuntime } from "../runtime";

export const SIGN_IN_LIMITS = {
  account: { failures: 10, windowSeconds: 60 * 60, lockSeconds: 15 * 60, freeFailures: 5 },
  address: { failures: 50, windowSeconds: 15 * 60, lockSeconds: 15 * 60, freeFailures: 25 },
} as const;
const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 4_000;

export type LockScope = "account" | "address";

/** The part of a rate-limiter-flexible limiter the throttle uses. */
export type Limiter = {
  get(key: string): Promise<RateLimiterRes | null>;
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  reward(key: string, points?: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
  block(key: string, seconds: number): Promise<RateLimiterRes>;
};

export type AttemptResult<U> =
  | { outcome: "success"; user: U }
  | { outcome: "failure" }
  | { outcome: "locked"; scope: LockScope; retryAfterMs: number; message: string; lockedNow: boolean };

/** Wait before checking the password of an attempt that follows `failures` failures. */
export function delayAfter(failures: number, freeFailures: number): number {
  if (failures < freeFailures) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - freeFailures), MAX_DELAY_MS);
}

/** "15 minutes", "1 minute", "40 seconds". */
export function formatWait(ms: number): string {
  if (ms >= 60_000) {
    const m = Math.ceil(ms / 60_000);
    return `${m} minute${m === 1 ? "" : "s"}`;
  }
  const s = Math.max(1, Math.ceil(ms / 1000));
  return `${s} second${s === 1 ? "" : "s"}`;
}

export function lockMessage(scope: LockScope, retryAfterMs: number): string {
  const who = scope === "account" ? "for this account" : "from your network address";
  return `Too many failed sign-ins ${who}. Try again in ${formatWait(retryAfterMs)}.`;
}

export function accountKey(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 32);
}

const isLocked = (res: RateLimiterRes | null, points: number): res is RateLimiterRes => res !== null && res.consumedPoints > points;

export class SignInThrottle {
  constructor(
    private readonly account: Limiter,
    private readonly address: Limiter,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Runs one sign-in attempt: refuses it while the account or the address is locked, delays it
   * after repeated failures, checks the password with `verify` (null: wrong), and counts the result.
   * When `verify` throws, the attempt is not counted and the error propagates.
   */
  async attempt<U>(who: { email: string; address: string }, verify: () => Promise<U | null>): Promise<AttemptResult<U>> {
    const acct = accountKey(who.email);
    const addr = who.address;
    const A = SIGN_IN_LIMITS.account;
    const B = SIGN_IN_LIMITS.address;
    const log = { account: acct.slice(0, 12), address: addr };

    const [acctNow, addrNow] = await Promise.all([this.account.get(acct), this.address.get(addr)]);
    if (isLocked(acctNow, A.failures)) return this.refused("account", acctNow.msBeforeNext, false, log);
    if (isLocked(addrNow, B.failures)) return this.refused("address", addrNow.msBeforeNext, false, log);

    // Take this attempt's point first: concurrent attempts each see the others.
    let a: RateLimiterRes;
    let b: RateLimiterRes;
    try {
      a = await this.account.consume(acct);
    } catch (err) {
      if (err instanceof RateLimiterRes) return this.refused("account", err.msBeforeNext, false, log);
      throw err;
    }
    try {
      b = await this.address.consume(addr);
    } catch (err) {
      await this.account.reward(acct).catch(() => {});
      if (err instanceof RateLimiterRes) return this.refused("address", err.msBeforeNext, false, log);
      throw err;
    }

    const wait = Math.max(delayAfter(a.consumedPoints - 1, A.freeFailures), delayAfter(b.consumedPoints - 1, B.freeFailures));
    if (wait > 0) await this.sleep(wait);

    let user: U | null;
    try {
      user = await verify();
    } catch (err) {
      await Promise.allSettled([this.account.reward(acct), this.address.reward(addr)]);
      throw err;
    }
    if (user) {
      await Promise.allSettled([this.account.delete(acct), this.address.reward(addr)]);
      observeSignIn("success");
      return { outcome: "success", user };
    }

    if (a.remainingPoints <= 0) {
      await this.account.block(acct, A.lockSeconds);
      return this.refused("account", A.lockSeconds * 1000, true, { ...log, failures: a.consumedPoints });
    }
    if (b.remainingPoints <= 0) {
      await this.address.block(addr, B.lockSeconds);
      return this.refused("address", B.lockSeconds * 1000, true, { ...log, failures: b.consumedPoints });
    }
    observeSignIn("failure");
    logger.info({ ...log, failures: a.consumedPoints, address_failures: b.consumedPoints, delayed_ms: wait }, "sign-in failed");
    return { outcome: "failure" };
  }

  /** Counts a refused attempt (locked now, or already locked) and says how long to wait. */
  private refused(scope: LockScope, retryAfterMs: number, lockedNow: boolean, log: Record<string, unknown>): AttemptResult<never> {
    const ms = Math.max(1000, retryAfterMs);
    if (lockedNow) {
      observeSignIn("failure");
      observeSignInLock(scope);
      logger.warn({ ...log, scope, lock_seconds: Math.round(ms / 1000) }, "sign-in locked after repeated failures");
    } else {
      observeSignIn("locked");
      logger.debug({ ...log, scope, retry_after_ms: ms }, "sign-in refused: locked");
    }
    return { outcome: "locked", scope, retryAfterMs: ms, message: lockMessage(scope, ms), lockedNow };
  }
}

function limiterOptions(scope: LockScope): IRateLimiterOptions {
  const l = SIGN_IN_LIMITS[scope];
  return { points: l.failures, duration: l.windowSeconds, blockDuration: l.lockSeconds };
}

/** In memory; or in Redis with an in-memory insurance limiter when REDIS_URL is set. */
export function createLimiter(scope: LockScope): Limiter {
  const options = limiterOptions(scope);
  const redis = getRedis();
  if (!redis) return new RateLimiterMemory({ ...options, keyPrefix: `signin-${scope}` });
  return new RateLimiterRedis({
    ...options,
    storeClient: redis.command,
    keyPrefix: redisKey(`signin:${scope}`),
    // While the connection is down, go straight to the insurance limiter instead of waiting.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ ...options, keyPrefix: `signin-${scope}` }),
  });
}

/** The process's throttle (kept in the runtime: Next bundles the sign-in route and the account route apart). */
export function getSignInThrottle(): SignInThrottle {
  const rt = getRuntime();
  rt.signInThrottle ??= new SignInThrottle(createLimiter("account"), createLimiter("address"));
  return rt.signInThrottle;
}
