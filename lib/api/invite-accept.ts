/**
 * Accepting an invitation: `POST /api/invites/accept` (`{token, name?, password?}`) and what the
 * page `/invite/<token>` shows (describeInvite). Not part of `/v1`: it is the invited person's, not
 * an admin's, and it writes cookies, so it takes the same-origin JSON rules of every cookie write
 * (csrf.ts) whether or not a session comes with it.
 *
 * - With a session: the signed-in user's email must be the invited one (any case), else 403.
 * - Without one: a new account is created with the invited email, the given name and password
 *   (scrypt); an account with that email already existing is 409 (sign in to accept). Refused when
 *   password sign-in is off (DETOUR_PASSWORD_SIGN_IN=off: the page offers single sign-on instead).
 * The invitation is used once, atomically (lib/store/invites.ts acceptInvite): of concurrent accepts
 * exactly one succeeds, the others get 409 saying it was used. The answer sets the workspace cookie
 * to the joined workspace, so the dashboard opens there.
 */
import { z } from "zod";
import { writeAuditEvent } from "../audit/record";
import { clientAddress } from "../auth/client-address";
import { isRole, type Role } from "../auth/roles";
import { getSessionIdentity, WORKSPACE_COOKIE } from "../auth/session";
import { hashPassword } from "../crypto";
import { getDb } from "../db";
import { getEnv } from "../env";
import { DetourError } from "../errors";
import { logger } from "../logger";
import { acceptInvite, actorLabels, findInviteByTokenHash, inviteStatus, type InviteWithWorkspace } from "../store/invites";
import { findUserByEmail } from "../store/users";
import { checkCookieWrite, detourOrigins } from "./csrf";
import { errorResponse } from "./errors";
import { readJson } from "./handler";
import { hashInviteToken } from "./invites";
import { acceptInviteSchema } from "./invite-schemas";
import { iso, parseInput } from "./input";

const MAX_BODY_BYTES = 16 * 1024;

/** Why a link no longer works, in words the invited person can act on. */
export function unusableMessage(
  invite: Pick<InviteWithWorkspace, "acceptedAt" | "revokedAt" | "expiresAt" | "workspaceName">,
): string | null {
  const status = inviteStatus(invite);
  const ask = `Ask an admin of ${invite.workspaceName} for a new invitation.`;
  if (status === "accepted")
    return `This invitation was already used: each link works once. If it was you, sign in to reach ${invite.workspaceName}; otherwise ask an admin of it for a new invitation.`;
  if (status === "revoked") return `This invitation was revoked. ${ask}`;
  if (status === "expired") return `This invitation expired on ${invite.expiresAt.toUTCString()}. ${ask}`;
  return null;
}

const UNKNOWN_LINK =
  "This invitation link is not valid: it may be mistyped or cut short, or it was replaced by a newer invitation. Open the link from the latest invitation, or ask an admin for a new one.";

export type InviteDescription =
  | { ok: false; message: string }
  | { ok: true; workspaceName: string; email: string; role: Role; invitedBy: string | null; expiresAt: string; userExists: boolean };

/** What the invitation page shows for `token`: the invitation, or why the link does not work. */
export async function describeInvite(token: string): Promise<InviteDescription> {
  if (
    !z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .safeParse(token).success
  )
    return { ok: false, message: UNKNOWN_LINK };
  const db = getDb();
  const invite = await findInviteByTokenHash(db, hashInviteToken(token));
  if (!invite || !isRole(invite.role)) return { ok: false, message: UNKNOWN_LINK };
  const unusable = unusableMessage(invite);
  if (unusable) return { ok: false, message: unusable };
  const [labels, user] = await Promise.all([actorLabels(db, [invite.createdById]), findUserByEmail(db, invite.email)]);
  return {
    ok: true,
    workspaceName: invite.workspaceName,
    email: invite.email,
    role: invite.role,
    invitedBy: invite.createdById ? (labels.get(invite.createdById) ?? null) : null,
    expiresAt: iso(invite.expiresAt)!,
    userExists: user !== null,
  };
}

/** The `detour-workspace` cookie naming `workspaceId` (Secure when Detour is reached over HTTPS). */
export function workspaceCookie(request: Request, workspaceId: string): string {
  const origin = detourOrigins(request, getEnv().NEXTAUTH_URL)[0] ?? new URL(request.url).origin;
  const secure = origin.startsWith("https:");
  return `${WORKSPACE_COOKIE}=${encodeURIComponent(workspaceId)}; Path=/; Max-Age=${400 * 24 * 3600}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

export async function handleAcceptInvite(request: Request): Promise<Response> {
  let response: Response;
  try {
    response = await accept(request);
  } catch (err) {
    response = errorResponse(err, (e) =>
      logger.error(
        { err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) },
        "invitation accept error",
      ),
    );
  }
  response.headers.set("cache-control", "no-store");
  return response;
}

async function accept(request: Request): Promise<Response> {
  const env = getEnv();
  checkCookieWrite(request, env.NEXTAUTH_URL);
  const body = parseInput(acceptInviteSchema, await readJson(request, MAX_BODY_BYTES));
  const db = getDb();
  const tokenHash = hashInviteToken(body.token);
  const invite = await findInviteByTokenHash(db, tokenHash);
  if (!invite) throw new DetourError("not_found", UNKNOWN_LINK, { param: "token" });
  const unusable = unusableMessage(invite);
  if (unusable) throw new DetourError("conflict", unusable, { param: "token" });

  const identity = await getSessionIdentity();
  let result: Awaited<ReturnType<typeof acceptInvite>>;
  if (identity) {
    if (identity.email.toLowerCase() !== invite.email.toLowerCase())
      throw new DetourError(
        "forbidden",
        `This invitation is for ${invite.email}, and you are signed in as ${identity.email}. Sign out, then open the link again to accept it as ${invite.email}.`,
      );
    result = await acceptInvite(db, { tokenHash, userId: identity.id });
  } else {
    if (env.DETOUR_PASSWORD_SIGN_IN === "off")
      throw new DetourError(
        "forbidden",
        `Password accounts are turned off on this Detour; continue with ${env.oidc?.name ?? "single sign-on"} to accept the invitation.`,
      );
    if (await findUserByEmail(db, invite.email))
      throw new DetourError("conflict", `An account with ${invite.email} already exists: sign in to accept the invitation.`);
    const issues = [
      ...(body.name === undefined ? [{ path: "name", message: "Enter your name." }] : []),
      ...(body.password === undefined ? [{ path: "password", message: "Choose a password for your new account." }] : []),
    ];
    if (issues.length) throw new DetourError("bad_request", issues.map((i) => i.message).join(" "), { param: issues[0]!.path, issues });
    result = await acceptInvite(db, {
      tokenHash,
      newUser: { email: invite.email, name: body.name!, passwordHash: await hashPassword(body.password!) },
    });
  }
  if (!result.ok) {
    if (result.reason === "user_exists")
      throw new DetourError("conflict", `An account with ${invite.email} already exists: sign in to accept the invitation.`);
    // Used, revoked or expired between the first read and the claim (a concurrent accept won).
    const now = await findInviteByTokenHash(db, tokenHash);
    throw new DetourError("conflict", (now && unusableMessage(now)) ?? "This invitation was already used.", { param: "token" });
  }

  const address = clientAddress(request.headers, env.DETOUR_TRUST_PROXY);
  const email = identity?.email ?? invite.email;
  await writeAuditEvent(db, {
    workspaceId: invite.workspaceId,
    actorType: "user",
    actorId: result.userId,
    actorLabel: email,
    action: "invite.accept",
    targetType: "invite",
    targetId: invite.id,
    targetLabel: invite.email,
    address,
    userAgent: request.headers.get("user-agent"),
    after: { user_id: result.userId, role: invite.role, joined: result.joined, new_account: !identity },
  });
  logger.info({ user_id: result.userId, workspace_id: invite.workspaceId, address }, "invitation accepted");
  return Response.json(
    { workspace_id: invite.workspaceId, workspace_name: invite.workspaceName, email, signed_in: identity !== null },
    { headers: { "set-cookie": workspaceCookie(request, invite.workspaceId) } },
  );
}
