/**
 * The names of the API keys and virtual keys a page of logs names. A log stores the API key's id
 * and the virtual key's slug (what stays true when a key is renamed); the explorer and `GET
 * /v1/logs` show the key's current name beside them. One query per kind of key for the whole page,
 * on the keys' primary key and unique slug. A key that is gone (a deleted key, or one of another
 * workspace) is said to be "deleted", never guessed; a revoked or expired one says so.
 */
import type { Db } from "../db";

export type KeyState = "active" | "revoked" | "expired" | "deleted";

export type ApiKeyName = { name: string | null; prefix: string | null; state: KeyState };
export type VirtualKeyName = { name: string | null; state: KeyState };

export type LogKeyNames = {
  apiKeys: ReadonlyMap<string, ApiKeyName>;
  virtualKeys: ReadonlyMap<string, VirtualKeyName>;
};

const DELETED = { name: null, state: "deleted" } as const;

export async function describeLogKeys(
  db: Db,
  workspaceId: string,
  rows: readonly { apiKeyId: string | null; virtualKeySlug: string | null }[],
  now = new Date(),
): Promise<LogKeyNames> {
  const apiKeyIds = [...new Set(rows.flatMap((r) => (r.apiKeyId ? [r.apiKeyId] : [])))];
  const slugs = [...new Set(rows.flatMap((r) => (r.virtualKeySlug ? [r.virtualKeySlug] : [])))];
  const [keys, vks] = await Promise.all([
    apiKeyIds.length
      ? db.apiKey.findMany({
          where: { workspaceId, id: { in: apiKeyIds } },
          select: { id: true, name: true, prefix: true, revokedAt: true, expiresAt: true },
        })
      : [],
    slugs.length
      ? db.virtualKey.findMany({
          where: { workspaceId, slug: { in: slugs } },
          select: { slug: true, name: true, status: true, expiresAt: true },
        })
      : [],
  ]);
  const apiKeys = new Map<string, ApiKeyName>(apiKeyIds.map((id) => [id, { ...DELETED, prefix: null }]));
  for (const k of keys) {
    const state: KeyState = k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt <= now ? "expired" : "active";
    apiKeys.set(k.id, { name: k.name, prefix: k.prefix, state });
  }
  const virtualKeys = new Map<string, VirtualKeyName>(slugs.map((s) => [s, DELETED]));
  for (const v of vks) {
    const state: KeyState = v.status === "revoked" ? "revoked" : v.expiresAt && v.expiresAt <= now ? "expired" : "active";
    virtualKeys.set(v.slug, { name: v.name, state });
  }
  return { apiKeys, virtualKeys };
}

/** What a list item adds for its keys (docs/GATEWAY.md §9): null fields when the log names no such key. */
export function logKeyFields(names: LogKeyNames, row: { apiKeyId: string | null; virtualKeySlug: string | null }) {
  const key = row.apiKeyId ? names.apiKeys.get(row.apiKeyId) : undefined;
  const vk = row.virtualKeySlug ? names.virtualKeys.get(row.virtualKeySlug) : undefined;
  return {
    api_key_name: key?.name ?? null,
    api_key_prefix: key?.prefix ?? null,
    api_key_state: key?.state ?? null,
    virtual_key_name: vk?.name ?? null,
    virtual_key_state: vk?.state ?? null,
  };
}

/** The workspace's API keys and virtual keys for the explorer's filters (revoked ones too: their logs stay), by name. */
export async function listKeyChoices(db: Db, workspaceId: string) {
  const [apiKeys, virtualKeys] = await Promise.all([
    db.apiKey.findMany({
      where: { workspaceId },
      select: { id: true, name: true, prefix: true, revokedAt: true },
      orderBy: [{ name: "asc" }, { createdAt: "desc" }],
      take: 500,
    }),
    db.virtualKey.findMany({
      where: { workspaceId },
      select: { slug: true, name: true, status: true },
      orderBy: [{ name: "asc" }, { createdAt: "desc" }],
      take: 500,
    }),
  ]);
  return { apiKeys, virtualKeys };
}
