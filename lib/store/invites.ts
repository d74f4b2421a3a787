/**
 * Invitations to a workspace (docs/MANAGEMENT-API.md, Invitations). Only the SHA-256 of an
 * invitation's one-time token is stored; an invitation works once, until it expires, unless it is
 * revoked. Accepting is one transaction around a conditional update (not accepted, not revoked, not
 * expired): of two concurrent accepts of one link exactly one changes the row, the other changes
 * nothing and is refused.
 */
import type { Db } from "../db";
import { isUniqueViolation } from "../db/conflict";
import { lockWorkspace } from "./workspace-lock";

export type InviteRow = {
  id: string;
  workspaceId: string;
  email: string;
  role: string;
  createdById: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedById: string | null;
  revokedAt: Date | null;
};

const INVITE_SELECT = {
  id: true,
  workspaceId: true,
  email: true,
  role: true,
  createdById: true,
  createdAt: true,
  expiresAt: true,
  acceptedAt: true,
  acceptedById: true,
  revokedAt: true,
} as const;

export type InviteStatus = "pending" | "accepted" | "expired" | "revoked";

export function inviteStatus(row: Pick<InviteRow, "acceptedAt" | "revokedAt" | "expiresAt">, now = Date.now()): InviteStatus {
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  return row.expiresAt.getTime() <= now ? "expired" : "pending";
}

const pendingWhere = (now: Date) => ({ acceptedAt: null, revokedAt: null, expiresAt: { gt: now } });

export type CreateInviteResult = { ok: true; row: InviteRow; replaced: string[] } | { ok: false; reason: "member" };

/**
 * A new invitation. Someone with this email who is already a member is `member`. A pending
 * invitation of the same email to the same workspace is revoked by this one (its link stops
 * working): one live link per person. The workspace is locked first so two concurrent invitations
 * of one email leave one pending.
 */
export async function createInvite(
  db: Db,
  input: { workspaceId: string; email: string; role: string; tokenHash: string; createdById: string | null; expiresAt: Date },
  now = new Date(),
): Promise<CreateInviteResult> {
  const email = input.email.trim().toLowerCase();
  return db.$transaction(async (tx) => {
    await lockWorkspace(tx, input.workspaceId);
    const member = await tx.workspaceMember.findFirst({
      where: { workspaceId: input.workspaceId, user: { email } },
      select: { userId: true },
    });
    if (member) return { ok: false, reason: "member" } as const;
    const older = await tx.invite.findMany({
      where: { workspaceId: input.workspaceId, email, ...pendingWhere(now) },
      select: { id: true },
    });
    if (older.length)
      await tx.invite.updateMany({ where: { id: { in: older.map((o) => o.id) }, ...pendingWhere(now) }, data: { revokedAt: now } });
    const row = await tx.invite.create({ data: { ...input, email }, select: INVITE_SELECT });
    return { ok: true, row, replaced: older.map((o) => o.id) } as const;
  });
}

/** The workspace's invitations, newest first: the pending ones only, or all. */
export async function listInvites(db: Db, workspaceId: string, options: { pendingOnly: boolean; now?: Date }): Promise<InviteRow[]> {
  return db.invite.findMany({
    where: { workspaceId, ...(options.pendingOnly ? pendingWhere(options.now ?? new Date()) : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: INVITE_SELECT,
    take: 1000,
  });
}

export async function getInvite(db: Db, workspaceId: string, id: string): Promise<InviteRow | null> {
  return db.invite.findFirst({ where: { id, workspaceId }, select: INVITE_SELECT });
}

export type RevokeInviteResult = { ok: true; row: InviteRow } | { ok: false; reason: "not_found" | "accepted" | "revoked" };

/** Revokes an invitation that is not accepted or revoked yet (an expired one too: it can never be used). */
export async function revokeInvite(db: Db, workspaceId: string, id: string, now = new Date()): Promise<RevokeInviteResult> {
  const { count } = await db.invite.updateMany({ where: { id, workspaceId, acceptedAt: null, revokedAt: null }, data: { revokedAt: now } });
  const row = await getInvite(db, workspaceId, id);
  if (!row) return { ok: false, reason: "not_found" };
  if (count === 1) return { ok: true, row };
  return { ok: false, reason: row.acceptedAt ? "accepted" : "revoked" };
}

export type InviteWithWorkspace = InviteRow & { workspaceName: string; workspaceSlug: string };

/** The invitation a link's token stands for (by the token's hash), with its workspace, or null. */
export async function findInviteByTokenHash(db: Db, tokenHash: string): Promise<InviteWithWorkspace | null> {
  const row = await db.invite.findUnique({
    where: { tokenHash },
    select: { ...INVITE_SELECT, workspace: { select: { name: true, slug: true } } },
  });
  if (!row) return null;
  const { workspace, ...invite } = row;
  return { ...invite, workspaceName: workspace.name, workspaceSlug: workspace.slug };
}

export type AcceptInviteResult = { ok: true; userId: string; joined: boolean } | { ok: false; reason: "unavailable" | "user_exists" };

class UserExists extends Error {}

/**
 * Accepts the invitation `tokenHash` stands for, once: marks it accepted only while it is still
 * pending (the conditional update decides between concurrent accepts), then adds the membership
 * with the invitation's role for an existing user (`userId`) or a new one (`newUser`, whose email
 * must not be taken: `user_exists`). A user already a member keeps the role they have (`joined`
 * false). All or nothing.
 */
export async function acceptInvite(
  db: Db,
  input: { tokenHash: string; userId?: string; newUser?: { email: string; name: string; passwordHash: string } },
  now = new Date(),
): Promise<AcceptInviteResult> {
  try {
    return await db.$transaction(async (tx) => {
      const claimed = await tx.invite.updateMany({
        where: { tokenHash: input.tokenHash, ...pendingWhere(now) },
        data: { acceptedAt: now },
      });
      if (claimed.count !== 1) return { ok: false, reason: "unavailable" } as const;
      const invite = await tx.invite.findUniqueOrThrow({
        where: { tokenHash: input.tokenHash },
        select: { id: true, workspaceId: true, role: true },
      });
      let userId = input.userId;
      if (!userId) {
        const u = input.newUser!;
        try {
          userId = (
            await tx.user.create({
              data: { email: u.email.trim().toLowerCase(), name: u.name, passwordHash: u.passwordHash },
              select: { id: true },
            })
          ).id;
        } catch (err) {
          if (isUniqueViolation(err)) throw new UserExists();
          throw err;
        }
      }
      await tx.invite.update({ where: { id: invite.id }, data: { acceptedById: userId } });
      const key = { workspaceId_userId: { workspaceId: invite.workspaceId, userId } };
      const existing = await tx.workspaceMember.findUnique({ where: key, select: { role: true } });
      if (!existing) await tx.workspaceMember.create({ data: { workspaceId: invite.workspaceId, userId, role: invite.role } });
      return { ok: true, userId, joined: !existing } as const;
    });
  } catch (err) {
    if (err instanceof UserExists) return { ok: false, reason: "user_exists" };
    throw err;
  }
}

/** Labels of audit actors (`user:<id>` -> the email, `api_key:<id>` -> `name (prefix...)`), read in two queries; unknown ones are absent. */
export async function actorLabels(db: Db, actors: readonly (string | null)[]): Promise<Map<string, string>> {
  const ids = (kind: string) => [...new Set(actors.flatMap((a) => (a?.startsWith(`${kind}:`) ? [a.slice(kind.length + 1)] : [])))];
  const [users, keys] = await Promise.all([
    ids("user").length ? db.user.findMany({ where: { id: { in: ids("user") } }, select: { id: true, email: true } }) : [],
    ids("api_key").length
      ? db.apiKey.findMany({ where: { id: { in: ids("api_key") } }, select: { id: true, name: true, prefix: true } })
      : [],
  ]);
  const out = new Map<string, string>();
  for (const u of users) out.set(`user:${u.id}`, u.email);
  for (const k of keys) out.set(`api_key:${k.id}`, `${k.name} (${k.prefix}...)`);
  return out;
}
