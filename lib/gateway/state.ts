/**
 * What the gateway reads on every request, cached in memory: API keys by hash, saved configs and
 * virtual keys (decrypted, in memory only) by workspace and slug. The control plane calls the
 * `invalidate*` functions when it changes one, so rotation and revocation take effect at once in
 * this process; the TTL bounds staleness for anything changed elsewhere.
 */
import { decryptSecret, hashApiKey } from "../crypto";
import { getDb } from "../db";
import { getEncryptionKey } from "../secrets";
import { findActiveApiKey, touchApiKeys, type AuthenticatedKey } from "../store/api-keys";
import { getConfigForGateway } from "../store/configs";
import { getVirtualKeyForGateway, touchVirtualKeys } from "../store/virtual-keys";
import { LoadingCache } from "./cache";
import { parseConfigJson, type Config, type ConfigIssue } from "./config/schema";
import type { AzureDeployment } from "./providers/types";

const TTL_MS = 60_000;

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
  deployments: AzureDeployment[];
};

export type CachedConfig =
  | { ok: true; slug: string; status: string; version: number; config: Config }
  | { ok: false; slug: string; status: string; version: number; issues: ConfigIssue[] };

type GatewayState = {
  apiKeys: LoadingCache<AuthenticatedKey | null>;
  configs: LoadingCache<CachedConfig | null>;
  virtualKeys: LoadingCache<CachedVirtualKey | null>;
  touchedApiKeys: Set<string>;
  touchedVirtualKeys: Set<string>;
  touchTimer?: NodeJS.Timeout;
};

const globalForState = globalThis as unknown as { detourGatewayState?: GatewayState };

function state(): GatewayState {
  globalForState.detourGatewayState ??= {
    apiKeys: new LoadingCache({ ttlMs: TTL_MS, maxEntries: 10_000 }),
    configs: new LoadingCache({ ttlMs: TTL_MS, maxEntries: 10_000 }),
    virtualKeys: new LoadingCache({ ttlMs: TTL_MS, maxEntries: 10_000 }),
    touchedApiKeys: new Set(),
    touchedVirtualKeys: new Set(),
  };
  return globalForState.detourGatewayState;
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
    return parsed.ok
      ? { ok: true, slug: row.slug, status: row.status, version: row.version, config: parsed.config }
      : { ok: false, slug: row.slug, status: row.status, version: row.version, issues: parsed.issues };
  });
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
      deployments: row.deployments,
    };
    if (row.resourceName) key.resourceName = row.resourceName;
    if (row.apiVersion) key.apiVersion = row.apiVersion;
    if (row.customHost) key.customHost = row.customHost;
    return key;
  });
}

export function invalidateApiKeyHash(hash: string): void {
  state().apiKeys.invalidate(hash);
}
export function invalidateConfig(workspaceId: string, slug: string): void {
  state().configs.invalidate(`${workspaceId}:${slug}`);
}
export function invalidateVirtualKey(workspaceId: string, slug: string): void {
  state().virtualKeys.invalidate(`${workspaceId}:${slug}`);
}
export function clearGatewayCaches(): void {
  const s = state();
  s.apiKeys.clear();
  s.configs.clear();
  s.virtualKeys.clear();
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
