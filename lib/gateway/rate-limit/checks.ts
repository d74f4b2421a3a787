/**
 * Detour's own rate limits on the request path: which limited keys a request counts against, the
 * check before any upstream call (429 when a limit is reached), and the token count after the answer.
 */
import { logger } from "../../logger";
import type { LogRecord } from "../../logs/types";
import type { Caller } from "../request/served";
import { DetourError } from "../../errors";
import { rateLimitMessage, type RateLimitSubject } from "./limiter";
import type { ResolvedTarget, Routing } from "../request/resolve-targets";
import { listRouteLeaves } from "../router";
import { rateLimiter } from "../cache/lookups";

export function apiKeySubjects(key: Caller): RateLimitSubject[] {
  if (key.id === null || (key.rpmLimit === null && key.tpmLimit === null)) return [];
  return [{ scope: "api_key", id: key.id, label: `API key ${JSON.stringify(key.name)}`, rpm: key.rpmLimit, tpm: key.tpmLimit }];
}

/** Every limited virtual key the routing tree can use (each counted once per request, before any upstream call). */
export function virtualKeySubjects(routing: Routing): RateLimitSubject[] {
  const seen = new Map<string, RateLimitSubject>();
  for (const leaf of listRouteLeaves(routing.tree)) {
    const vk = leaf.target.virtualKey;
    if (!vk || seen.has(vk.id) || (vk.rpmLimit === null && vk.tpmLimit === null)) continue;
    seen.set(vk.id, {
      scope: "virtual_key",
      id: vk.id,
      label: `virtual key ${JSON.stringify(vk.slug)}`,
      rpm: vk.rpmLimit,
      tpm: vk.tpmLimit,
    });
  }
  return [...seen.values()];
}

/** Checks (and for RPM counts) Detour's own limits; a limit reached is a 429 before any upstream call. */
export async function enforceRateLimits(subjects: RateLimitSubject[]): Promise<void> {
  if (!subjects.length) return;
  const decision = await rateLimiter().acquire(subjects);
  if (decision.ok) return;
  throw new DetourError("detour_rate_limit", rateLimitMessage(decision), {
    retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
    rateLimitScope: decision.subject.scope,
  });
}

/** Adds a finished request's tokens to the TPM windows of its API key and of the virtual key that answered. */
export function countTokens(record: LogRecord, answered: ResolvedTarget | null, key: Caller): void {
  if (!record.totalTokens || record.totalTokens <= 0 || record.cacheStatus === "HIT") return;
  const subjects: Pick<RateLimitSubject, "scope" | "id">[] = [];
  if (key.tpmLimit !== null && key.id !== null) subjects.push({ scope: "api_key", id: key.id });
  if (answered?.virtualKey && answered.virtualKey.tpmLimit !== null) subjects.push({ scope: "virtual_key", id: answered.virtualKey.id });
  if (!subjects.length) return;
  rateLimiter()
    .addTokens(subjects, record.totalTokens)
    .catch((err: unknown) => logger.warn({ err: String(err) }, "could not count tokens for rate limits"));
}
