/**
 * A Redis connection for unit tests that need one (the rate limiter's and the budget ledger's Redis
 * cases): DETOUR_TEST_REDIS_URL, default 127.0.0.1:6379. Without Redis the tests skip, saying why;
 * with CI=true Redis is mandatory and its absence fails them.
 */
import Redis from "ioredis";

export const TEST_REDIS_URL = process.env.DETOUR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** With CI=true Redis is mandatory: its absence fails the tests instead of skipping them. */
export const REDIS_REQUIRED = process.env.CI === "true";

/** Connects once, bounded: `up` says whether Redis answered, `why` why not. */
export async function connectTestRedis(tag: string): Promise<{ client: Redis; up: boolean; why: string }> {
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    // A Redis that is there answers at once; the bound is for a host that swallows packets (and a loaded machine).
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let why = "";
  const up = await client.connect().then(
    () => true,
    (err: Error) => {
      why = err.message;
      return false;
    },
  );
  if (!up && !REDIS_REQUIRED) console.warn(`[${tag}] Redis cases SKIPPED: no Redis at ${TEST_REDIS_URL} (${why}); with CI=true they fail`);
  return { client, up, why };
}
