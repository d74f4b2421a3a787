/**
 * Saved configs (`/v1/configs`): Portkey's Admin API subset, so the portkey-ai SDK's `configs`
 * resource works. Every content change is a new version under the same slug; the gateway's cache
 * entry is dropped on every change, so the next request uses the newest version. Rolling back is
 * `POST /v1/configs/{slug}/versions/{version}/restore`: a new version with the old content.
 * A config (created, updated or restored) that would send a virtual key's secret to a custom host
 * the key does not allow is refused at save, as the gateway refuses it at use (config-destinations.ts).
 * A config's `budget` (budget-schemas.ts) is the config's own setting, not part of a version: it is
 * written in the config's transaction, the gateway's cached budgets are dropped on every instance
 * before the answer, and every answer shows it with its spend.
 * Every change is recorded in the audit trail (lib/audit/record.ts): `config.create`, `config.update`,
 * `config.delete`, `config.restore`, with the config's view before and after (keys masked, then
 * redacted), and `budget.update` when its budget changes.
 */
import { recordBudgetChange } from "../audit/budget-change";
import { recordAudit } from "../audit/record";
import { envelopesByMask, maskConfigKeys, sealClearKeys, sealConfigInput } from "../config-secrets";
import { getDb } from "../db";
import { parseConfigJson, toCanonicalJson, type Config } from "../gateway/config/schema";
import { invalidateConfig, invalidateWorkspaceBudgets } from "../gateway/cache/lookups";
import { getEncryptionKey } from "../secrets";
import {
  createNamedConfig,
  findConfig,
  findConfigVersion,
  listConfigs,
  listConfigVersions,
  softDeleteConfig,
  updateConfig,
  type ConfigDetail,
  type ConfigSummary,
  type ConfigVersionRow,
  type SaveConfigResult,
} from "../store/configs";
import type { BudgetView } from "./budget-schemas";
import { budgetViewOf, budgetViewsOf } from "./budgets";
import { assertVirtualKeyHosts } from "./config-destinations";
import { createConfigSchema, listConfigsQuerySchema, updateConfigSchema } from "./config-schemas";
import { DetourError, type ErrorIssue, issuesError } from "../errors";
import { notFound } from "./errors";
import { readJson, requireRole, type ApiContext } from "./handler";
import { assertOwnWorkspace, iso, pageQuerySchema, paging, parseInput, queryObject } from "./input";

type SlugParams = { slug: string };
type VersionParams = { slug: string; version: string };

/** Issues inside the config object get their own code, the rest of the body `bad_request`. */
export const configCode = (issues: ErrorIssue[]) =>
  issues.every((i) => i.path === "config" || i.path.startsWith("config.") || i.path.startsWith("config["))
    ? "invalid_config"
    : "bad_request";

/** Stored as compact canonical JSON: equal configs give equal text. */
const storedText = (config: Config) => toCanonicalJson(config, 0);

/** A stored config body as JSON (null if it is not JSON). */
export function parseStored(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

/** A stored config as answers show it: provider keys masked, never in clear or as ciphertext. */
const shownConfig = (body: string): unknown => maskConfigKeys(parseStored(body), getEncryptionKey());

/**
 * A config from a client, as stored: new provider keys sealed, masks (`sk-...abcd#1a2b3c4d`)
 * replaced by the key they stand for among `stored` (this config's versions). A mask that stands
 * for none is a 400 naming where it is.
 */
function sealedText(config: Config, stored: string[]): string {
  const key = getEncryptionKey();
  const known = envelopesByMask(stored.map(parseStored), key);
  const { config: sealed, unknownMasks } = sealConfigInput(config, key, known);
  if (unknownMasks.length) {
    const issues = unknownMasks.map((m) => ({
      path: `config.${m.path}`,
      message: `is a masked key (${m.mask}) that stands for no key stored in this config; send the provider key itself`,
    }));
    throw issuesError("invalid_config", issues);
  }
  return storedText(sealed);
}

function summaryView(c: ConfigSummary, budget: BudgetView | null) {
  return {
    object: "config",
    id: c.id,
    slug: c.slug,
    name: c.name,
    status: c.status,
    is_default: c.isDefault,
    version: c.version,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    budget,
  };
}

function detailView(c: ConfigDetail, budget: BudgetView | null) {
  return { ...summaryView(c, budget), version_id: c.versionId, created_by: c.createdById, config: shownConfig(c.body) };
}

/** A config's budget view (null: none). */
const configBudget = (workspaceId: string, configId: string) => budgetViewOf(getDb(), workspaceId, { scope: "config", id: configId });

/** A config's full view (as GET answers it) for the audit trail; null when it is gone. */
async function auditView(workspaceId: string, slugOrId: string) {
  const config = await findConfig(getDb(), workspaceId, slugOrId);
  return config ? detailView(config, await configBudget(workspaceId, config.id)) : null;
}

function versionView(v: ConfigVersionRow, current: number) {
  return {
    object: "config-version",
    id: v.id,
    version: v.version,
    is_current: v.version === current,
    author: v.author,
    note: v.note,
    created_at: iso(v.createdAt),
    config: shownConfig(v.body),
  };
}

const nameTaken = (name: string) =>
  new DetourError("name_taken", `A config named ${JSON.stringify(name)} already exists in this workspace; choose another name.`, {
    param: "name",
  });

function unwrap<T>(result: SaveConfigResult<T>, slug: string, name?: string): T {
  if (result.ok) return result;
  if (result.reason === "name_taken") throw nameTaken(name ?? "");
  throw notFound("Config", slug);
}

export async function createConfigHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(createConfigSchema, await readJson(request), configCode);
  assertOwnWorkspace(principal, body.workspace_id);
  if (body.budget !== undefined) requireRole(principal, "admin", "Setting a budget");
  await assertVirtualKeyHosts(principal.workspaceId, body.config);
  const saved = unwrap(
    await createNamedConfig(getDb(), {
      workspaceId: principal.workspaceId,
      name: body.name,
      body: sealedText(body.config, []),
      isDefault: body.is_default ?? false,
      author: principal.actor,
      budget: body.budget ?? null,
    }),
    "",
    body.name,
  );
  await invalidateConfig(principal.workspaceId, saved.slug); // a lookup of this slug may have cached "none"
  if (body.budget) await invalidateWorkspaceBudgets(principal.workspaceId);
  const after = await auditView(principal.workspaceId, saved.id);
  const target = { targetType: "config", targetId: saved.id, targetLabel: `${body.name} (${saved.slug})` };
  await recordAudit(principal, { action: "config.create", ...target, before: null, after });
  await recordBudgetChange(principal, { type: "config", id: saved.id, label: target.targetLabel }, null, after?.budget ?? null);
  return Response.json(
    {
      object: "config",
      id: saved.id,
      slug: saved.slug,
      version_id: saved.versionId,
      version: saved.version,
      budget: after?.budget ?? (await configBudget(principal.workspaceId, saved.id)),
    },
    { status: 201 },
  );
}

export async function listConfigsHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(pageQuerySchema.extend(listConfigsQuerySchema.shape), queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const { total, rows } = await listConfigs(getDb(), principal.workspaceId, { status: query.status, ...paging(query) });
  const budgets = await budgetViewsOf(
    getDb(),
    principal.workspaceId,
    "config",
    rows.map((r) => r.id),
  );
  return Response.json({ object: "list", total, data: rows.map((r) => summaryView(r, budgets.get(r.id) ?? null)) });
}

export async function getConfigHandler({ principal, params }: ApiContext<SlugParams>): Promise<Response> {
  const config = await findConfig(getDb(), principal.workspaceId, params.slug);
  if (!config) throw notFound("Config", params.slug);
  return Response.json(detailView(config, await configBudget(principal.workspaceId, config.id)));
}

export async function updateConfigHandler({ request, principal, params }: ApiContext<SlugParams>): Promise<Response> {
  const body = parseInput(updateConfigSchema, await readJson(request), configCode);
  assertOwnWorkspace(principal, body.workspace_id);
  if (body.budget !== undefined) requireRole(principal, "admin", "Setting a budget");
  const current = await findConfig(getDb(), principal.workspaceId, params.slug);
  if (!current) throw notFound("Config", params.slug);
  if (body.slug !== undefined && body.slug !== current.slug) {
    throw new DetourError("bad_request", `slug: the slug of a config never changes (this one is ${current.slug}); send name to rename it`, {
      param: "slug",
    });
  }
  if (
    body.name === undefined &&
    body.config === undefined &&
    body.status === undefined &&
    body.is_default === undefined &&
    body.budget === undefined
  ) {
    throw new DetourError("bad_request", "Nothing to change: send name, config, status, is_default or budget.");
  }
  if (body.config !== undefined) await assertVirtualKeyHosts(principal.workspaceId, body.config);
  const before = detailView(current, await configBudget(principal.workspaceId, current.id));
  const stored = body.config === undefined ? null : await storedBodies(principal.workspaceId, current.id);
  const saved = unwrap(
    await updateConfig(
      getDb(),
      principal.workspaceId,
      current.id,
      {
        name: body.name,
        status: body.status,
        isDefault: body.is_default,
        body: body.config === undefined ? undefined : sealedText(body.config, stored ?? []),
        budget: body.budget,
      },
      principal.actor,
    ),
    params.slug,
    body.name,
  );
  await invalidateConfig(principal.workspaceId, saved.slug);
  if (body.budget !== undefined) await invalidateWorkspaceBudgets(principal.workspaceId);
  const after = await auditView(principal.workspaceId, saved.id);
  const label = `${after?.name ?? current.name} (${saved.slug})`;
  await recordAudit(principal, { action: "config.update", targetType: "config", targetId: saved.id, targetLabel: label, before, after });
  if (body.budget !== undefined)
    await recordBudgetChange(principal, { type: "config", id: saved.id, label }, before.budget, after?.budget ?? null);
  return Response.json({
    object: "config",
    id: saved.id,
    slug: saved.slug,
    version_id: saved.versionId,
    version: saved.version,
    new_version: saved.newVersion,
    budget: after?.budget ?? (await configBudget(principal.workspaceId, saved.id)),
  });
}

/** The stored text of every version of a config, newest first: the keys a mask sent back may stand for. */
export async function storedBodies(workspaceId: string, configId: string): Promise<string[]> {
  const found = await listConfigVersions(getDb(), workspaceId, configId);
  return found ? found.versions.map((v) => v.body) : [];
}

export async function deleteConfigHandler({ principal, params }: ApiContext<SlugParams>): Promise<Response> {
  const before = await auditView(principal.workspaceId, params.slug);
  const deleted = await softDeleteConfig(getDb(), principal.workspaceId, params.slug);
  if (!deleted) throw notFound("Config", params.slug);
  await invalidateConfig(principal.workspaceId, deleted.slug);
  await recordAudit(principal, {
    action: "config.delete",
    targetType: "config",
    targetId: deleted.id,
    targetLabel: `${before?.name ?? deleted.slug} (${deleted.slug})`,
    before,
    after: before ? { ...before, status: "deleted", is_default: false } : null,
  });
  return Response.json({ object: "config", id: deleted.id, slug: deleted.slug, status: "deleted", deleted: true });
}

export async function listConfigVersionsHandler({ principal, params }: ApiContext<SlugParams>): Promise<Response> {
  const found = await listConfigVersions(getDb(), principal.workspaceId, params.slug);
  if (!found) throw notFound("Config", params.slug);
  return Response.json({
    object: "list",
    slug: found.config.slug,
    total: found.versions.length,
    data: found.versions.map((v) => versionView(v, found.config.version)),
  });
}

/** `{version}` in a path: the version number, or a version id (`version_id` of an answer). */
function versionRef(value: string): number | string {
  return /^\d{1,9}$/.test(value) ? Number(value) : value;
}

async function findVersionOrThrow(workspaceId: string, params: VersionParams) {
  const found = await findConfigVersion(getDb(), workspaceId, params.slug, versionRef(params.version));
  if (found) return found;
  if (!(await findConfig(getDb(), workspaceId, params.slug))) throw notFound("Config", params.slug);
  throw new DetourError("not_found", `Config ${JSON.stringify(params.slug)} has no version ${JSON.stringify(params.version)}.`, {
    param: "version",
  });
}

export async function getConfigVersionHandler({ principal, params }: ApiContext<VersionParams>): Promise<Response> {
  const found = await findVersionOrThrow(principal.workspaceId, params);
  return Response.json(versionView(found.version, found.config.version));
}

/** Rolling back: the old version's content becomes a new, current version (history is never rewritten). */
export async function restoreConfigVersionHandler({ principal, params }: ApiContext<VersionParams>): Promise<Response> {
  const found = await findVersionOrThrow(principal.workspaceId, params);
  const parsed = parseConfigJson(found.version.body);
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => ({ path: i.path ? `config.${i.path}` : "config", message: i.message }));
    throw issuesError("invalid_config", issues, {
      prefix: `Version ${found.version.version} is not a valid config any more: `,
      param: "config",
    });
  }
  // A version saved before the rule (or before its key's allow-list changed) may break it.
  await assertVirtualKeyHosts(principal.workspaceId, parsed.config, `Version ${found.version.version} cannot be restored: `);
  const before = await auditView(principal.workspaceId, found.config.id);
  const saved = unwrap(
    await updateConfig(
      getDb(),
      principal.workspaceId,
      found.config.id,
      { body: storedText(sealClearKeys(parsed.config, getEncryptionKey()).config), note: `restored from version ${found.version.version}` },
      principal.actor,
    ),
    params.slug,
  );
  await invalidateConfig(principal.workspaceId, saved.slug);
  const after = await auditView(principal.workspaceId, saved.id);
  await recordAudit(principal, {
    action: "config.restore",
    targetType: "config",
    targetId: saved.id,
    targetLabel: `${after?.name ?? found.config.name} (${saved.slug})`,
    before,
    after: after ? { ...after, restored_from: found.version.version } : null,
  });
  return Response.json({
    object: "config",
    id: saved.id,
    slug: saved.slug,
    version_id: saved.versionId,
    version: saved.version,
    restored_from: found.version.version,
  });
}
