/**
 * Who belongs to which workspace, with which role (lib/auth/roles.ts). A user may belong to
 * several workspaces; the dashboard and the management API act in one at a time (lib/auth/session.ts).
 * The management API lists members, changes their role and removes them (`/v1/users`).
 */
import type { Db } from "../db";
import { lockWorkspace } from "./workspace-lock";

export type Membership = { workspaceId: string; workspaceName: string; workspaceSlug: string; isDefault: boolean; role: string };

/** The user's workspaces with their role, oldest membership first (one indexed read). */
export async function listMemberships(db: Db, userId: string): Promise<Membership[]> {
  const rows = await db.workspaceMember.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, workspace: { select: { id: true, name: true, slug: true, isDefault: true } } },
  });
  return rows.map((r) => ({
    workspaceId: r.workspace.id,
    workspaceName: r.workspace.name,
    workspaceSlug: r.workspace.slug,
    isDefault: r.workspace.isDefault,
    role: r.role,
  }));
}

/** The role `userId` has in `workspaceId`, or null when they are not a member. */
export async function getMembershipRole(db: Db, workspaceId: string, userId: string): Promise<string | null> {
  const row = await db.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, select: { role: true } });
  return row?.role ?? null;
}

/** A member of a workspace as the management API shows them. */
export type MemberRow = {
  userId: string;
  email: string;
  name: string | null;
  role: string;
  joinedAt: Date;
  lastLoginAt: Date | null;
  sso: boolean;
  hasPassword: boolean;
};

const MEMBER_SELECT = {
  role: true,
  createdAt: true,
  user: { select: { id: true, email: true, name: true, lastLoginAt: true, oidcSubject: true, passwordHash: true } },
} as const;

type MemberSelected = {
  role: string;
  createdAt: Date;
  user: { id: string; email: string; name: string | null; lastLoginAt: Date | null; oidcSubject: string | null; passwordHash: string };
};

function toMember(r: MemberSelected): MemberRow {
  return {
    userId: r.user.id,
    email: r.user.email,
    name: r.user.name,
    role: r.role,
    joinedAt: r.createdAt,
    lastLoginAt: r.user.lastLoginAt,
    sso: r.user.oidcSubject !== null,
    hasPassword: r.user.passwordHash !== "",
  };
}

/** The workspace's members, earliest first. */
export async function listMembers(db: Db, workspaceId: string): Promise<MemberRow[]> {
  const rows = await db.workspaceMember.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" }, select: MEMBER_SELECT });
  return rows.map(toMember);
}

export async function getMember(db: Db, workspaceId: string, userId: string): Promise<MemberRow | null> {
  const row = await db.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, select: MEMBER_SELECT });
  return row ? toMember(row) : null;
}

/** Whether someone with this email (any case) is a member of the workspace. */
export async function isMemberByEmail(db: Db, workspaceId: string, email: string): Promise<boolean> {
  const row = await db.workspaceMember.findFirst({
    where: { workspaceId, user: { email: email.trim().toLowerCase() } },
    select: { userId: true },
  });
  return row !== null;
}

export type MemberChange = { ok: true; before: MemberRow; after: MemberRow | null } | { ok: false; reason: "not_found" | "last_owner" };

/**
 * Changes a member's role, or removes them (`role: null`). A workspace always keeps an owner: the
 * change that would leave it none is `last_owner`. The workspace row is locked first
 * (workspace-lock.ts), so two concurrent demotions of its two owners cannot both pass the count.
 * A removal also bumps the user's session version: every session of theirs is refused from its next
 * request (lib/auth/session-state.ts), in this workspace and any other.
 */
export async function changeMember(db: Db, workspaceId: string, userId: string, role: string | null): Promise<MemberChange> {
  return db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const where = { workspaceId_userId: { workspaceId, userId } };
    const row = await tx.workspaceMember.findUnique({ where, select: MEMBER_SELECT });
    if (!row) return { ok: false, reason: "not_found" } as const;
    const before = toMember(row);
    if (before.role === "owner" && role !== "owner") {
      const owners = await tx.workspaceMember.count({ where: { workspaceId, role: "owner" } });
      if (owners <= 1) return { ok: false, reason: "last_owner" } as const;
    }
    if (role === null) {
      await tx.workspaceMember.delete({ where });
      await tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
      return { ok: true, before, after: null } as const;
    }
    const updated = await tx.workspaceMember.update({ where, data: { role }, select: MEMBER_SELECT });
    return { ok: true, before, after: toMember(updated) } as const;
  });
}
