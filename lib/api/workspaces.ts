/**
 * Workspaces (`/v1/workspaces`, docs/MANAGEMENT-API.md "Workspaces"): list the caller's, create one
 * (a signed-in user, who becomes its owner), read one with what deleting it would lose, rename it,
 * delete it. On `{id}` routes the caller's role is the one they have in THAT workspace: a session's
 * membership there (a workspace they are not a member of is 404, like one that does not exist), an
 * API key's in its own workspace only.
 *
 * A deletion takes everything in the workspace with it and, before the answer, drops its API keys,
 * configs, virtual keys, budgets and prices from the gateway's caches on every instance: its keys
 * get 401 on the next request anywhere. It is recorded in the default workspace's audit trail, since
 * the deleted workspace's own trail goes with it. The default workspace cannot be deleted.
 */
import { hasRole, isRole, type Role } from "../auth/roles";
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { DetourError } from "../errors";
import {
  invalidateApiKeyHash,
  invalidateConfig,
  invalidatePriceOverrides,
  invalidateVirtualKey,
  invalidateWorkspaceBudgets,
} from "../gateway/cache/lookups";
import { getMembershipRole } from "../store/memberships";
import {
  countWorkspaceContents,
  createWorkspaceWithOwner,
  deleteWorkspace,
  getDefaultWorkspaceId,
  getWorkspaceById,
  listWorkspacesOfUser,
  renameWorkspace,
  type WorkspaceCounts,
  type WorkspaceRow,
} from "../store/workspaces";
import { readJson, requireRole, type ApiContext, type Principal } from "./handler";
import { iso, parseInput, queryObject } from "./input";
import { createWorkspaceSchema, deleteWorkspaceQuerySchema, slugFromName, updateWorkspaceSchema } from "./workspace-schemas";

type IdParams = { id: string };

export function workspaceView(w: WorkspaceRow, role: Role, current: boolean) {
  return { id: w.id, name: w.name, slug: w.slug, is_default: w.isDefault, role, current, created_at: iso(w.createdAt) };
}

const notFoundWorkspace = (id: string) =>
  new DetourError("not_found", `Workspace ${JSON.stringify(id)} does not exist, or you are not a member of it.`);

/**
 * The caller's role in workspace `id` and the principal acting there (audit rows land in that
 * workspace): a session's membership, an API key's own workspace. 404 otherwise.
 */
async function actIn(principal: Principal, id: string): Promise<{ workspace: WorkspaceRow; principal: Principal }> {
  const db = getDb();
  let role: Role;
  if (principal.apiKeyId) {
    if (id !== principal.workspaceId) throw notFoundWorkspace(id);
    role = principal.role;
  } else {
    const found = principal.userId ? await getMembershipRole(db, id, principal.userId) : null;
    if (!found || !isRole(found)) throw notFoundWorkspace(id);
    role = found;
  }
  const workspace = await getWorkspaceById(db, id);
  if (!workspace) throw notFoundWorkspace(id);
  return { workspace, principal: { ...principal, workspaceId: id, role } };
}

/** Lower-case letters, digits and hyphens of a name; with a numbered suffix when it is taken. */
function slugCandidates(name: string): string[] {
  const base = slugFromName(name);
  return [base, ...Array.from({ length: 20 }, (_, i) => `${base}-${i + 2}`)];
}

const slugTaken = (slug: string) =>
  new DetourError("conflict", `The slug ${JSON.stringify(slug)} is taken by another workspace; choose another slug.`, { param: "slug" });

export async function listWorkspacesHandler({ principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const db = getDb();
  if (principal.apiKeyId) {
    const w = await getWorkspaceById(db, principal.workspaceId);
    return Response.json({ object: "list", data: w ? [workspaceView(w, principal.role, true)] : [] });
  }
  const rows = await listWorkspacesOfUser(db, principal.userId!);
  const data = rows.flatMap((r) => (isRole(r.role) ? [workspaceView(r, r.role, r.id === principal.workspaceId)] : []));
  return Response.json({ object: "list", data });
}

export async function createWorkspaceHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  if (principal.apiKeyId || !principal.userId)
    throw new DetourError(
      "forbidden",
      "A workspace is created by a signed-in user, who becomes its owner; an API key belongs to one workspace and cannot create another.",
    );
  requireRole(principal, "admin", "Creating a workspace");
  const body = parseInput(createWorkspaceSchema, await readJson(request));
  const result = await createWorkspaceWithOwner(getDb(), {
    name: body.name,
    slugs: body.slug ? [body.slug] : slugCandidates(body.name),
    ownerId: principal.userId,
  });
  if (!result.ok) throw slugTaken(body.slug ?? slugFromName(body.name));
  const view = workspaceView(result.row, "owner", false);
  await recordAudit(
    { ...principal, workspaceId: result.row.id, role: "owner" },
    { action: "workspace.create", targetType: "workspace", targetId: result.row.id, targetLabel: result.row.name, after: view },
  );
  return Response.json(view, { status: 201 });
}

export async function getWorkspaceByIdHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const { workspace, principal: there } = await actIn(principal, params.id);
  const counts = await countWorkspaceContents(getDb(), workspace.id);
  return Response.json({ ...workspaceView(workspace, there.role, workspace.id === principal.workspaceId), counts });
}

export async function updateWorkspaceByIdHandler({ request, principal, params }: ApiContext<IdParams>): Promise<Response> {
  const { workspace, principal: there } = await actIn(principal, params.id);
  requireRole(there, "admin", "Renaming a workspace");
  const body = parseInput(updateWorkspaceSchema, await readJson(request));
  if (body.name === undefined && body.slug === undefined)
    throw new DetourError("bad_request", "Nothing to change: send name, slug or both.");
  const result = await renameWorkspace(getDb(), workspace.id, { name: body.name, slug: body.slug });
  if (!result.ok) {
    if (result.reason === "slug_taken") throw slugTaken(body.slug!);
    throw notFoundWorkspace(params.id);
  }
  const before = workspaceView(workspace, there.role, workspace.id === principal.workspaceId);
  const after = workspaceView(result.row, there.role, workspace.id === principal.workspaceId);
  await recordAudit(there, {
    action: "workspace.rename",
    targetType: "workspace",
    targetId: workspace.id,
    targetLabel: result.row.name,
    before,
    after,
  });
  return Response.json(after);
}

/** `3 members, 2 configs, 1 virtual key, 0 API keys, 1,204 log rows, 1 pending invitation`. */
export function describeCounts(c: WorkspaceCounts): string {
  const n = (count: number, one: string, many: string) => `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
  return [
    n(c.members, "member's access", "members' access"),
    n(c.configs, "config", "configs"),
    n(c.virtual_keys, "virtual key", "virtual keys"),
    n(c.api_keys, "API key", "API keys"),
    n(c.logs, "log row", "log rows"),
    n(c.invites, "pending invitation", "pending invitations"),
  ].join(", ");
}

export async function deleteWorkspaceHandler({ principal, params, url }: ApiContext<IdParams>): Promise<Response> {
  const { workspace, principal: there } = await actIn(principal, params.id);
  if (there.apiKeyId && !hasRole(there.role, "owner"))
    throw new DetourError(
      "forbidden",
      "Deleting a workspace needs its owner: a signed-in owner, or the installation's DETOUR_ADMIN_API_KEY.",
    );
  requireRole(there, "owner", "Deleting a workspace");
  if (workspace.isDefault)
    throw new DetourError("conflict", `Workspace ${JSON.stringify(workspace.name)} is the default workspace and cannot be deleted.`);
  const db = getDb();
  const counts = await countWorkspaceContents(db, workspace.id);
  const { confirm } = parseInput(deleteWorkspaceQuerySchema, queryObject(url));
  if (confirm !== workspace.slug) {
    const what = `Deleting workspace ${JSON.stringify(workspace.name)} deletes everything in it for good: ${describeCounts(counts)}, with its budgets, prices and audit trail.`;
    throw new DetourError(
      "bad_request",
      confirm === undefined
        ? `${what} To confirm, repeat the request with ?confirm=${workspace.slug} (the workspace's slug).`
        : `${what} ?confirm=${JSON.stringify(confirm)} is not the workspace's slug; send ?confirm=${workspace.slug} to confirm.`,
      { param: "confirm" },
    );
  }
  const result = await deleteWorkspace(db, workspace.id);
  if (!result.ok) {
    if (result.reason === "default") throw new DetourError("conflict", "The default workspace cannot be deleted.");
    throw notFoundWorkspace(params.id);
  }
  const { deleted } = result;
  // The gateway must stop honouring the workspace's keys and configs on every instance before the answer.
  await Promise.all([
    ...deleted.apiKeyHashes.map((hash) => invalidateApiKeyHash(hash)),
    ...deleted.configSlugs.map((slug) => invalidateConfig(workspace.id, slug)),
    ...deleted.virtualKeySlugs.map((slug) => invalidateVirtualKey(workspace.id, slug)),
    invalidateWorkspaceBudgets(workspace.id),
    invalidatePriceOverrides(workspace.id),
  ]);
  const defaultId = await getDefaultWorkspaceId(db);
  if (defaultId) {
    await recordAudit(
      { ...there, workspaceId: defaultId },
      {
        action: "workspace.delete",
        targetType: "workspace",
        targetId: workspace.id,
        targetLabel: workspace.name,
        before: { ...workspaceView(workspace, there.role, false), counts },
      },
    );
  }
  return Response.json({ id: workspace.id, deleted: true, lost: counts });
}
