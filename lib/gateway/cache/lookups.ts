/**
 * What the gateway reads on every request, cached in memory: API keys by hash, saved configs and
 * virtual keys (decrypted, in memory only) by workspace and slug, each workspace's list of
 * active virtual keys (for GET /v1/models; dropped whenever one of its keys changes) and each
 * workspace's price overrides (read through lib/pricing/workspace-prices.ts). The control plane calls the
 * `invalidate*` functions when it changes one: they drop this process's entry at once and, when
 * REDIS_URL is set, publish the invalidation to every other instance (`invalidation.ts`) and
 * resolve once Redis acknowledged it (or failed: never throws). The TTL bounds staleness for
 * anything changed without Detour's code, and is shortened while the invalidation channel is down.
 * An entry past its TTL is reloaded in the background while it keeps serving (STALE_MS), so a
 * database outage does not stop inference for the keys and configs in use.
 */
import { parseAllowedModels } from "../model-allow";
import { openConfigKeys } from "../../config-secrets";
import { decryptSecret, hashApiKey } from "../../crypto";
import { getDb } from "../../db";
import { getEnv } from "../../env";
import { logger } from "../../logger";
import { getEncryptionKey } from "../../secrets";
import { getRedis, instanceId, publish, redisKey, subscribe } from "../../redis";
import { getRuntime } from "../../runtime";
import { findActiveApiKey, touchApiKeys, type AuthenticatedKey } from "../../store/api-keys";
import { getConfigForGateway } from "../../store/configs";
import { listWorkspaceBudgets } from "../../store/budgets";
import { type Budget, subjectKey } from "../../budgets/types";
import { getVirtualKeyForGateway, listActiveVirtualKeySlugs, touchVirtualKeys } from "../../store/virtual-keys";
import { LoadingCache } from "./memory-cache";
import { parseConfigJson, type Config, type ConfigIssue } from "../config/schema";
import { InvalidationBus, type InvalidationKind } from "./invalidation";
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from "../rate-limit/limiter";
import { getProviderAdapter } from "../providers/registry";
import type { PriceOverrides } from "../../logs/cost";
import type { VirtualKeyDeployment } from "../providers/types";
import { virtualKeyOrigins } from "../upstream/virtual-key-hosts";
import { withChanges } from "../../object";

/** Cache TTL: the only bound without Redis, a safety net with it. */
export const TTL_MS = 60_000;
/** Cache TTL while REDIS_URL is set but the invalidation channel is not subscribed (changes elsewhere may be missed). */
export const DISCONNECTED_TTL_MS = 10_000;
/**
 * Past its TTL an entry keeps serving while it reloads in the background, and for this long while
 * reloads fail (the database is unreachable): requests never wait for a periodic refresh, and an
 * outage of the database does not stop inference for keys and configs in use.
 */
export const STALE_MS = 5 * 60_000;

export type CachedVirtualKey = {
  id: string;
  slug: string;
  provider: string;
  status: string;
  version: number;
  apiKey: string;
  resourceName?: string;
  apiVersion?: string;
  customHost?: string;
  /** Origins the key's secret may be sent to (provider default, customHost, allowed_hosts): `virtual-key-hosts.ts`. */
  allowedOrigins: ReadonlySet<string>;
  deployments: VirtualKeyDeployment[];
  /** Detour's own limits (null: none). */
  rpmLimit: number | null;
  tpmLimit: number | null;
  /**
   * When the key stops working (epoch ms; null: never). Compared with the clock at each use
   * (resolve-targets.ts), so a cached entry never outlives it.
   */
  expiresAt: number | null;
  /** The models requests through the key may ask for (names or globs); null: any. */
  allowedModels: string[] | null;
};

export type CachedConfig =
  | { ok: true; id: string; slug: string; status: string; version: number; config: Config }
  | { ok: false; id: string; slug: string; status: string; version: number; issues: ConfigIssue[] };

/** The runtime's `gateway`: what this module caches and keeps for the process. */
export type GatewayState = {
  apiKeys: LoadingCache<AuthenticatedKey | null>;
  configs: LoadingCache<CachedConfig | null>;
  virtualKeys: LoadingCache<CachedVirtualKey | null>;
  /** The slugs of a workspace's active virtual keys (GET /v1/models without a config or key), by workspace id. */
  virtualKeyLists: LoadingCache<string[]>;
  /** Each workspace's budgets by subject (`scope:id`), by workspace id. */
  budgets: LoadingCache<WorkspaceBudgets>;
  /** Each workspace's price overrides (lib/pricing/workspace-prices.ts), by workspace id. */
  prices: LoadingCache<PriceOverrides>;
  touchedApiKeys: Set<string>;
  touchedVirtualKeys: Set<string>;
  touchTimer?: NodeJS.Timeout;
  /** Cross-instance invalidation; null without REDIS_URL. */
  bus: InvalidationBus | null;
  /** Rate limits: in Redis with REDIS_URL (shared by every instance), else in memory; created on first use. */
  rateLimiter: RateLimiter | undefined;
};

/** Logs failed background reloads (the database is unreachable: cached values keep serving), at most once per 10 s per cache. */
function reloadErrorLogger(what: string): (key: string, err: unknown) => void {
  let lastAt = -Infinity;
  let missed = 0;
  return (_key, err) => {
    const now = Date.now();
    if (now - lastAt < 10_000) {
      missed++;
      return;
    }
    logger.warn(
      { err: (err as Error).message, failedReloadsSinceLastWarning: missed },
      `could not reload cached ${what}; serving the values cached last (up to ${STALE_MS / 60_000} min past their TTL)`,
    );
    lastAt = now;
    missed = 0;
  };
}

function state(): GatewayState {
  const rt = getRuntime();
  return rt.gateway ?? createState();
}

function createState(): GatewayState {
  const options = (what: string) => ({
    ttlMs: cacheTtlMs,
    maxEntries: 10_000,
    staleMs: STALE_MS,
    onReloadError: reloadErrorLogger(what),
  });
  const s: GatewayState = {
    apiKeys: new LoadingCache(options("API keys")),
    configs: new LoadingCache(options("configs")),
    virtualKeys: new LoadingCache(options("virtual keys")),
    virtualKeyLists: new LoadingCache(withChanges(options("virtual key lists"), { maxEntries: 1_000 })),
    budgets: new LoadingCache(withChanges(options("budgets"), { maxEntries: 10_000 })),
    prices: new LoadingCache(withChanges(options("price overrides"), { maxEntries: 1_000 })),
    touchedApiKeys: new Set(),
    touchedVirtualKeys: new Set(),
    bus: null,
    rateLimiter: undefined,
  };
  // In the runtime before the bus starts: the bus's callbacks and cacheTtlMs() read it there.
  getRuntime().gateway = s;
  s.bus = startBus(s);
  return s;
}

/** The TTL in force: shortened while Redis is configured but the invalidation channel is down. */
export function cacheTtlMs(): number {
  const bus = getRuntime().gateway?.bus;
  return bus && !bus.connected ? DISCONNECTED_TTL_MS : TTL_MS;
}

function startBus(s: GatewayState): InvalidationBus | null {
  if (!getEnv().REDIS_URL) return null;
  try {
    return createBus(s);
  } catch (err) {
    // Never let Redis break the gateway: without the bus, the TTL bounds staleness as without REDIS_URL.
    logger.error({ err: (err as Error).message }, "could not start cross-instance cache invalidation");
    return null;
  }
}

function createBus(s: GatewayState): InvalidationBus {
  const channel = redisKey("invalidate");
  const bus = new InvalidationBus({
    instanceId: instanceId(),
    transport: { publish: (message) => publish(channel, message), listen: (listener) => subscribe(channel, listener) },
    target: {
      invalidate: (kind, key) => dropLocal(s, kind, key),
      clearAll: () => clearCaches(s),
    },
    log: {
      warn: (obj, msg) => logger.warn(obj, msg),
      info: (obj, msg) => logger.info(obj, msg),
      debug: (obj, msg) => logger.debug(obj, msg),
    },
  });
  bus.start();
  return bus;
}

function cacheOf(s: GatewayState, kind: InvalidationKind): LoadingCache<unknown> {
  return kind === "api_key"
    ? s.apiKeys
    : kind === "config"
      ? s.configs
      : kind === "budget"
        ? s.budgets
        : kind === "prices"
          ? s.prices
          : s.virtualKeys;
}

/** Drops `key` of `kind` in this process; a virtual key's change also drops its workspace's key list. */
function dropLocal(s: GatewayState, kind: InvalidationKind, key: string): void {
  cacheOf(s, kind).invalidate(key);
  if (kind === "virtual_key") s.virtualKeyLists.invalidate(key.slice(0, key.lastIndexOf(":")));
}

function clearCaches(s: GatewayState): void {
  s.apiKeys.clear();
  s.configs.clear();
  s.virtualKeys.clear();
  s.virtualKeyLists.clear();
  s.budgets.clear();
  s.prices.clear();
}

/**
 * Creates the caches and, with REDIS_URL, connects and subscribes to the invalidation channel.
 * Called by the start sequence (lib/server-start.ts) so the subscription is up before the first request;
 * any first lookup would do it too. Does not wait for Redis.
 */
export function startGatewayState(): void {
  state();
}

/** Drops `key` of `kind` here, then on every other instance; resolves after Redis acknowledged (never rejects). */
async function invalidate(kind: InvalidationKind, key: string): Promise<void> {
  const s = state();
  dropLocal(s, kind, key);
  if (s.bus) await s.bus.publish(kind, key);
}

export async function lookupApiKey(presented: string): Promise<AuthenticatedKey | null> {
  const hash = hashApiKey(presented);
  return state().apiKeys.get(hash, () => findActiveApiKey(getDb(), presented));
}

export async function lookupConfig(workspaceId: string, slug: string): Promise<CachedConfig | null> {
  return state().configs.get(`${workspaceId}:${slug}`, async () => {
    const row = await getConfigForGateway(getDb(), workspaceId, slug);
    if (!row) return null;
    const parsed = parseConfigJson(row.body);
    // Provider keys are stored sealed: opened once here, so the cached config holds them in memory only.
    return parsed.ok
      ? {
          ok: true,
          id: row.id,
          slug: row.slug,
          status: row.status,
          version: row.version,
          config: openConfigKeys(parsed.config, getEncryptionKey()),
        }
      : { ok: false, id: row.id, slug: row.slug, status: row.status, version: row.version, issues: parsed.issues };
  });
}

/** The slugs of the workspace's active virtual keys, cached like the keys themselves (dropped when one changes). */
export function lookupActiveVirtualKeySlugs(workspaceId: string): Promise<string[]> {
  return state().virtualKeyLists.get(workspaceId, () => listActiveVirtualKeySlugs(getDb(), workspaceId));
}

export async function lookupVirtualKey(workspaceId: string, slug: string): Promise<CachedVirtualKey | null> {
  return state().virtualKeys.get(`${workspaceId}:${slug}`, async () => {
    const row = await getVirtualKeyForGateway(getDb(), workspaceId, slug);
    if (!row) return null;
    const key: CachedVirtualKey = {
      id: row.id,
      slug: row.slug,
      provider: row.provider,
      status: row.status,
      version: row.version,
      apiKey: row.status === "active" ? decryptSecret(row.ciphertext, getEncryptionKey()) : "",
      allowedOrigins: virtualKeyOriginsOf(row),
      deployments: row.deployments,
      rpmLimit: row.rpmLimit,
      tpmLimit: row.tpmLimit,
      expiresAt: row.expiresAt?.getTime() ?? null,
      // A stored list that does not parse allows nothing (fail closed), unlike no list at all.
      allowedModels: row.allowedModels === null ? null : (parseAllowedModels(row.allowedModels) ?? []),
    };
    if (row.resourceName) key.resourceName = row.resourceName;
    if (row.apiVersion) key.apiVersion = row.apiVersion;
    if (row.customHost) key.customHost = row.customHost;
    return key;
  });
}

function virtualKeyOriginsOf(row: {
  provider: string;
  resourceName: string | null;
  customHost: string | null;
  allowedHosts: string[];
}): ReadonlySet<string> {
  const adapter = getProviderAdapter(row.provider);
  return adapter ? virtualKeyOrigins(adapter, row) : new Set();
}

// The local entry is gone when these return (synchronously); the returned promise settles once the
// other instances have been told (Redis acknowledged the PUBLISH), or at once without REDIS_URL.
export function invalidateApiKeyHash(hash: string): Promise<void> {
  return invalidate("api_key", hash);
}
export function invalidateConfig(workspaceId: string, slug: string): Promise<void> {
  return invalidate("config", `${workspaceId}:${slug}`);
}
export function invalidateVirtualKey(workspaceId: string, slug: string): Promise<void> {
  return invalidate("virtual_key", `${workspaceId}:${slug}`);
}
/** A workspace's budgets by subject (`scope:id`); an empty map for most workspaces. */
export type WorkspaceBudgets = ReadonlyMap<string, Budget>;

export function lookupWorkspaceBudgets(workspaceId: string): Promise<WorkspaceBudgets> {
  return state().budgets.get(workspaceId, async () => {
    const budgets = await listWorkspaceBudgets(getDb(), workspaceId);
    return new Map(budgets.map((b) => [subjectKey({ scope: b.scope, id: b.subjectId }), b]));
  });
}

/** After a budget of the workspace changed (set, changed, removed): here at once, elsewhere once Redis acknowledged. */
export function invalidateWorkspaceBudgets(workspaceId: string): Promise<void> {
  return invalidate("budget", workspaceId);
}

/** Drops the workspace's price overrides here and on every other instance (lib/pricing/workspace-prices.ts calls it). */
export function invalidatePriceOverrides(workspaceId: string): Promise<void> {
  return invalidate("prices", workspaceId);
}
/** The cache of workspaces' price overrides, read through lib/pricing/workspace-prices.ts (which loads them). */
export function priceOverrideCache(): LoadingCache<PriceOverrides> {
  return state().prices;
}
/** Clears this process's caches (not the other instances'). */
export function clearGatewayCaches(): void {
  clearCaches(state());
}

/** The process's rate limiter: Redis-backed (shared, fails open) with REDIS_URL, in memory without. */
export function rateLimiter(): RateLimiter {
  const s = state();
  s.rateLimiter ??= getEnv().REDIS_URL
    ? new RedisRateLimiter({ client: () => getRedis()?.command ?? null, prefix: redisKey("rl"), warn: (obj, msg) => logger.warn(obj, msg) })
    : new MemoryRateLimiter();
  return s.rateLimiter;
}

/** Records "last used" for keys; written at most every few seconds, off the request path. */
export function markUsed(apiKeyId: string | null, virtualKeyIds: string[]): void {
  const s = state();
  if (apiKeyId) s.touchedApiKeys.add(apiKeyId);
  for (const id of virtualKeyIds) s.touchedVirtualKeys.add(id);
  s.touchTimer ??= setTimeout(() => void flushTouches(), 5_000).unref();
}

async function flushTouches(): Promise<void> {
  const s = state();
  s.touchTimer = undefined;
  const apiKeys = [...s.touchedApiKeys];
  const vks = [...s.touchedVirtualKeys];
  s.touchedApiKeys.clear();
  s.touchedVirtualKeys.clear();
  const now = new Date();
  try {
    await Promise.all([touchApiKeys(getDb(), apiKeys, now), touchVirtualKeys(getDb(), vks, now)]);
  } catch {
    // "last used" is informational; a failed update is retried with the next request's touch.
    for (const id of apiKeys) s.touchedApiKeys.add(id);
    for (const id of vks) s.touchedVirtualKeys.add(id);
  }
}
