/**
 * Carries out an SSO sign-in (next-auth's signIn callback for the "oidc" provider): reads what
 * Detour knows about the identity, asks decideSsoSignIn (lib/auth/oidc.ts), then signs the user in,
 * links the identity to the user with the same verified email, or creates the user (with a
 * membership of the default workspace in DETOUR_OIDC_DEFAULT_ROLE, or none when they come to
 * accept an invitation). Every outcome lands in the audit trail.
 */
import type { Db } from "../db";
import { isUniqueViolation } from "../db/conflict";
import type { Env, OidcEnv } from "../env";
import { logger } from "../logger";
import { createSsoUser, findUsersForSso, hasPendingInvite, linkOidcSubject, recordSignIn as recordLastLogin } from "../store/users";
import { ensureDefaultWorkspace } from "../store/workspaces";
import { decideSsoSignIn, identityFromClaims, type OidcClaims, type SsoRefusal } from "./oidc";
import { auditInBackground, auditSignIn, auditSignInFailure, type RequestOrigin } from "./sign-in-audit";

export type SsoUser = { id: string; email: string; name: string; sessionVersion: number };

export type SsoSignInResult = { ok: true; user: SsoUser; created: boolean } | { ok: false; reason: SsoRefusal };

export async function signInWithSso(
  db: Db,
  env: Pick<Env, "DETOUR_OIDC_DEFAULT_ROLE"> & { oidc: OidcEnv },
  claims: OidcClaims,
  origin: RequestOrigin,
): Promise<SsoSignInResult> {
  const identity = identityFromClaims(env.oidc.issuer, claims);
  const policy = { allowedDomains: env.oidc.allowedDomains, defaultRole: env.DETOUR_OIDC_DEFAULT_ROLE };
  // A concurrent first sign-in of the same person may create or link them between our read and
  // our write: read again and decide again (the second time they are known).
  for (let attempt = 1; ; attempt++) {
    const email = identity.email ?? "";
    const [{ bySubject, byEmail }, pendingInvite] = email
      ? await Promise.all([findUsersForSso(db, { subject: identity.subject, email }), hasPendingInvite(db, email)])
      : [{ bySubject: null, byEmail: null }, false];
    const decision = decideSsoSignIn(identity, { bySubject, byEmail, pendingInvite }, policy);
    const log = { subject: identity.subject, email_domain: email.split("@").pop() ?? null, address: origin.address };

    if (decision.outcome === "refuse") {
      logger.info({ ...log, reason: decision.reason }, "single sign-on refused");
      auditInBackground(
        auditSignInFailure(db, { email, userId: (bySubject ?? byEmail)?.id ?? null, method: "oidc", reason: decision.reason, origin }),
      );
      return { ok: false, reason: decision.reason };
    }

    try {
      let user: SsoUser;
      let created = false;
      if (decision.outcome === "create") {
        const workspaceId = decision.role ? (await ensureDefaultWorkspace(db)).id : null;
        const u = await createSsoUser(db, { email, name: identity.name, subject: identity.subject, workspaceId, role: decision.role });
        user = { id: u.id, email: u.email, name: u.name ?? u.email, sessionVersion: u.sessionVersion };
        created = true;
        logger.info({ ...log, user_id: u.id, role: decision.role }, "single sign-on created a user");
      } else {
        const known = (decision.outcome === "sign_in" ? bySubject : byEmail)!;
        if (decision.outcome === "link") {
          if (!(await linkOidcSubject(db, known.id, identity.subject))) throw new RaceLost();
          logger.info({ ...log, user_id: known.id }, "single sign-on linked to the user with the same verified email");
        }
        await recordLastLogin(db, known.id);
        user = { id: known.id, email: known.email, name: known.name ?? known.email, sessionVersion: known.sessionVersion };
      }
      logger.info({ user_id: user.id, address: origin.address }, "signed in (single sign-on)");
      auditInBackground(auditSignIn(db, { userId: user.id, email: user.email, method: "oidc", origin, newUser: created }));
      return { ok: true, user, created };
    } catch (err) {
      if ((err instanceof RaceLost || isUniqueViolation(err)) && attempt < 3) continue;
      throw err;
    }
  }
}

class RaceLost extends Error {}
