/**
 * Single sign-on through OpenID Connect (docs/SECURITY.md, "Single sign-on"): the next-auth
 * provider built from DETOUR_OIDC_* (lib/env.ts), and the rules that decide, from what the identity
 * provider says and what Detour already knows, whether an SSO sign-in gets in and as whom. The rules
 * are one pure function (decideSsoSignIn) so every branch is unit-tested; lib/auth/sso-sign-in.ts
 * reads the database for it and carries the decision out.
 */
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { TokenSet } from "openid-client";
import type { OidcEnv } from "../env";

/** next-auth's id of the provider: the callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

export type DefaultRole = "none" | "viewer" | "member" | "admin";

/** What the identity provider says about the person signing in (ID token claims merged with userinfo). */
export type SsoIdentity = {
  /** `<issuer>|<sub>`: what User.oidcSubject holds. */
  subject: string;
  email: string | null;
  /** The IdP's email_verified claim: null when it did not send one. */
  emailVerified: boolean | null;
  name: string | null;
};

/** A user Detour already has, as the decision needs it. */
export type KnownUser = { id: string; oidcSubject: string | null; memberships: number };

export type SsoFacts = {
  /** The user whose oidcSubject is the identity's subject. */
  bySubject: KnownUser | null;
  /** The user with the identity's email (may be the same as bySubject). */
  byEmail: KnownUser | null;
  /** Whether an invitation for the email is pending (not accepted, revoked or expired). */
  pendingInvite: boolean;
};

export type SsoPolicy = { allowedDomains: readonly string[] | null; defaultRole: DefaultRole };

/** Why an SSO sign-in was refused: the audit's `reason` and, prefixed `sso_`, the login page's `error`. */
export type SsoRefusal = "no_email" | "email_not_verified" | "domain_not_allowed" | "no_invitation" | "account_linked_elsewhere";

export type SsoDecision =
  | { outcome: "refuse"; reason: SsoRefusal }
  /** A user who signed in with this identity before. */
  | { outcome: "sign_in"; userId: string }
  /** A user with the same (verified) email: record the identity on them, then sign in. */
  | { outcome: "link"; userId: string }
  /** A new user; `role` null: no membership yet (they accept their pending invitation). */
  | { outcome: "create"; role: Exclude<DefaultRole, "none"> | null };

/** The part of an email after the last "@", lower-cased; null when there is none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return null;
  return email.slice(at + 1).toLowerCase();
}

/** An exact match against the allow-list (a subdomain is a different domain); no list: any domain. */
export function isDomainAllowed(email: string, allowedDomains: readonly string[] | null): boolean {
  if (!allowedDomains) return true;
  const domain = emailDomain(email);
  return domain !== null && allowedDomains.includes(domain);
}

/**
 * The rules, in order:
 * 1. the IdP must give an email, and must not say it is unverified;
 * 2. its domain must be on DETOUR_OIDC_ALLOWED_DOMAINS when that is set (this holds for users
 *    Detour already has too: removing a domain shuts its users out);
 * 3. a user who signed in with this identity before is that user;
 * 4. else a user with the same email is linked to the identity only when the IdP says the email is
 *    verified (an IdP that lets people type any email must not hand over an existing account), and
 *    only if they are not linked to another identity already;
 * 5. else a new user is created: with no membership when an invitation for the email is pending
 *    (they accept it on its page, with the role the admin chose), else in the default workspace
 *    with DETOUR_OIDC_DEFAULT_ROLE, else ("none") not at all;
 * 6. an existing user who belongs to no workspace gets in only with a pending invitation: the
 *    default role is for newcomers, it never undoes an admin's removal.
 */
export function decideSsoSignIn(identity: SsoIdentity, facts: SsoFacts, policy: SsoPolicy): SsoDecision {
  const email = identity.email?.trim();
  if (!email || emailDomain(email) === null) return refuse("no_email");
  if (identity.emailVerified === false) return refuse("email_not_verified");
  if (!isDomainAllowed(email, policy.allowedDomains)) return refuse("domain_not_allowed");

  const existing = facts.bySubject ?? facts.byEmail;
  if (existing) {
    const linked = existing.oidcSubject === identity.subject;
    if (!linked) {
      if (existing.oidcSubject !== null) return refuse("account_linked_elsewhere");
      if (identity.emailVerified !== true) return refuse("email_not_verified");
    }
    if (existing.memberships === 0 && !facts.pendingInvite) return refuse("no_invitation");
    return linked ? { outcome: "sign_in", userId: existing.id } : { outcome: "link", userId: existing.id };
  }
  // An invitation names the workspace and role an admin chose: it wins over the default role
  // (which would otherwise make them a member of the default workspace first, with another role).
  if (facts.pendingInvite) return { outcome: "create", role: null };
  if (policy.defaultRole !== "none") return { outcome: "create", role: policy.defaultRole };
  return refuse("no_invitation");
}

const refuse = (reason: SsoRefusal): SsoDecision => ({ outcome: "refuse", reason });

/** The login page's `?error=` for a refusal (next-auth passes a thrown error's message there). */
export const ssoErrorCode = (reason: SsoRefusal) => `sso_${reason}`;

/** The claims Detour reads from the IdP. */
export type OidcClaims = { sub?: unknown; email?: unknown; email_verified?: unknown; name?: unknown; preferred_username?: unknown };

/** The identity in a set of claims; `email_verified` may come as a string from some IdPs. */
export function identityFromClaims(issuer: string, claims: OidcClaims): SsoIdentity {
  const verified = claims.email_verified;
  return {
    subject: `${issuer}|${String(claims.sub ?? "")}`,
    email: typeof claims.email === "string" && claims.email.trim() ? claims.email.trim().toLowerCase() : null,
    emailVerified: verified === true || verified === "true" ? true : verified === false || verified === "false" ? false : null,
    name: typeof claims.name === "string" && claims.name.trim() ? claims.name.trim().slice(0, 200) : null,
  };
}

/**
 * The next-auth provider. The ID token is validated (signature, issuer, audience, nonce) and its
 * claims are merged with the userinfo endpoint's: most IdPs put email and name only in userinfo
 * for the code flow. PKCE, state and nonce are all checked.
 */
export function oidcProvider(oidc: OidcEnv): OAuthConfig<OidcClaims & Record<string, unknown>> {
  return {
    id: OIDC_PROVIDER_ID,
    name: oidc.name,
    type: "oauth",
    wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    authorization: { params: { scope: "openid email profile" } },
    userinfo: {
      async request({ tokens, client }) {
        // next-auth types it as plain parameters; it is openid-client's validated TokenSet.
        const set = tokens as unknown as TokenSet;
        const claims = set.claims();
        if (!client.issuer.metadata.userinfo_endpoint || !set.access_token) return claims;
        // openid-client checks that userinfo's `sub` is the ID token's.
        const info = await client.userinfo(set);
        return { ...claims, ...info };
      },
    },
    // next-auth needs an `id`; the real decision reads the raw claims (signIn callback, `profile`).
    profile(claims) {
      const sub = String(claims.sub ?? "");
      return {
        id: sub,
        email: typeof claims.email === "string" ? claims.email : null,
        name: typeof claims.name === "string" ? claims.name : null,
      };
    },
    httpOptions: { timeout: 10_000 },
  };
}
