/**
 * What the dashboard's team pages read on the server (app/(dashboard)/members): a workspace's
 * members with their sign-in facts, and its pending invitations with who sent them. Reads only;
 * every change goes through the management API (/v1/users, /v1/invites), which checks the role and
 * writes the audit trail.
 */
import { ROLES } from "../auth/roles";
import type { Db } from "../db";
import { listInvites } from "./invites";
import { listMembers } from "./memberships";

export type MemberView = {
  id: string;
  email: string;
  name: string | null;
  role: string;
  joinedAt: Date;
  lastSignInAt: Date | null;
  /** Has signed in through single sign-on (an OpenID Connect identity is linked). */
  sso: boolean;
  hasPassword: boolean;
};

/** The workspace's members, owners first, then by when they joined (listMembers' rows, ranked for the page). */
export async function listWorkspaceMembers(db: Db, workspaceId: string): Promise<MemberView[]> {
  // Higher roles first; a role Detour does not know (-1) sorts last.
  const rank = (role: string) => -(ROLES as readonly string[]).indexOf(role);
  return (await listMembers(db, workspaceId))
    .map((m) => ({
      id: m.userId,
      email: m.email,
      name: m.name,
      role: m.role,
      joinedAt: m.joinedAt,
      lastSignInAt: m.lastLoginAt,
      sso: m.sso,
      hasPassword: m.hasPassword,
    }))
    .sort((a, b) => rank(a.role) - rank(b.role) || a.joinedAt.getTime() - b.joinedAt.getTime());
}

export type PendingInviteView = {
  id: string;
  email: string;
  role: string;
  createdAt: Date;
  expiresAt: Date;
  /** Who sent it, as people read it: a user's email, an API key's name, or null when unknown. */
  invitedBy: string | null;
};

/** Invitations not yet accepted, revoked or expired at `now`, newest first (at most `take`). */
export async function listPendingInvites(db: Db, workspaceId: string, now: Date, take = 200): Promise<PendingInviteView[]> {
  const rows = (await listInvites(db, workspaceId, { pendingOnly: true, now })).slice(0, take);
  const ids = (kind: string) => [
    ...new Set(rows.flatMap((r) => (r.createdById?.startsWith(`${kind}:`) ? [r.createdById.slice(kind.length + 1)] : []))),
  ];
  const [users, keys] = await Promise.all([
    db.user.findMany({ where: { id: { in: ids("user") } }, select: { id: true, email: true } }),
    db.apiKey.findMany({ where: { workspaceId, id: { in: ids("api_key") } }, select: { id: true, name: true } }),
  ]);
  const names = new Map<string, string>([
    ...users.map((u) => [`user:${u.id}`, u.email] as const),
    ...keys.map((k) => [`api_key:${k.id}`, `API key “${k.name}”`] as const),
  ]);
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    invitedBy: r.createdById ? (names.get(r.createdById) ?? null) : null,
  }));
}
