/**
 * Detour API keys in the database: the gateway's lookup by hash, the env admin key's registration,
 * and the management API's list, create, change, rotate and revoke. Only the hash and a display
 * prefix of a key are stored.
 */
import { parseAllowedModels } from "../gateway/model-allow";
import type { Db } from "../db";
import { hashApiKey } from "../crypto";
import { retryOnUniqueViolation } from "../db/conflict";
import type { BudgetInput } from "../budgets/types";
import { copyBudget, copySpend, writeBudget } from "./budgets";
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
  /** The display prefix (`dtr_abc123`), for messages that must never echo the key. */
  prefix: string;
  /**
   * When the key stops working (null: never). Checked at each use (lib/auth/api-key.ts), not at load,
   * so a cached key stops at its time exactly.
   */
  expiresAt: Date | null;
  /** The models it may ask for (exact names or globs, lib/gateway/model-allow.ts); null: any. */
  allowedModels: string[] | null;
  /** The prefix of the key that replaced it in a rotation (it then works until expiresAt), else null. */
  rotatedToPrefix: string | null;
  /** The id of that key: while this one still works (a grace period), its spend counts for that key's budget too. */
  rotatedToId: string | null;
  /** "env": DETOUR_ADMIN_API_KEY (acts as an owner of its workspace); "user": made through the API or dashboard. */
  source: string;
};

/** Looks a presented key up by its hash; revoked or unknown keys give null (an expired one is returned: its user decides). */
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
      prefix: true,
      expiresAt: true,
      allowedModels: true,
      rotatedToId: true,
      source: true,
    },
  });
  if (!row || row.revokedAt) return null;
  const rotatedTo = row.rotatedToId ? await db.apiKey.findUnique({ where: { id: row.rotatedToId }, select: { prefix: true } }) : null;
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    scope: row.scope as ApiKeyScope,
    name: row.name,
    rpmLimit: row.rpmLimit,
    tpmLimit: row.tpmLimit,
    defaultConfigSlug: row.defaultConfigSlug,
    prefix: row.prefix,
    expiresAt: row.expiresAt,
    allowedModels: parseAllowedModels(row.allowedModels),
    rotatedToPrefix: rotatedTo?.prefix ?? null,
    rotatedToId: row.rotatedToId,
    source: row.source,
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
  expiresAt: Date | null;
  /** JSON text: a list of model names or globs (parseAllowedModels). */
  allowedModels: string | null;
  rotatedToId: string | null;
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
  expiresAt: true,
  allowedModels: true,
  rotatedToId: true,
} as const;

/**
 * Which keys a status names at `now`: active (neither revoked nor expired), expired (past
 * expiresAt, not revoked), revoked; not_revoked is active and expired (the dashboard's "Active" tab,
 * where an expired key is shown as such and can still be changed or revoked).
 */
export type ApiKeyStatusFilter = "active" | "expired" | "revoked" | "not_revoked";

function statusWhere(status: ApiKeyStatusFilter | undefined, now: Date) {
  switch (status) {
    case "not_revoked":
      return { revokedAt: null };
    case "active":
      return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    case "expired":
      return { revokedAt: null, expiresAt: { lte: now } };
    case "revoked":
      return { NOT: { revokedAt: null } };
    default:
      return {};
  }
}

/** The workspace's API keys (all of them, unless a status is asked for), newest first. */
export async function listApiKeys(
  db: Db,
  workspaceId: string,
  options: { status?: ApiKeyStatusFilter; skip: number; take: number; now: Date },
): Promise<{ total: number; rows: ApiKeyRow[] }> {
  const where = { workspaceId, ...statusWhere(options.status, options.now) };
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

/**
 * Where a key stands in the full list (every status, newest first, then by id: `listApiKeys`' order):
 * how many keys come before it, so a link can open the page that shows it.
 */
export async function apiKeysBefore(db: Db, workspaceId: string, key: { id: string; createdAt: Date }): Promise<number> {
  return db.apiKey.count({
    where: { workspaceId, OR: [{ createdAt: { gt: key.createdAt } }, { createdAt: key.createdAt, id: { lt: key.id } }] },
  });
}

export type SaveApiKeyResult<T> =
  | ({ ok: true } & T)
  | { ok: false; reason: "not_found" | "name_taken" | "revoked" | "env_managed" | "rotated" }
  | { ok: false; reason: "expired"; at: Date }
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
    expiresAt?: Date | null;
    /** JSON text (lifecycleColumns). */
    allowedModels?: string | null;
    /** Its budget, written in the same transaction (absent or null: none). */
    budget?: BudgetInput | null;
  },
): Promise<SaveApiKeyResult<{ row: ApiKeyRow }>> {
  const { defaultConfig, budget, ...data } = input;
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
    if (budget) await writeBudget(tx, input.workspaceId, { scope: "api_key", id: row.id }, budget);
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
  expiresAt?: Date | null;
  /** JSON text (lifecycleColumns); null: any model. */
  allowedModels?: string | null;
  /** Its budget (null: remove it; absent: leave it as it is), written in the same transaction. */
  budget?: BudgetInput | null;
};

/**
 * Changes an active key's rate limits, default config, expiry, allowed models and budget (only the ones given); returns its hash so
 * the caller can drop it from the gateway's cache (on every instance).
 */
export async function updateApiKey(
  db: Db,
  workspaceId: string,
  id: string,
  patch: ApiKeyPatch,
): Promise<SaveApiKeyResult<{ row: ApiKeyRow; hash: string }>> {
  const { defaultConfig, budget, ...limits } = patch;
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { workspaceId, id }, select: { id: true, revokedAt: true } });
    if (!key) return { ok: false as const, reason: "not_found" as const };
    if (key.revokedAt) return { ok: false as const, reason: "revoked" as const };
    const data: {
      rpmLimit?: number | null;
      tpmLimit?: number | null;
      defaultConfigSlug?: string | null;
      expiresAt?: Date | null;
      allowedModels?: string | null;
    } = { ...limits };
    if (defaultConfig === null) data.defaultConfigSlug = null;
    else if (defaultConfig !== undefined) {
      const slug = await defaultConfigSlugOf(tx, workspaceId, defaultConfig);
      if (!slug) return { ok: false as const, reason: "config_not_found" as const, config: defaultConfig };
      data.defaultConfigSlug = slug;
    }
    const { hash, ...row } = await tx.apiKey.update({ where: { id: key.id }, data, select: { ...rowSelect, hash: true } });
    if (budget !== undefined) await writeBudget(tx, workspaceId, { scope: "api_key", id: key.id }, budget);
    return { ok: true as const, row, hash };
  });
}

/**
 * Rotates a key: a new key (the given hash and prefix) with the old one's name, scope, limits,
 * default config, expiry, allowed models and budget (a copy: the old key keeps its own while it
 * works), and the old key's spend so far (its SpendDaily rows, so the new key's budget goes on from
 * where the old one's was; what the old key spends in its grace period counts for both, in the
 * gateway); the old one records it (`rotatedToId`) and ends at
 * `oldEndsAt`, or at its own expiry when that is sooner. Refused for a key that is revoked, expired,
 * already rotated, or registered from DETOUR_ADMIN_API_KEY (as revocation is). Returns the new row,
 * the old one, the old one's hash (for the gateway's cache) and whether a budget was copied.
 */
export async function rotateApiKey(
  db: Db,
  workspaceId: string,
  id: string,
  input: { hash: string; prefix: string; createdById: string; now: Date; oldEndsAt: Date },
): Promise<SaveApiKeyResult<{ row: ApiKeyRow; old: ApiKeyRow; oldHash: string; budgetCopied: boolean }>> {
  return db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const key = await tx.apiKey.findFirst({ where: { workspaceId, id }, select: { ...rowSelect, workspaceId: true } });
    if (!key) return { ok: false as const, reason: "not_found" as const };
    if (key.revokedAt) return { ok: false as const, reason: "revoked" as const };
    if (key.source === "env") return { ok: false as const, reason: "env_managed" as const };
    if (key.rotatedToId) return { ok: false as const, reason: "rotated" as const };
    if (key.expiresAt && key.expiresAt <= input.now) return { ok: false as const, reason: "expired" as const, at: key.expiresAt };
    const row = await tx.apiKey.create({
      data: {
        workspaceId,
        name: key.name,
        scope: key.scope,
        hash: input.hash,
        prefix: input.prefix,
        createdById: input.createdById,
        source: "user",
        rpmLimit: key.rpmLimit,
        tpmLimit: key.tpmLimit,
        defaultConfigSlug: key.defaultConfigSlug,
        expiresAt: key.expiresAt,
        allowedModels: key.allowedModels,
      },
      select: rowSelect,
    });
    const budgetCopied = await copyBudget(tx, workspaceId, { scope: "api_key", id: key.id }, { scope: "api_key", id: row.id });
    await copySpend(tx, { scope: "api_key", id: key.id }, { scope: "api_key", id: row.id });
    const endsAt = key.expiresAt && key.expiresAt < input.oldEndsAt ? key.expiresAt : input.oldEndsAt;
    const { hash: oldHash, ...old } = await tx.apiKey.update({
      where: { id: key.id },
      data: { rotatedToId: row.id, expiresAt: endsAt },
      select: { ...rowSelect, hash: true },
    });
    return { ok: true as const, row, old, oldHash, budgetCopied };
  });
}

/** The display prefixes of the given keys of the workspace, by id (for "rotated to <prefix>"). */
export async function apiKeyPrefixes(db: Db, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db.apiKey.findMany({ where: { workspaceId, id: { in: [...new Set(ids)] } }, select: { id: true, prefix: true } });
  return new Map(rows.map((r) => [r.id, r.prefix]));
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
