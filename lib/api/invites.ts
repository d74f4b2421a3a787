/**
 * Invitations (`/v1/invites`, docs/MANAGEMENT-API.md "Invitations"): an admin invites an email
 * address with a role (an owner only by an owner). The answer to the creation carries the one-time
 * link `<origin>/invite/<token>` (origin: NEXTAUTH_URL's, else the request's): only the token's
 * SHA-256 is stored, so the link is shown in that answer and never again. With DETOUR_SMTP_URL the
 * link is also mailed; a mail that fails does not fail the invitation (`mail: {sent: false, error}`,
 * the admin copies the link). A new invitation of the same email replaces a pending one.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Role } from "../auth/roles";
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { getEnv } from "../env";
import { DetourError } from "../errors";
import { inviteMail } from "../mail/invite-mail";
import { sendMail } from "../mail/transport";
import { actorLabels, createInvite, getInvite, inviteStatus, listInvites, revokeInvite, type InviteRow } from "../store/invites";
import { getWorkspaceById } from "../store/workspaces";
import { detourOrigins } from "./csrf";
import { readJson, requireRole, type ApiContext } from "./handler";
import { createInviteSchema, listInvitesQuerySchema } from "./invite-schemas";
import { iso, parseInput, queryObject } from "./input";

type IdParams = { id: string };

/** 32 random bytes as base64url: the token of a link. */
export function newInviteToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What is stored of a token. */
export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function inviteView(row: InviteRow, labels: Map<string, string>, now = Date.now()) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status: inviteStatus(row, now),
    created_at: iso(row.createdAt),
    expires_at: iso(row.expiresAt),
    invited_by: row.createdById ? (labels.get(row.createdById) ?? row.createdById) : null,
    accepted_at: iso(row.acceptedAt),
  };
}

async function viewsOf(rows: InviteRow[]) {
  const labels = await actorLabels(
    getDb(),
    rows.map((r) => r.createdById),
  );
  const now = Date.now();
  return rows.map((r) => inviteView(r, labels, now));
}

export async function listInvitesHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(listInvitesQuerySchema, queryObject(url));
  const rows = await listInvites(getDb(), principal.workspaceId, { pendingOnly: query.status === "pending" });
  return Response.json({ object: "list", data: await viewsOf(rows) });
}

export async function createInviteHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(createInviteSchema, await readJson(request));
  if (body.role === "owner") requireRole(principal, "owner", "Inviting an owner");
  const db = getDb();
  const workspace = await getWorkspaceById(db, principal.workspaceId);
  if (!workspace) throw new DetourError("not_found", "This workspace does not exist any more.");
  const token = newInviteToken();
  const expiresAt = new Date(Date.now() + body.expires_in_hours * 3600_000);
  const result = await createInvite(db, {
    workspaceId: principal.workspaceId,
    email: body.email,
    role: body.role,
    tokenHash: hashInviteToken(token),
    createdById: principal.actor,
    expiresAt,
  });
  if (!result.ok)
    throw new DetourError("conflict", `${body.email} is already a member of this workspace; change their role in /v1/users instead.`, {
      param: "email",
    });
  const origin = detourOrigins(request, getEnv().NEXTAUTH_URL)[0] ?? new URL(request.url).origin;
  const url = `${origin}/invite/${token}`;
  const view = (await viewsOf([result.row]))[0]!;
  const mail = await sendMail(
    inviteMail({ to: body.email, workspaceName: workspace.name, role: body.role as Role, invitedBy: principal.actorLabel, url, expiresAt }),
  );
  await recordAudit(principal, {
    action: "invite.create",
    targetType: "invite",
    targetId: result.row.id,
    targetLabel: result.row.email,
    after: { ...view, replaced: result.replaced, mail_sent: mail?.sent ?? null },
  });
  return Response.json({ ...view, url, mail }, { status: 201 });
}

export async function revokeInviteHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const db = getDb();
  const before = await getInvite(db, principal.workspaceId, params.id);
  const result = await revokeInvite(db, principal.workspaceId, params.id);
  if (!result.ok) {
    if (result.reason === "not_found")
      throw new DetourError("not_found", `Invitation ${JSON.stringify(params.id)} does not exist in this workspace.`);
    throw new DetourError(
      "conflict",
      result.reason === "accepted"
        ? `Invitation ${JSON.stringify(params.id)} was already accepted; remove the member in /v1/users instead.`
        : `Invitation ${JSON.stringify(params.id)} is already revoked.`,
    );
  }
  const [view] = await viewsOf([result.row]);
  await recordAudit(principal, {
    action: "invite.revoke",
    targetType: "invite",
    targetId: result.row.id,
    targetLabel: result.row.email,
    before: before ? (await viewsOf([before]))[0] : null,
    after: view,
  });
  return Response.json(view);
}

/** GET /v1/invites/{id}: one invitation of the workspace. */
export async function getInviteHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const row = await getInvite(getDb(), principal.workspaceId, params.id);
  if (!row) throw new DetourError("not_found", `Invitation ${JSON.stringify(params.id)} does not exist in this workspace.`);
  return Response.json((await viewsOf([row]))[0]);
}
