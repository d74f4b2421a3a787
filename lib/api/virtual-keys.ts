/**
 * Virtual keys (`/v1/virtual-keys`): Portkey's Admin API subset, so the portkey-ai SDK's
 * `virtualKeys` resource works. No answer ever holds a provider key: only `masked_api_key`.
 *
 * Rotation is `PUT` with a new `key`: the slug stays, the old secret is retired (kept encrypted,
 * with who and when) and the gateway's cache entry is dropped before the answer is sent. Requests
 * that resolved the key before that keep the secret they hold; every request that starts after
 * the answer loads the new version. Revocation (`DELETE`) works the same way: the next request
 * naming the key gets 403 `virtual_key_revoked`. `expires_at` and `allowed_models` (the key's
 * lifecycle, lib/api/key-lifecycle-schemas.ts) are enforced by the gateway at each use: 403
 * `virtual_key_expired` once the time has passed, 403 `model_not_allowed` for a model off the list.
 * Its `budget` (budget-schemas.ts) is written in the key's own transaction, and the gateway's cached
 * budgets dropped on every instance before the answer; every answer shows it with its spend.
 * Every change is recorded in the audit trail (lib/audit/record.ts) with the key's view before and
 * after (never a secret): `virtual_key.create`, `virtual_key.update`, `virtual_key.rotate` (a new
 * `key`), `virtual_key.revoke`, and `budget.update` when its budget changes.
 */
import { recordBudgetChange } from "../audit/budget-change";
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { getEnv } from "../env";
import { validateCustomHost } from "../gateway/upstream/custom-host";
import { invalidateVirtualKey, invalidateWorkspaceBudgets } from "../gateway/cache/lookups";
import { getEncryptionKey } from "../secrets";
import {
  createNamedVirtualKey,
  findVirtualKey,
  listVirtualKeys,
  revokeVirtualKeyBySlugOrId,
  updateVirtualKey,
  type SaveVirtualKeyResult,
  type VirtualKeyDetail,
  type VirtualKeyPatch,
} from "../store/virtual-keys";
import { DetourError, issuesError } from "../errors";
import type { BudgetView } from "./budget-schemas";
import { budgetViewsOf } from "./budgets";
import { notFound } from "./errors";
import { readJson, type ApiContext, requireRole } from "./handler";
import { assertOwnWorkspace, iso, pageQuerySchema, paging, parseInput, queryObject } from "./input";
import { lifecycleColumns, lifecycleView } from "./key-lifecycle-schemas";
import { rateLimitColumns, rateLimitsView } from "./rate-limit-schemas";
import {
  createVirtualKeySchema,
  keyDetailsFrom,
  listVirtualKeysQuerySchema,
  updateVirtualKeySchema,
  virtualKeyShapeIssues,
  type VirtualKeyShape,
} from "./virtual-key-schemas";

type SlugParams = { slug: string };

/** How the API shows a key (never its secret: `masked_api_key`), with its budget and spend (null: none). */
export function virtualKeyView(vk: VirtualKeyDetail, budget: BudgetView | null = null) {
  const current = vk.versions.find((v) => v.version === vk.currentVersion) ?? vk.versions[0];
  return {
    object: "virtual-key",
    id: vk.id,
    slug: vk.slug,
    name: vk.name,
    provider: vk.provider,
    status: vk.status,
    note: vk.note,
    masked_api_key: current?.hint ?? null,
    resource_name: vk.resourceName,
    api_version: vk.apiVersion,
    custom_host: vk.customHost,
    allowed_hosts: vk.allowedHosts,
    deployments: vk.deployments.map((d) => ({
      deployment_name: d.deploymentName,
      alias: d.alias,
      api_version: d.apiVersion,
      is_default: d.isDefault,
    })),
    version: vk.currentVersion,
    rate_limits: rateLimitsView(vk),
    ...lifecycleView(vk),
    budget,
    created_at: iso(vk.createdAt),
    created_by: vk.createdById,
    updated_at: iso(vk.updatedAt),
    last_used_at: iso(vk.lastUsedAt),
    rotated_at: iso(vk.rotatedAt),
    revoked_at: iso(vk.revokedAt),
    revoked_by: vk.revokedById,
    versions: vk.versions.map((v) => ({
      version: v.version,
      masked_api_key: v.hint,
      created_at: iso(v.createdAt),
      created_by: v.createdById,
      retired_at: iso(v.retiredAt),
      retired_by: v.retiredById,
    })),
  };
}

/**
 * The private-address rule (docs/GATEWAY.md §7) at save time too, the same check the gateway runs when
 * the key is used, so a key that could never be used is refused at once: its custom host and every
 * origin of its allow-list.
 */
async function checkHosts(customHost: string | null | undefined, allowedHosts: string[] | undefined): Promise<void> {
  const allowed = getEnv().allowedPrivateHosts;
  if (customHost) {
    const check = await validateCustomHost(customHost, allowed);
    if (!check.ok) throw new DetourError("custom_host_not_allowed", `custom_host: ${check.message}`, { param: "custom_host" });
  }
  const issues: { path: PropertyKey[]; message: string }[] = [];
  for (const [i, origin] of (allowedHosts ?? []).entries()) {
    const check = await validateCustomHost(origin, allowed);
    if (!check.ok) issues.push({ path: ["allowed_hosts", i], message: check.message.replace(/^custom_host /, "") });
  }
  if (issues.length) throw issuesError("custom_host_not_allowed", issues);
}

const nameTaken = (name: string) =>
  new DetourError(
    "name_taken",
    `An active virtual key named ${JSON.stringify(name)} already exists in this workspace; choose another name.`,
    { param: "name" },
  );
const revoked = (slug: string) =>
  new DetourError(
    "virtual_key_revoked",
    `Virtual key ${JSON.stringify(slug)} is revoked: it cannot be changed or revoked again (create a new key).`,
    { status: 409 },
  );

function unwrap<T>(result: SaveVirtualKeyResult<T>, slug: string, name?: string): T {
  if (result.ok) return result;
  if (result.reason === "name_taken") throw nameTaken(name ?? "");
  if (result.reason === "revoked") throw revoked(slug);
  throw notFound("Virtual key", slug);
}

/** The views of `rows` with their budgets (three queries at most for the whole page). */
async function viewsOf(workspaceId: string, rows: VirtualKeyDetail[]) {
  const budgets = await budgetViewsOf(
    getDb(),
    workspaceId,
    "virtual_key",
    rows.map((r) => r.id),
  );
  return rows.map((r) => virtualKeyView(r, budgets.get(r.id) ?? null));
}

async function viewOf(workspaceId: string, slug: string) {
  const vk = await findVirtualKey(getDb(), workspaceId, slug);
  if (!vk) throw notFound("Virtual key", slug);
  return (await viewsOf(workspaceId, [vk]))[0]!;
}

type VirtualKeyView = ReturnType<typeof virtualKeyView>;

/** The audit trail's target fields for a key. */
const auditTarget = (view: VirtualKeyView) => ({
  targetType: "virtual_key",
  targetId: view.id,
  targetLabel: `${view.name} (${view.slug})`,
});
const budgetSubject = (view: VirtualKeyView) => ({ type: "virtual_key" as const, id: view.id, label: `${view.name} (${view.slug})` });

export async function createVirtualKeyHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(createVirtualKeySchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  if (body.budget !== undefined) requireRole(principal, "admin", "Setting a budget");
  await checkHosts(body.custom_host, body.allowed_hosts);
  const details = keyDetailsFrom(body, "create");
  const saved = unwrap(
    await createNamedVirtualKey(
      getDb(),
      getEncryptionKey(),
      {
        workspaceId: principal.workspaceId,
        name: body.name,
        provider: body.provider,
        secret: body.key,
        note: body.note ?? null,
        resourceName: details.resourceName ?? null,
        apiVersion: details.apiVersion ?? null,
        customHost: body.custom_host ?? null,
        allowedHosts: body.allowed_hosts ?? [],
        deployments: details.deployments ?? [],
        createdById: principal.actor,
        ...rateLimitColumns(body.rate_limits),
        ...lifecycleColumns(body),
      },
      body.budget ?? null,
    ),
    "",
    body.name,
  );
  await invalidateVirtualKey(principal.workspaceId, saved.slug); // a lookup of this slug may have cached "none"
  if (body.budget) await invalidateWorkspaceBudgets(principal.workspaceId);
  const view = await viewOf(principal.workspaceId, saved.slug);
  await recordAudit(principal, { action: "virtual_key.create", ...auditTarget(view), before: null, after: view });
  await recordBudgetChange(principal, budgetSubject(view), null, view.budget);
  return Response.json(view, { status: 201 });
}

export async function listVirtualKeysHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(pageQuerySchema.extend(listVirtualKeysQuerySchema.shape), queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const { total, rows } = await listVirtualKeys(getDb(), principal.workspaceId, { status: query.status, ...paging(query) });
  return Response.json({ object: "list", total, data: await viewsOf(principal.workspaceId, rows) });
}

export async function getVirtualKeyHandler({ principal, params }: ApiContext<SlugParams>): Promise<Response> {
  return Response.json(await viewOf(principal.workspaceId, params.slug));
}

export async function updateVirtualKeyHandler({ request, principal, params }: ApiContext<SlugParams>): Promise<Response> {
  const body = parseInput(updateVirtualKeySchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  if (body.budget !== undefined) requireRole(principal, "admin", "Setting a budget");
  const current = await findVirtualKey(getDb(), principal.workspaceId, params.slug);
  if (!current) throw notFound("Virtual key", params.slug);
  if (current.status !== "active") throw revoked(current.slug);
  if (body.provider !== undefined && body.provider !== current.provider) {
    throw new DetourError(
      "bad_request",
      `provider: a virtual key's provider never changes (this one is ${current.provider}); create a new key instead`,
      { param: "provider" },
    );
  }

  const { resourceName, apiVersion, deployments } = keyDetailsFrom(body, "update");
  const patch: VirtualKeyPatch = {
    name: body.name,
    note: body.note,
    resourceName,
    apiVersion,
    customHost: body.custom_host,
    allowedHosts: body.allowed_hosts,
    deployments,
    secret: body.key,
    ...rateLimitColumns(body.rate_limits),
    ...lifecycleColumns(body),
    budget: body.budget,
  };
  if (Object.values(patch).every((v) => v === undefined) && body.rate_limits === undefined) {
    throw new DetourError(
      "bad_request",
      "Nothing to change: send name, key (a rotation), note, resource_name, api_version, custom_host, allowed_hosts, deployments, rate_limits, expires_at, allowed_models or budget.",
    );
  }
  const touchesProvider = [resourceName, apiVersion, body.custom_host, deployments].some((v) => v !== undefined);
  if (touchesProvider) {
    const merged: VirtualKeyShape = {
      provider: current.provider,
      resourceName: resourceName !== undefined ? resourceName : current.resourceName,
      apiVersion: apiVersion !== undefined ? apiVersion : current.apiVersion,
      customHost: body.custom_host !== undefined ? body.custom_host : current.customHost,
      deployments: deployments ?? current.deployments,
    };
    const issues = virtualKeyShapeIssues(merged, body);
    if (issues.length) throw issuesError("bad_request", issues);
    await checkHosts(body.custom_host, undefined);
  }
  await checkHosts(undefined, body.allowed_hosts);

  const before = (await viewsOf(principal.workspaceId, [current]))[0]!;
  const saved = unwrap(
    await updateVirtualKey(getDb(), getEncryptionKey(), principal.workspaceId, current.id, patch, principal.actor),
    params.slug,
    body.name,
  );
  // Before the answer: every request that starts after it loads the new version (and budget).
  await invalidateVirtualKey(principal.workspaceId, saved.slug);
  if (body.budget !== undefined) await invalidateWorkspaceBudgets(principal.workspaceId);
  const after = await viewOf(principal.workspaceId, saved.slug);
  const action = saved.rotated ? "virtual_key.rotate" : "virtual_key.update";
  await recordAudit(principal, { action, ...auditTarget(after), before, after });
  if (body.budget !== undefined) await recordBudgetChange(principal, budgetSubject(after), before.budget, after.budget);
  return Response.json({ ...after, rotated: saved.rotated });
}

export async function deleteVirtualKeyHandler({ principal, params }: ApiContext<SlugParams>): Promise<Response> {
  const current = await findVirtualKey(getDb(), principal.workspaceId, params.slug);
  const before = current ? (await viewsOf(principal.workspaceId, [current]))[0]! : null;
  const saved = unwrap(await revokeVirtualKeyBySlugOrId(getDb(), principal.workspaceId, params.slug, principal.actor), params.slug);
  await invalidateVirtualKey(principal.workspaceId, saved.slug);
  const after = await viewOf(principal.workspaceId, saved.slug);
  await recordAudit(principal, { action: "virtual_key.revoke", ...auditTarget(after), before, after });
  return Response.json(after);
}
