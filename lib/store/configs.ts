import type { Db } from "../db";
import { retryOnUniqueViolation } from "../db/conflict";
import { newConfigSlug } from "./slugs";
import type { BudgetInput } from "../budgets/types";
import { writeBudget } from "./budgets";
import { lockWorkspace, type Tx } from "./workspace-lock";

export type ConfigForGateway = { id: string; slug: string; status: string; version: number; body: string };

/** The newest version of the workspace's config `slug` (any status), or null. */
export async function getConfigForGateway(db: Db, workspaceId: string, slug: string): Promise<ConfigForGateway | null> {
  const row = await db.config.findFirst({
    where: { workspaceId, slug },
    select: {
      id: true,
      slug: true,
      status: true,
      currentVersion: true,
      versions: { orderBy: { version: "desc" }, take: 1, select: { version: true, body: true } },
    },
  });
  const version = row?.versions[0];
  if (!row || !version) return null;
  return { id: row.id, slug: row.slug, status: row.status, version: version.version, body: version.body };
}

/** A new config with its first version; the slug (`pc-...`) is unique and never reused. */
export async function createConfig(
  db: Db,
  input: { workspaceId: string; name: string; body: string; author: string | null },
): Promise<{ id: string; slug: string; versionId: string }> {
  const slug = newConfigSlug(input.name);
  const row = await db.config.create({
    data: {
      workspaceId: input.workspaceId,
      slug,
      name: input.name,
      currentVersion: 1,
      versions: { create: { version: 1, body: input.body, author: input.author } },
    },
    select: { id: true, slug: true, versions: { select: { id: true } } },
  });
  return { id: row.id, slug: row.slug, versionId: row.versions[0]!.id };
}

/** Every change is a new version; the slug stays. */
export async function addConfigVersion(
  db: Db,
  workspaceId: string,
  slug: string,
  body: string,
  author: string | null,
): Promise<{ version: number; versionId: string } | null> {
  return db.$transaction(async (tx) => {
    const cfg = await tx.config.findFirst({ where: { workspaceId, slug, status: { not: "deleted" } }, select: { id: true } });
    if (!cfg) return null;
    return appendVersion(tx, cfg.id, body, author, null);
  });
}

/**
 * The next version number is taken with an atomic increment first: it locks the config row, so two
 * concurrent updates get versions n+1 and n+2 instead of colliding.
 */
async function appendVersion(
  tx: Tx,
  configId: string,
  body: string,
  author: string | null,
  note: string | null,
): Promise<{ version: number; versionId: string }> {
  const { currentVersion: version } = await tx.config.update({
    where: { id: configId },
    data: { currentVersion: { increment: 1 } },
    select: { currentVersion: true },
  });
  const created = await tx.configVersion.create({ data: { configId, version, body, author, note }, select: { id: true } });
  return { version, versionId: created.id };
}

// ---------------------------------------------------------------------------------------------
// Control plane (management API): configs that are not deleted, named by slug or id.

export type ConfigStatus = "active" | "archived" | "deleted";

export type ConfigSummary = {
  id: string;
  slug: string;
  name: string;
  status: string;
  isDefault: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

export type ConfigDetail = ConfigSummary & { versionId: string; body: string; createdById: string | null };

export type ConfigVersionRow = { id: string; version: number; body: string; author: string | null; note: string | null; createdAt: Date };

const summarySelect = {
  id: true,
  slug: true,
  name: true,
  status: true,
  isDefault: true,
  currentVersion: true,
  createdAt: true,
  updatedAt: true,
} as const;

function toSummary(row: {
  id: string;
  slug: string;
  name: string;
  status: string;
  isDefault: boolean;
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
}): ConfigSummary {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    isDefault: row.isDefault,
    version: row.currentVersion,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const visible = (workspaceId: string, slugOrId: string) => ({
  workspaceId,
  status: { not: "deleted" },
  OR: [{ slug: slugOrId }, { id: slugOrId }],
});

/** The workspace's configs (deleted ones never), newest change first. */
export async function listConfigs(
  db: Db,
  workspaceId: string,
  options: { status?: "active" | "archived"; skip: number; take: number },
): Promise<{ total: number; rows: ConfigSummary[] }> {
  const where = { workspaceId, status: options.status ?? { not: "deleted" } };
  const [total, rows] = await Promise.all([
    db.config.count({ where }),
    db.config.findMany({
      where,
      select: summarySelect,
      orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
      skip: options.skip,
      take: options.take,
    }),
  ]);
  return { total, rows: rows.map(toSummary) };
}

/** One config (not deleted) by slug or id, with its newest version. */
export async function findConfig(db: Db, workspaceId: string, slugOrId: string): Promise<ConfigDetail | null> {
  const row = await db.config.findFirst({
    where: visible(workspaceId, slugOrId),
    select: { ...summarySelect, createdById: true, versions: { orderBy: { version: "desc" }, take: 1, select: { id: true, body: true } } },
  });
  const newest = row?.versions[0];
  if (!row || !newest) return null;
  return { ...toSummary(row), versionId: newest.id, body: newest.body, createdById: row.createdById };
}

/** Every version of a config (not deleted), newest first; null when there is no such config. */
export async function listConfigVersions(
  db: Db,
  workspaceId: string,
  slugOrId: string,
): Promise<{ config: ConfigSummary; versions: ConfigVersionRow[] } | null> {
  const row = await db.config.findFirst({
    where: visible(workspaceId, slugOrId),
    select: {
      ...summarySelect,
      versions: {
        orderBy: { version: "desc" },
        select: { id: true, version: true, body: true, author: true, note: true, createdAt: true },
      },
    },
  });
  if (!row) return null;
  return { config: toSummary(row), versions: row.versions };
}

/** One version of a config (not deleted), by number or by version id. */
export async function findConfigVersion(
  db: Db,
  workspaceId: string,
  slugOrId: string,
  version: number | string,
): Promise<{ config: ConfigSummary; version: ConfigVersionRow } | null> {
  const row = await db.config.findFirst({
    where: visible(workspaceId, slugOrId),
    select: {
      ...summarySelect,
      versions: {
        where: typeof version === "number" ? { version } : { id: version },
        select: { id: true, version: true, body: true, author: true, note: true, createdAt: true },
      },
    },
  });
  const found = row?.versions[0];
  if (!row || !found) return null;
  return { config: toSummary(row), version: found };
}

export type SaveConfigResult<T> = ({ ok: true } & T) | { ok: false; reason: "not_found" | "name_taken" };

async function nameTaken(tx: Tx, workspaceId: string, name: string, exceptId?: string): Promise<boolean> {
  const clash = await tx.config.findFirst({
    where: { workspaceId, name, status: { not: "deleted" }, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
    select: { id: true },
  });
  return clash !== null;
}

/** At most one default config per workspace: making one the default clears the others. */
async function clearOtherDefaults(tx: Tx, workspaceId: string, exceptId: string): Promise<void> {
  await tx.config.updateMany({ where: { workspaceId, isDefault: true, NOT: { id: exceptId } }, data: { isDefault: false } });
}

/**
 * A new config (management API): the name must be free among the workspace's configs that are not
 * deleted; the slug is new (a random collision is retried). Its budget, when given, is written in
 * the same transaction.
 */
export async function createNamedConfig(
  db: Db,
  input: { workspaceId: string; name: string; body: string; isDefault: boolean; author: string; budget?: BudgetInput | null },
): Promise<SaveConfigResult<{ id: string; slug: string; version: number; versionId: string }>> {
  return retryOnUniqueViolation(() =>
    db.$transaction(async (tx) => {
      await lockWorkspace(tx, input.workspaceId);
      if (await nameTaken(tx, input.workspaceId, input.name)) return { ok: false as const, reason: "name_taken" as const };
      const row = await tx.config.create({
        data: {
          workspaceId: input.workspaceId,
          slug: newConfigSlug(input.name),
          name: input.name,
          isDefault: input.isDefault,
          createdById: input.author,
          currentVersion: 1,
          versions: { create: { version: 1, body: input.body, author: input.author } },
        },
        select: { id: true, slug: true, versions: { select: { id: true } } },
      });
      if (input.isDefault) await clearOtherDefaults(tx, input.workspaceId, row.id);
      if (input.budget) await writeBudget(tx, input.workspaceId, { scope: "config", id: row.id }, input.budget);
      return { ok: true as const, id: row.id, slug: row.slug, version: 1, versionId: row.versions[0]!.id };
    }),
  );
}

export type ConfigPatch = {
  name?: string;
  status?: "active" | "archived";
  isDefault?: boolean;
  body?: string;
  note?: string | null;
  /** Its budget (null removes it), written in the same transaction; not a new version. */
  budget?: BudgetInput | null;
};

/**
 * Changes a config (not deleted). A new `body` is a new version (the gateway uses it at once once
 * the caller drops its cache entry); name, status and is_default change the config itself.
 */
export async function updateConfig(
  db: Db,
  workspaceId: string,
  slugOrId: string,
  patch: ConfigPatch,
  author: string,
): Promise<SaveConfigResult<{ id: string; slug: string; version: number; versionId: string; newVersion: boolean }>> {
  return retryOnUniqueViolation(() =>
    db.$transaction(async (tx) => {
      await lockWorkspace(tx, workspaceId);
      const cfg = await tx.config.findFirst({ where: visible(workspaceId, slugOrId), select: { id: true, slug: true, name: true } });
      if (!cfg) return { ok: false as const, reason: "not_found" as const };
      if (patch.name !== undefined && patch.name !== cfg.name && (await nameTaken(tx, workspaceId, patch.name, cfg.id))) {
        return { ok: false as const, reason: "name_taken" as const };
      }
      const meta = {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.isDefault !== undefined ? { isDefault: patch.isDefault } : {}),
      };
      if (Object.keys(meta).length) await tx.config.update({ where: { id: cfg.id }, data: meta });
      if (patch.isDefault) await clearOtherDefaults(tx, workspaceId, cfg.id);
      if (patch.budget !== undefined) await writeBudget(tx, workspaceId, { scope: "config", id: cfg.id }, patch.budget);
      if (patch.body !== undefined) {
        const added = await appendVersion(tx, cfg.id, patch.body, author, patch.note ?? null);
        return { ok: true as const, id: cfg.id, slug: cfg.slug, ...added, newVersion: true };
      }
      const newest = await tx.configVersion.findFirst({
        where: { configId: cfg.id },
        orderBy: { version: "desc" },
        select: { id: true, version: true },
      });
      return { ok: true as const, id: cfg.id, slug: cfg.slug, version: newest!.version, versionId: newest!.id, newVersion: false };
    }),
  );
}

/** Soft delete: the row stays (its slug is never reused) with status "deleted". */
export async function softDeleteConfig(db: Db, workspaceId: string, slugOrId: string): Promise<{ id: string; slug: string } | null> {
  return db.$transaction(async (tx) => {
    const cfg = await tx.config.findFirst({ where: visible(workspaceId, slugOrId), select: { id: true, slug: true } });
    if (!cfg) return null;
    await tx.config.update({ where: { id: cfg.id }, data: { status: "deleted", isDefault: false, deletedAt: new Date() } });
    return cfg;
  });
}

// ---------------------------------------------------------------------------------------------
// Start-up sealing of provider keys that earlier versions stored in clear (lib/bootstrap.ts).

/** Versions whose text may hold a provider key (`api_key` or `apiKey`), in id order after `after`. */
export async function listConfigVersionsWithKeys(db: Db, after: string | null, take: number): Promise<{ id: string; body: string }[]> {
  return db.configVersion.findMany({
    where: { OR: [{ body: { contains: '"api_key"' } }, { body: { contains: '"apiKey"' } }], ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: "asc" },
    take,
    select: { id: true, body: true },
  });
}

/**
 * Replaces a version's text when it is still `expected` (a version's content never changes
 * otherwise; two instances sealing one row at once both write an equivalent envelope). True when
 * this call changed it.
 */
export async function replaceConfigVersionBody(db: Db, id: string, expected: string, body: string): Promise<boolean> {
  const { count } = await db.configVersion.updateMany({ where: { id, body: expected }, data: { body } });
  return count === 1;
}

// ---------------------------------------------------------------------------------------------
// Which configs route to a virtual key (its page, before a revoke).

/** The `virtual_key` slugs a config's targets name, at any depth. */
export function virtualKeySlugsOf(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const item of node) virtualKeySlugsOf(item, out);
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "virtual_key" && typeof value === "string") out.add(value);
      else virtualKeySlugsOf(value, out);
    }
  }
  return out;
}

/**
 * The workspace's configs (not deleted) whose newest version routes a target to the virtual key
 * `slug`, by name. The text is narrowed by the database (the quoted slug), then each candidate's
 * JSON is read: a slug that only appears elsewhere (a name, a note) does not count.
 */
export async function configsUsingVirtualKey(
  db: Db,
  workspaceId: string,
  slug: string,
): Promise<{ slug: string; name: string; status: string; version: number }[]> {
  const quoted = JSON.stringify(slug);
  const rows = await db.config.findMany({
    where: { workspaceId, status: { not: "deleted" }, versions: { some: { body: { contains: quoted } } } },
    select: {
      slug: true,
      name: true,
      status: true,
      versions: { orderBy: { version: "desc" }, take: 1, select: { version: true, body: true } },
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
  const out: { slug: string; name: string; status: string; version: number }[] = [];
  for (const row of rows) {
    const newest = row.versions[0];
    if (!newest?.body.includes(quoted)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(newest.body);
    } catch {
      continue;
    }
    if (virtualKeySlugsOf(parsed).has(slug)) out.push({ slug: row.slug, name: row.name, status: row.status, version: newest.version });
  }
  return out;
}
