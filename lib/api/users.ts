/**
 * Members of the caller's workspace (`/v1/users`, docs/MANAGEMENT-API.md "Users and roles"): list
 * them, read one, change a role, remove one. Rules: an admin manages members; only an owner makes
 * an owner, changes an owner's role or removes an owner; a workspace always keeps an owner (409);
 * nobody changes their own role (403: another admin or owner does). A removal ends every session of
 * the removed user at once (their session version is bumped: lib/store/memberships.ts changeMember),
 * so a copy of their cookie is refused from its next request.
 */
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { DetourError } from "../errors";
import { changeMember, getMember, listMembers, type MemberRow } from "../store/memberships";
import { readJson, requireRole, type ApiContext, type Principal } from "./handler";
import { iso, parseInput } from "./input";
import { updateUserSchema } from "./user-schemas";

type IdParams = { id: string };

export function userView(m: MemberRow) {
  return {
    id: m.userId,
    email: m.email,
    name: m.name,
    role: m.role,
    joined_at: iso(m.joinedAt),
    last_sign_in_at: iso(m.lastLoginAt),
    sso: m.sso,
    has_password: m.hasPassword,
  };
}

const notFoundUser = (id: string) => new DetourError("not_found", `User ${JSON.stringify(id)} is not a member of this workspace.`);

async function memberOrThrow(principal: Principal, id: string): Promise<MemberRow> {
  const member = await getMember(getDb(), principal.workspaceId, id);
  if (!member) throw notFoundUser(id);
  return member;
}

function unwrapChange(result: Awaited<ReturnType<typeof changeMember>>, id: string, what: string) {
  if (result.ok) return result;
  if (result.reason === "last_owner")
    throw new DetourError("conflict", `${what} would leave this workspace without an owner; make another member an owner first.`);
  throw notFoundUser(id);
}

export async function listUsersHandler({ principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const rows = await listMembers(getDb(), principal.workspaceId);
  return Response.json({ object: "list", data: rows.map(userView) });
}

export async function getUserHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  return Response.json(userView(await memberOrThrow(principal, params.id)));
}

export async function updateUserHandler({ request, principal, params }: ApiContext<IdParams>): Promise<Response> {
  const body = parseInput(updateUserSchema, await readJson(request));
  const member = await memberOrThrow(principal, params.id);
  if (principal.userId === member.userId)
    throw new DetourError("forbidden", "You cannot change your own role; another admin or owner of this workspace can.", { param: "role" });
  if (body.role === "owner" || member.role === "owner")
    requireRole(principal, "owner", body.role === "owner" ? "Making a member an owner" : "Changing an owner's role");
  if (body.role === member.role) return Response.json(userView(member));
  const result = unwrapChange(
    await changeMember(getDb(), principal.workspaceId, member.userId, body.role),
    params.id,
    "Demoting the last owner",
  );
  const after = userView(result.after!);
  await recordAudit(principal, {
    action: "user.role_change",
    targetType: "user",
    targetId: member.userId,
    targetLabel: member.email,
    before: { role: result.before.role },
    after: { role: after.role },
  });
  return Response.json(after);
}

export async function removeUserHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const member = await memberOrThrow(principal, params.id);
  if (member.role === "owner") requireRole(principal, "owner", "Removing an owner");
  const result = unwrapChange(
    await changeMember(getDb(), principal.workspaceId, member.userId, null),
    params.id,
    "Removing the last owner",
  );
  const before = userView(result.before);
  await recordAudit(principal, { action: "user.remove", targetType: "user", targetId: member.userId, targetLabel: member.email, before });
  return Response.json({ ...before, removed: true, sessions_ended: true });
}
