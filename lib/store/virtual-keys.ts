import type { Db } from "../db";
import { encryptSecret, maskSecret } from "../crypto";
import { retryOnUniqueViolation } from "../db/conflict";
import { newVirtualKeySlug } from "./slugs";
import type { BudgetInput } from "../budgets/types";
import { writeBudget } from "./budgets";
import { lockWorkspace, type Tx } from "./workspace-lock";

/** What the gateway needs of a virtual key: its current secret (encrypted) and provider details. */
export type VirtualKeyForGateway = {
  id: string;
  slug: string;
  name: string;
  provider: string;
  status: string;
  resourceName: string | null;
  apiVersion: string | null;
  customHost: string | null;
  /** Origins an admin allows besides the default host and customHost. */
  allowedHosts: string[];
  version: number;
  ciphertext: string;
  deployments: { deploymentName: string; alias: string | null; apiVersion: string | null; isDefault: boolean }[];
  rpmLimit: number | null;
  tpmLimit: number | null;
  /** When the key stops working (null: never): the gateway compares it with the time of each use. */
  expiresAt: Date | null;
  /** The models requests through the key may ask for, as stored (JSON text of names or globs); null: any. */
  allowedModels: string | null;
};

/** The key named `slug` in the workspace (any status), or null when the workspace has none by that slug. */
export async function getVirtualKeyForGateway(db: Db, workspaceId: string, slug: string): Promise<VirtualKeyForGateway | null> {
  const row = await db.virtualKey.findFirst({
    where: { workspaceId, slug },
    include: {
      deployments: { orderBy: { position: "asc" } },
      secrets: { where: { retiredAt: null }, orderBy: { version: "desc" }, take: 1 },
    },
  });
  if (!row) return null;
  const secret = row.secrets[0];
  if (!secret && row.status === "active") throw new Error(`virtual key ${slug} has no current secret`);
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    provider: row.provider,
    status: row.status,
    resourceName: row.resourceName,
    apiVersion: row.apiVersion,
    customHost: row.customHost,
    allowedHosts: parseAllowedHosts(row.allowedHosts),
    version: secret?.version ?? row.currentVersion,
    ciphertext: secret?.ciphertext ?? "",
    deployments: row.deployments.map((d) => ({
      deploymentName: d.deploymentName,
      alias: d.alias,
      apiVersion: d.apiVersion,
      isDefault: d.isDefault,
    })),
    rpmLimit: row.rpmLimit,
    tpmLimit: row.tpmLimit,
    expiresAt: row.expiresAt,
    allowedModels: row.allowedModels,
  };
}

/** Where a virtual key's secret may go: what the configs API checks a saved config's custom hosts against. */
export type VirtualKeyHosts = {
  slug: string;
  provider: string;
  resourceName: string | null;
  customHost: string | null;
  allowedHosts: string[];
};

/** The workspace's ACTIVE keys among `slugs` (one query; unknown and revoked slugs are left out). */
export async function findActiveVirtualKeyHosts(db: Db, workspaceId: string, slugs: readonly string[]): Promise<VirtualKeyHosts[]> {
  if (!slugs.length) return [];
  const rows = await db.virtualKey.findMany({
    where: { workspaceId, status: "active", slug: { in: [...new Set(slugs)] } },
    select: { slug: true, provider: true, resourceName: true, customHost: true, allowedHosts: true },
  });
  return rows.map((row) => ({ ...row, allowedHosts: parseAllowedHosts(row.allowedHosts) }));
}

/** The stored allow-list (JSON text): its strings, or none when the text is not a JSON array (fail closed). */
export function parseAllowedHosts(text: string | null | undefined): string[] {
  try {
    const value: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

/** Slugs of the workspace's active keys (for GET /v1/models without a config). */
export async function listActiveVirtualKeySlugs(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.virtualKey.findMany({
    where: { workspaceId, status: "active" },
    select: { slug: true },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => r.slug);
}

export async function touchVirtualKeys(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length) await db.virtualKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: at } });
}

export type NewVirtualKey = {
  workspaceId: string;
  name: string;
  provider: string;
  /** The provider key in clear: encrypted here with `encryptionKey`, never stored as is. */
  secret: string;
  note?: string | null;
  resourceName?: string | null;
  apiVersion?: string | null;
  customHost?: string | null;
  /** Origins (already validated and normalised). */
  allowedHosts?: string[];
  deployments?: { deploymentName: string; alias?: string | null; apiVersion?: string | null; isDefault?: boolean }[];
  createdById?: string | null;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  expiresAt?: Date | null;
  /** The allow-list as stored (JSON text of names or globs); null: any model. */
  allowedModels?: string | null;
};

export async function createVirtualKey(db: Db, encryptionKey: Buffer, input: NewVirtualKey): Promise<{ id: string; slug: string }> {
  return db.virtualKey.create({ data: virtualKeyCreateData(encryptionKey, input), select: { id: true, slug: true } });
}

function virtualKeyCreateData(encryptionKey: Buffer, input: NewVirtualKey) {
  return {
    workspaceId: input.workspaceId,
    slug: newVirtualKeySlug(input.name),
    name: input.name,
    provider: input.provider,
    note: input.note ?? null,
    resourceName: input.resourceName ?? null,
    apiVersion: input.apiVersion ?? null,
    customHost: input.customHost ?? null,
    allowedHosts: JSON.stringify(input.allowedHosts ?? []),
    createdById: input.createdById ?? null,
    rpmLimit: input.rpmLimit ?? null,
    tpmLimit: input.tpmLimit ?? null,
    expiresAt: input.expiresAt ?? null,
    allowedModels: input.allowedModels ?? null,
    currentVersion: 1,
    secrets: {
      create: {
        version: 1,
        ciphertext: encryptSecret(input.secret, encryptionKey),
        hint: maskSecret(input.secret),
        createdById: input.createdById ?? null,
      },
    },
    deployments: { create: deploymentRows(input.deployments ?? []) },
  };
}

function deploymentRows(deployments: NonNullable<NewVirtualKey["deployments"]>) {
  return deployments.map((d, position) => ({
    deploymentName: d.deploymentName,
    alias: d.alias ?? null,
    apiVersion: d.apiVersion ?? null,
    isDefault: d.isDefault ?? false,
    position,
  }));
}

/** A rotation: the new secret becomes the next version, the current one is retired (kept for audit). */
export async function rotateVirtualKeySecret(
  db: Db,
  encryptionKey: Buffer,
  workspaceId: string,
  slug: string,
  secret: string,
  byId: string | null,
): Promise<{ version: number } | null> {
  return db.$transaction(async (tx) => {
    const vk = await tx.virtualKey.findFirst({ where: { workspaceId, slug }, select: { id: true } });
    if (!vk) return null;
    return rotateInTx(tx, vk.id, encryptionKey, secret, byId, new Date());
  });
}

/**
 * The version number is taken with an atomic increment first: it locks the key's row, so two
 * concurrent rotations become versions n+1 and n+2 (the later one retiring the earlier).
 */
async function rotateInTx(
  tx: Tx,
  virtualKeyId: string,
  encryptionKey: Buffer,
  secret: string,
  byId: string | null,
  now: Date,
): Promise<{ version: number }> {
  const { currentVersion: version } = await tx.virtualKey.update({
    where: { id: virtualKeyId },
    data: { currentVersion: { increment: 1 }, rotatedAt: now },
    select: { currentVersion: true },
  });
  await tx.virtualKeySecret.updateMany({ where: { virtualKeyId, retiredAt: null }, data: { retiredAt: now, retiredById: byId } });
  await tx.virtualKeySecret.create({
    data: { virtualKeyId, version, ciphertext: encryptSecret(secret, encryptionKey), hint: maskSecret(secret), createdById: byId },
  });
  return { version };
}

export async function revokeVirtualKey(db: Db, workspaceId: string, slug: string, byId: string | null): Promise<boolean> {
  const { count } = await db.virtualKey.updateMany({
    where: { workspaceId, slug, status: "active" },
    data: { status: "revoked", revokedAt: new Date(), revokedById: byId },
  });
  return count > 0;
}

// ---------------------------------------------------------------------------------------------
// Control plane (management API). Nothing here selects a ciphertext: secrets leave only as hints.

export type VirtualKeyVersionRow = {
  version: number;
  hint: string;
  createdAt: Date;
  createdById: string | null;
  retiredAt: Date | null;
  retiredById: string | null;
};

export type VirtualKeyDetail = {
  id: string;
  slug: string;
  name: string;
  provider: string;
  status: string;
  note: string | null;
  resourceName: string | null;
  apiVersion: string | null;
  customHost: string | null;
  allowedHosts: string[];
  currentVersion: number;
  rpmLimit: number | null;
  tpmLimit: number | null;
  expiresAt: Date | null;
  /** As stored: JSON text of names or globs, or null (`lifecycleView` shows it). */
  allowedModels: string | null;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  revokedById: string | null;
  deployments: { deploymentName: string; alias: string | null; apiVersion: string | null; isDefault: boolean }[];
  /** Newest first. */
  versions: VirtualKeyVersionRow[];
};

const detailSelect = {
  id: true,
  slug: true,
  name: true,
  provider: true,
  status: true,
  note: true,
  resourceName: true,
  apiVersion: true,
  customHost: true,
  allowedHosts: true,
  currentVersion: true,
  rpmLimit: true,
  tpmLimit: true,
  expiresAt: true,
  allowedModels: true,
  createdById: true,
  createdAt: true,
  updatedAt: true,
  lastUsedAt: true,
  rotatedAt: true,
  revokedAt: true,
  revokedById: true,
  deployments: { orderBy: { position: "asc" }, select: { deploymentName: true, alias: true, apiVersion: true, isDefault: true } },
  secrets: {
    orderBy: { version: "desc" },
    select: { version: true, hint: true, createdAt: true, createdById: true, retiredAt: true, retiredById: true },
  },
} as const;

type DetailRow = Omit<VirtualKeyDetail, "versions" | "allowedHosts"> & { allowedHosts: string; secrets: VirtualKeyVersionRow[] };

function toDetail({ secrets, allowedHosts, ...row }: DetailRow): VirtualKeyDetail {
  return { ...row, allowedHosts: parseAllowedHosts(allowedHosts), versions: secrets };
}

const bySlugOrId = (workspaceId: string, slugOrId: string) => ({ workspaceId, OR: [{ slug: slugOrId }, { id: slugOrId }] });

/** The workspace's virtual keys (revoked ones too, unless a status is asked for), newest first. */
export async function listVirtualKeys(
  db: Db,
  workspaceId: string,
  options: { status?: "active" | "revoked"; skip: number; take: number },
): Promise<{ total: number; rows: VirtualKeyDetail[] }> {
  const where = { workspaceId, ...(options.status ? { status: options.status } : {}) };
  const [total, rows] = await Promise.all([
    db.virtualKey.count({ where }),
    db.virtualKey.findMany({
      where,
      select: detailSelect,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      skip: options.skip,
      take: options.take,
    }),
  ]);
  return { total, rows: rows.map(toDetail) };
}

/** One virtual key of the workspace (any status) by slug or id, with its version list. */
export async function findVirtualKey(db: Db, workspaceId: string, slugOrId: string): Promise<VirtualKeyDetail | null> {
  const row = await db.virtualKey.findFirst({ where: bySlugOrId(workspaceId, slugOrId), select: detailSelect });
  return row ? toDetail(row) : null;
}

export type SaveVirtualKeyResult<T> = ({ ok: true } & T) | { ok: false; reason: "not_found" | "name_taken" | "revoked" };

async function activeNameTaken(tx: Tx, workspaceId: string, name: string, exceptId?: string): Promise<boolean> {
  const clash = await tx.virtualKey.findFirst({
    where: { workspaceId, name, status: "active", ...(exceptId ? { NOT: { id: exceptId } } : {}) },
    select: { id: true },
  });
  return clash !== null;
}

/**
 * A new key (management API): the name must be free among the workspace's active keys. `budget`
 * (absent or null: none) is written in the same transaction.
 */
export async function createNamedVirtualKey(
  db: Db,
  encryptionKey: Buffer,
  input: NewVirtualKey,
  budget: BudgetInput | null = null,
): Promise<SaveVirtualKeyResult<{ id: string; slug: string }>> {
  return retryOnUniqueViolation(() =>
    db.$transaction(async (tx) => {
      await lockWorkspace(tx, input.workspaceId);
      if (await activeNameTaken(tx, input.workspaceId, input.name)) return { ok: false as const, reason: "name_taken" as const };
      const row = await tx.virtualKey.create({ data: virtualKeyCreateData(encryptionKey, input), select: { id: true, slug: true } });
      if (budget) await writeBudget(tx, input.workspaceId, { scope: "virtual_key", id: row.id }, budget);
      return { ok: true as const, ...row };
    }),
  );
}

export type VirtualKeyPatch = {
  name?: string;
  note?: string | null;
  resourceName?: string | null;
  apiVersion?: string | null;
  customHost?: string | null;
  /** Replaces the whole allow-list (origins, validated and normalised). */
  allowedHosts?: string[];
  /** Replaces the whole list. */
  deployments?: NonNullable<NewVirtualKey["deployments"]>;
  /** A new provider key: a rotation. */
  secret?: string;
  /** Rate limits; null removes one. */
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  /** null removes the expiry. */
  expiresAt?: Date | null;
  /** JSON text of names or globs; null removes the list. */
  allowedModels?: string | null;
  /** Its budget; null removes it. */
  budget?: BudgetInput | null;
};

/**
 * Changes an active key (its budget included) in one transaction. A new `secret` is a rotation: the slug stays, the
 * current secret is retired (kept, encrypted, with who and when) and the new one is the next version.
 */
export async function updateVirtualKey(
  db: Db,
  encryptionKey: Buffer,
  workspaceId: string,
  slugOrId: string,
  patch: VirtualKeyPatch,
  actor: string,
): Promise<SaveVirtualKeyResult<{ id: string; slug: string; version: number; rotated: boolean }>> {
  return db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const vk = await tx.virtualKey.findFirst({
      where: bySlugOrId(workspaceId, slugOrId),
      select: { id: true, slug: true, name: true, status: true, currentVersion: true },
    });
    if (!vk) return { ok: false as const, reason: "not_found" as const };
    if (vk.status !== "active") return { ok: false as const, reason: "revoked" as const };
    if (patch.name !== undefined && patch.name !== vk.name && (await activeNameTaken(tx, workspaceId, patch.name, vk.id))) {
      return { ok: false as const, reason: "name_taken" as const };
    }
    const data = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.note !== undefined ? { note: patch.note } : {}),
      ...(patch.resourceName !== undefined ? { resourceName: patch.resourceName } : {}),
      ...(patch.apiVersion !== undefined ? { apiVersion: patch.apiVersion } : {}),
      ...(patch.customHost !== undefined ? { customHost: patch.customHost } : {}),
      ...(patch.allowedHosts !== undefined ? { allowedHosts: JSON.stringify(patch.allowedHosts) } : {}),
      ...(patch.rpmLimit !== undefined ? { rpmLimit: patch.rpmLimit } : {}),
      ...(patch.tpmLimit !== undefined ? { tpmLimit: patch.tpmLimit } : {}),
      ...(patch.expiresAt !== undefined ? { expiresAt: patch.expiresAt } : {}),
      ...(patch.allowedModels !== undefined ? { allowedModels: patch.allowedModels } : {}),
    };
    if (patch.deployments !== undefined) {
      await tx.virtualKeyDeployment.deleteMany({ where: { virtualKeyId: vk.id } });
      await tx.virtualKeyDeployment.createMany({ data: deploymentRows(patch.deployments).map((d) => ({ ...d, virtualKeyId: vk.id })) });
    }
    if (patch.budget !== undefined) await writeBudget(tx, workspaceId, { scope: "virtual_key", id: vk.id }, patch.budget);
    // The deployments are part of the key: replacing them counts as a change of the key (updatedAt).
    if (Object.keys(data).length || patch.deployments !== undefined)
      await tx.virtualKey.update({ where: { id: vk.id }, data: { ...data, updatedAt: new Date() } });
    if (patch.secret === undefined) return { ok: true as const, id: vk.id, slug: vk.slug, version: vk.currentVersion, rotated: false };
    const { version } = await rotateInTx(tx, vk.id, encryptionKey, patch.secret, actor, new Date());
    return { ok: true as const, id: vk.id, slug: vk.slug, version, rotated: true };
  });
}

/** Revokes an active key by slug or id; its secrets stay (encrypted) for the audit trail. */
export async function revokeVirtualKeyBySlugOrId(
  db: Db,
  workspaceId: string,
  slugOrId: string,
  actor: string,
): Promise<SaveVirtualKeyResult<{ id: string; slug: string }>> {
  return db.$transaction(async (tx) => {
    const vk = await tx.virtualKey.findFirst({ where: bySlugOrId(workspaceId, slugOrId), select: { id: true, slug: true, status: true } });
    if (!vk) return { ok: false as const, reason: "not_found" as const };
    if (vk.status !== "active") return { ok: false as const, reason: "revoked" as const };
    await tx.virtualKey.update({ where: { id: vk.id }, data: { status: "revoked", revokedAt: new Date(), revokedById: actor } });
    return { ok: true as const, id: vk.id, slug: vk.slug };
  });
}
