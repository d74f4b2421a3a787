/**
 * Sign-ins, failed sign-ins and sign-outs in the audit trail (docs/MANAGEMENT-API.md, audit): who,
 * when, from which address and browser. A sign-in is recorded in every workspace the user belongs
 * to (a newcomer with no workspace yet: in those whose invitation is pending); a failed one in the
 * workspaces of the user the email belongs to, or in the default workspace when no user has it, with
 * the attempted email as the actor (never the password) and the reason in `after`.
 *
 * The writes run off the sign-in's answer (auditInBackground): a failure for an unknown email and
 * one for a wrong password take the same time whatever the audit has to look up, and a slow
 * database does not hold the throttle's delay open. A write that fails is logged, never thrown.
 */
import type { Db } from "../db";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";
import { findUserIdByEmail, listSignInWorkspaceIds } from "../store/users";
import { ensureDefaultWorkspace } from "../store/workspaces";
import { writeAuditEvent } from "../audit/record";
import { clientAddress } from "./client-address";

export type SignInMethod = "password" | "oidc";

export type SignInFailureReason =
  | "wrong_password"
  | "unknown_user"
  | "no_password"
  | "no_workspace"
  | "locked"
  | "unavailable"
  | "no_email"
  | "email_not_verified"
  | "domain_not_allowed"
  | "no_invitation"
  | "account_linked_elsewhere";

/** Where a request comes from, as the audit records it. */
export type RequestOrigin = { address: string; userAgent: string | null };

type HeaderBag = Headers | Record<string, string | string[] | undefined> | undefined;

export function requestOrigin(headers: HeaderBag): RequestOrigin {
  const ua = headers instanceof Headers ? headers.get("user-agent") : headers?.["user-agent"];
  return {
    address: clientAddress(headers, getEnv().DETOUR_TRUST_PROXY),
    userAgent: (Array.isArray(ua) ? ua.join(" ") : ua) || null,
  };
}

/** Runs an audit write without making the caller wait for it; an error is logged. */
export function auditInBackground(write: Promise<void>): void {
  write.catch((err) => logger.error({ err: errorDetail(err) }, "sign-in audit event could not be written"));
}

export async function auditSignIn(
  db: Db,
  input: { userId: string; email: string; method: SignInMethod; origin: RequestOrigin; newUser?: boolean },
): Promise<void> {
  await auditUserEvent(db, "auth.sign_in", input, { method: input.method, ...(input.newUser ? { new_user: true } : {}) });
}

/**
 * A refused sign-in. `userId`: the user the email belongs to when the caller knows it (null: no
 * one; undefined: look it up).
 */
export async function auditSignInFailure(
  db: Db,
  input: { email: string; userId?: string | null; method: SignInMethod; reason: SignInFailureReason; origin: RequestOrigin },
): Promise<void> {
  const email = input.email.trim().toLowerCase();
  const userId = input.userId === undefined ? await findUserIdByEmail(db, email) : input.userId;
  let workspaces = await listSignInWorkspaceIds(db, { userId, email });
  if (workspaces.length === 0) workspaces = [(await ensureDefaultWorkspace(db)).id];
  await Promise.all(
    workspaces.map((workspaceId) =>
      writeAuditEvent(db, {
        workspaceId,
        actorType: "anonymous",
        actorLabel: email || "(no email)",
        action: "auth.sign_in_failed",
        targetType: userId ? "user" : null,
        targetId: userId,
        targetLabel: userId ? email : null,
        address: input.origin.address,
        userAgent: input.origin.userAgent,
        after: { method: input.method, reason: input.reason },
      }),
    ),
  );
}

export async function auditSignOut(db: Db, input: { userId: string; email: string | null; origin: RequestOrigin }): Promise<void> {
  await auditUserEvent(db, "auth.sign_out", input, undefined);
}

/** An event of a signed-in user about themselves, in each workspace their sign-ins are recorded in. */
async function auditUserEvent(
  db: Db,
  action: string,
  input: { userId: string; email: string | null; origin: RequestOrigin },
  after: Record<string, unknown> | undefined,
): Promise<void> {
  const workspaces = await listSignInWorkspaceIds(db, { userId: input.userId, email: input.email ?? "" });
  await Promise.all(
    workspaces.map((workspaceId) =>
      writeAuditEvent(db, {
        workspaceId,
        actorType: "user",
        actorId: input.userId,
        actorLabel: input.email,
        action,
        targetType: "user",
        targetId: input.userId,
        targetLabel: input.email,
        address: input.origin.address,
        userAgent: input.origin.userAgent,
        after,
      }),
    ),
  );
}
