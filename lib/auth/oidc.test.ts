/** The single sign-on rules (lib/auth/oidc.ts): who gets in, as whom, and why not. */
import { describe, expect, it } from "vitest";
import {
  decideSsoSignIn,
  emailDomain,
  identityFromClaims,
  isDomainAllowed,
  oidcProvider,
  type KnownUser,
  type SsoFacts,
  type SsoIdentity,
  type SsoPolicy,
} from "./oidc";

const ISSUER = "https://login.corp.example";
const identity = (over: Partial<SsoIdentity> = {}): SsoIdentity => ({
  subject: `${ISSUER}|abc`,
  email: "alice@corp.example",
  emailVerified: true,
  name: "Alice",
  ...over,
});
const none: SsoFacts = { bySubject: null, byEmail: null, pendingInvite: false };
const open: SsoPolicy = { allowedDomains: null, defaultRole: "viewer" };
const user = (over: Partial<KnownUser> = {}): KnownUser => ({ id: "u1", oidcSubject: null, memberships: 1, ...over });

describe("email domains", () => {
  it("takes the part after the last @, lower-cased", () => {
    expect(emailDomain("Alice@Corp.Example")).toBe("corp.example");
    expect(emailDomain('"a@b"@corp.example')).toBe("corp.example");
    expect(emailDomain("alice")).toBeNull();
    expect(emailDomain("@corp.example")).toBeNull();
    expect(emailDomain("alice@")).toBeNull();
  });
  it("matches the allow-list exactly: no list allows every domain, a subdomain or a look-alike is another domain", () => {
    expect(isDomainAllowed("a@anything.example", null)).toBe(true);
    const list = ["corp.example", "corp.co.uk"];
    expect(isDomainAllowed("a@CORP.example", list)).toBe(true);
    expect(isDomainAllowed("a@corp.co.uk", list)).toBe(true);
    expect(isDomainAllowed("a@eu.corp.example", list)).toBe(false);
    expect(isDomainAllowed("a@evilcorp.example", list)).toBe(false);
    expect(isDomainAllowed("a@corp.example.evil.example", list)).toBe(false);
    expect(isDomainAllowed("corp.example", list)).toBe(false);
  });
});

describe("decideSsoSignIn", () => {
  it("creates a newcomer with the default role", () => {
    expect(decideSsoSignIn(identity(), none, open)).toEqual({ outcome: "create", role: "viewer" });
    expect(decideSsoSignIn(identity(), none, { ...open, defaultRole: "admin" })).toEqual({ outcome: "create", role: "admin" });
  });

  it("needs an email, and refuses one the IdP says is unverified", () => {
    expect(decideSsoSignIn(identity({ email: null }), none, open)).toEqual({ outcome: "refuse", reason: "no_email" });
    expect(decideSsoSignIn(identity({ email: "  " }), none, open)).toEqual({ outcome: "refuse", reason: "no_email" });
    expect(decideSsoSignIn(identity({ email: "alice" }), none, open)).toEqual({ outcome: "refuse", reason: "no_email" });
    expect(decideSsoSignIn(identity({ emailVerified: false }), none, open)).toEqual({ outcome: "refuse", reason: "email_not_verified" });
    // No claim at all is not "unverified": a newcomer still gets in (nothing to take over).
    expect(decideSsoSignIn(identity({ emailVerified: null }), none, open)).toEqual({ outcome: "create", role: "viewer" });
  });

  it("refuses a domain off the allow-list, for existing users too", () => {
    const policy = { ...open, allowedDomains: ["corp.example"] };
    expect(decideSsoSignIn(identity(), none, policy)).toEqual({ outcome: "create", role: "viewer" });
    const mallory = identity({ email: "mallory@evil.example" });
    expect(decideSsoSignIn(mallory, none, policy)).toEqual({ outcome: "refuse", reason: "domain_not_allowed" });
    const known = { ...none, bySubject: user({ oidcSubject: mallory.subject }) };
    expect(decideSsoSignIn(mallory, known, policy)).toEqual({ outcome: "refuse", reason: "domain_not_allowed" });
    // The allow-list is checked before anything else is looked at, invitations included.
    expect(decideSsoSignIn(mallory, { ...none, pendingInvite: true }, { ...policy, defaultRole: "none" })).toEqual({
      outcome: "refuse",
      reason: "domain_not_allowed",
    });
  });

  it("signs in the user who used this identity before", () => {
    const facts = { ...none, bySubject: user({ oidcSubject: identity().subject }) };
    expect(decideSsoSignIn(identity(), facts, open)).toEqual({ outcome: "sign_in", userId: "u1" });
    // Their email at the IdP may have changed; the identity is what counts.
    expect(decideSsoSignIn(identity({ email: "alice.smith@corp.example" }), facts, open)).toEqual({ outcome: "sign_in", userId: "u1" });
    // A returning user's email need not carry email_verified: nothing is being linked.
    expect(decideSsoSignIn(identity({ emailVerified: null }), facts, open)).toEqual({ outcome: "sign_in", userId: "u1" });
  });

  it("links the user with the same email only when the IdP says it is verified", () => {
    const facts = { ...none, byEmail: user({ id: "pw-user" }) };
    expect(decideSsoSignIn(identity(), facts, open)).toEqual({ outcome: "link", userId: "pw-user" });
    expect(decideSsoSignIn(identity({ emailVerified: null }), facts, open)).toEqual({ outcome: "refuse", reason: "email_not_verified" });
  });

  it("never moves a user linked to another identity", () => {
    const facts = { ...none, byEmail: user({ oidcSubject: `${ISSUER}|someone-else` }) };
    expect(decideSsoSignIn(identity(), facts, open)).toEqual({ outcome: "refuse", reason: "account_linked_elsewhere" });
  });

  it("a newcomer with a pending invitation gets no default membership: the invitation's workspace and role decide", () => {
    expect(decideSsoSignIn(identity(), { ...none, pendingInvite: true }, open)).toEqual({ outcome: "create", role: null });
    expect(decideSsoSignIn(identity(), none, open)).toEqual({ outcome: "create", role: open.defaultRole });
  });

  it("with default role none, lets in only newcomers with a pending invitation (no membership yet)", () => {
    const policy: SsoPolicy = { ...open, defaultRole: "none" };
    expect(decideSsoSignIn(identity(), none, policy)).toEqual({ outcome: "refuse", reason: "no_invitation" });
    expect(decideSsoSignIn(identity(), { ...none, pendingInvite: true }, policy)).toEqual({ outcome: "create", role: null });
  });

  it("refuses an existing user who belongs to no workspace unless an invitation is pending", () => {
    const facts = { ...none, bySubject: user({ oidcSubject: identity().subject, memberships: 0 }) };
    // The default role is for newcomers: it does not undo an admin's removal.
    expect(decideSsoSignIn(identity(), facts, open)).toEqual({ outcome: "refuse", reason: "no_invitation" });
    expect(decideSsoSignIn(identity(), { ...facts, pendingInvite: true }, open)).toEqual({ outcome: "sign_in", userId: "u1" });
    const byEmail = { ...none, byEmail: user({ memberships: 0 }) };
    expect(decideSsoSignIn(identity(), byEmail, open)).toEqual({ outcome: "refuse", reason: "no_invitation" });
    expect(decideSsoSignIn(identity(), { ...byEmail, pendingInvite: true }, open)).toEqual({ outcome: "link", userId: "u1" });
  });
});

describe("identityFromClaims", () => {
  it("keys the subject by issuer and normalises the email and email_verified", () => {
    expect(identityFromClaims(ISSUER, { sub: "abc", email: " Alice@Corp.Example ", email_verified: "true", name: " Alice " })).toEqual({
      subject: `${ISSUER}|abc`,
      email: "alice@corp.example",
      emailVerified: true,
      name: "Alice",
    });
    expect(identityFromClaims(ISSUER, { sub: 7, email_verified: "false" })).toEqual({
      subject: `${ISSUER}|7`,
      email: null,
      emailVerified: false,
      name: null,
    });
    expect(identityFromClaims(ISSUER, { sub: "x", email: 42, email_verified: "yes" }).emailVerified).toBeNull();
  });
});

describe("oidcProvider", () => {
  it("is an OpenID Connect code flow with PKCE, state and nonce, discovered from the issuer", () => {
    const p = oidcProvider({ issuer: ISSUER, clientId: "detour", clientSecret: "s", name: "Okta", allowedDomains: null });
    expect(p).toMatchObject({
      id: "oidc",
      name: "Okta",
      type: "oauth",
      wellKnown: `${ISSUER}/.well-known/openid-configuration`,
      clientId: "detour",
      clientSecret: "s",
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: "openid email profile" } },
    });
  });
});
