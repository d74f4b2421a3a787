import type { Db } from "../db";
import { hashApiKey } from "../crypto";
import { retryOnUniqueViolation } from "../db/conflict";
import { lockWorkspace, type Tx } from "./workspace-lock";

export type ApiKeyScope = "gateway" | "admin";

export type AuthenticatedKey = {
  id: string;
  workspaceId: string;
  scope: ApiKeyScope;
  name: string;
  /** Detour's own limits (null: none), enforced by the gateway (`lib/gateway/rate-limit/limiter.ts`). */
  rpmLimit: number | null;
  tpmLimit: number | null;
  /**
   * The config (slug) that routes the key's requests that name none (docs/GATEWAY.md §2): for
   * clients that can set only a base URL and a key. It may name a config deleted since; the gateway
   * then answers 404 saying so.
   */
  defaultConfigSlug: string | null;
};

/** Looks a presented key up by its hash; revoked or unknown keys give null. */
export async function findActiveApiKey(db: Db, presented: string): Promise<AuthenticatedKey | null> {
  const row = await db.apiKey.findUnique({
    where: { hash: hashApiKey(presented) },
    select: {
      id: true,
      workspaceId: true,
      scope: true,
      name: true,
      revokedAt: true,
      rpmLimit: true,
      tpmLimit: true,
      defaultConfigSlug: true,
    },
  });
  if (!row || row.revokedAt) return null;
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    scope: row.scope as ApiKeyScope,
    name: row.name,
    rpmLimit: row.rpmLimit,
    tpmLimit: row.tpmLimit,
    defaultConfigSlug: row.defaultConfigSlug,
  };
}

/**
 * Makes DETOUR_ADMIN_API_KEY an admin key of the given workspace (stored hashed like any key).
 * When the variable changes, the previous env key is revoked so the old value stops working.
 */
export async function syncEnvAdminApiKey(db: Db, workspaceId: string, key: string | undefined): Promise<void> {
  const hash = key ? hashApiKey(key) : null;
  await db.apiKey.updateMany({
    where: { source: "env", revokedAt: null, ...(hash ? { NOT: { hash } } : {}) },
    data: { revokedAt: new Date() },
  });
  if (!key || !hash) return;
  await retryOnUniqueViolation(() =>
    db.apiKey.upsert({
      where: { hash },
      update: { revokedAt: null, workspaceId, scope: "admin", source: "env" },
      create: {
        workspaceId,
        name: "DETOUR_ADMIN_API_KEY",
        prefix: key.slice(0, 4),
        hash,
        scope: "admin",
        source: "env",
      },
    }),
  );
}

export async function touchApiKeys(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length) await db.apiKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: at } });
}

// ---------------------------------------------------------------------------------------------
// Control plane (management API). The key itself is never stored: only its hash and display prefix.

export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scope: string;
  source: string;
  createdById: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  defaultConfigSlug: string | null;
};

const rowSelect = {
  id: true,
  name: true,
  prefix: true,
  scope: true,
  source: true,
  createdById: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  rpmLimit: true,
  tpmLimit: true,
  defaultConfigSlug: true,
} as const;

/** The workspace's API keys (revoked ones too, unless only active ones are asked for), newest first. */
export async function listApiKeys(
  db: Db,
  workspaceId: string,
  options: { status?: "active" | "revoked"; skip: number; take: number },
): Promise<{ total: number; rows: ApiKeyRow[] }> {
  const where = {
    workspaceId,
    ...(options.status === "active" ? { revokedAt: null } : options.status === "revoked" ? { NOT: { revokedAt: null } } : {}),
  };
  const [total, rows] = await Promise.all([
    db.apiKey.count({ where }),
    db.apiKey.findMany({
      where,
      select: rowSelect,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      skip: options.skip,
      take: options.take,
    }),
  ]);
  return { total, rows };
}

export async function findApiKey(db: Db, workspaceId: string, id: string): Promise<ApiKeyRow | null> {
  return db.apiKey.findFirst({ where: { workspaceId, id }, select: rowSelect });
}

export type SaveApiKeyResult<T> =
  | ({ ok: true } & T)
  | { ok: false; reason: "not_found" | "name_taken" | "revoked" | "env_managed" }
  | { ok: false; reason: "config_not_found"; config: string };

/**
 * A default config given by slug or id, as its slug: a config of the workspace that is not deleted
 * (an archived one still routes, as with `x-portkey-config`), else null. Read in the key's own
 * transaction so the check and the write see the same rows.
 */
async function defaultConfigSlugOf(tx: Tx, workspaceId: string, ref: string): Promise<string | null> {
  const cfg = await tx.config.findFirst({
    where: { workspaceId, status: { not: "deleted" }, OR: [{ slug: ref }, { id: ref }] },
    select: { slug: true },
  });
  return cfg?.slug ?? null;
}

/** Stores a new key (hashed); the name must be free among the workspace's active keys, the default config must exist. */
export async function createNamedApiKey(
  db: Db,
  input: {
    workspaceId: string;
    name: string;
    scope: ApiKeyScope;
    hash: string;
    prefix: string;
    createdById: string;
    rpmLimit?: number | null;
    tpmLimit?: number | null;
    /** A config's slug or id; null or absent: none. */
    defaultConfig?: string | null;
  },
): Promise<SaveApiKeyResult<{ row: ApiKeyRow }>> {
  const { defaultConfig, ...data } = input;
  return db.$transaction(async (tx) => {
    await lockWorkspace(tx, input.workspaceId);
    const clash = await tx.apiKey.findFirst({
      where: { workspaceId: input.workspaceId, name: input.name, revokedAt: null },
      select: { id: true },
    });
    if (clash) return { ok: false as const, reason: "name_taken" as const };
    let defaultConfigSlug: string | null = null;
    if (defaultConfig) {
      defaultConfigSlug = await defaultConfigSlugOf(tx, input.workspaceId, defaultConfig);
      if (!defaultConfigSlug) return { ok: false as const, reason: "config_not_found" as const, config: defaultConfig };
    }
    const row = await tx.apiKey.create({ data: { ...data, defaultConfigSlug, source: "user" }, select: rowSelect });
    return { ok: true as const, row };
  });
}

/**
 * Revokes a key of the workspace; returns its hash so the caller can drop it from the gateway's
 * cache. A key registered from DETOUR_ADMIN_API_KEY is not revoked here (the next start would
 * register it again): the operator changes or unsets the variable instead.
 */
export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<SaveApiKeyResult<{ row: ApiKeyRow; hash: string }>> {
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { workspaceId, id }, select: { ...rowSelect, hash: true } });
    if (!key) return { ok: false as const, reason: "not_found" as const };
    if (key.revokedAt) return { ok: false as const, reason: "revoked" as const };
    if (key.source === "env") return { ok: false as const, reason: "env_managed" as const };
    const { hash, ...row } = await tx.apiKey.update({
      where: { id: key.id },
      data: { revokedAt: new Date() },
      select: { ...rowSelect, hash: true },
    });
    return { ok: true as const, row, hash };
  });
}

export type ApiKeyPatch = {
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  /** A config's slug or id; null: clear it; absent: leave it as it is. */
  defaultConfig?: string | null;
};

/**
 * Changes an active key's rate limits and default config (only the ones given); returns its hash so
 * the caller can drop it from the gateway's cache (on every instance).
 */
export async function updateApiKey(
  db: Db,
  workspaceId: string,
  id: string,
  patch: ApiKeyPatch,
): Promise<SaveApiKeyResult<{ row: ApiKeyRow; hash: string }>> {
  const { defaultConfig, ...limits } = patch;
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { workspaceId, id }, select: { id: true, revokedAt: true } });
    if (!key) return { ok: false as const, reason: "not_found" as const };
    if (key.revokedAt) return { ok: false as const, reason: "revoked" as const };
    const data: { rpmLimit?: number | null; tpmLimit?: number | null; defaultConfigSlug?: string | null } = { ...limits };
    if (defaultConfig === null) data.defaultConfigSlug = null;
    else if (defaultConfig !== undefined) {
      const slug = await defaultConfigSlugOf(tx, workspaceId, defaultConfig);
      if (!slug) return { ok: false as const, reason: "config_not_found" as const, config: defaultConfig };
      data.defaultConfigSlug = slug;
    }
    const { hash, ...row } = await tx.apiKey.update({ where: { id: key.id }, data, select: { ...rowSelect, hash: true } });
    return { ok: true as const, row, hash };
  });
}

/**
 * The configs the keys name as their default, by slug: name and status ("deleted" included, so a
 * page can say a key still names a config deleted since). Slugs of no config of the workspace are absent.
 */
export async function describeDefaultConfigs(
  db: Db,
  workspaceId: string,
  slugs: readonly string[],
): Promise<Map<string, { name: string; status: string }>> {
  if (!slugs.length) return new Map();
  const rows = await db.config.findMany({
    where: { workspaceId, slug: { in: [...new Set(slugs)] } },
    select: { slug: true, name: true, status: true },
  });
  return new Map(rows.map((r) => [r.slug, { name: r.name, status: r.status }]));
}
