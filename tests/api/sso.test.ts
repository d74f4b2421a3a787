/**
 * Single sign-on over real HTTP: the production build (startHarness) against a real OpenID Connect
 * provider (testing/oidc-provider.ts), the authorization-code flow driven with plain fetch: next-auth's
 * sign-in POST, the provider's redirects and its development login and consent forms, the callback.
 * Two Detours: passwords on with a corp.example allow-list and the viewer default role; passwords
 * off with the "none" default role (invitations only).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/crypto";
import { createUserInWorkspace } from "@/lib/store/users";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { attemptSignIn, cookieHeader, cookiesOf, type Jar, signOut } from "../../testing/auth-client";
import { startOidcProvider, type TestOidcProvider } from "../../testing/oidc-provider";
import { freePort } from "../../testing/server-process";

const CLIENT = { id: "detour-api-tests", secret: "detour-api-tests-client-secret" };

type SsoAnswer = { location: string; error: string | null; jar: Jar; session: string | null };

/**
 * One SSO sign-in of `login` (the provider's account: its email) from Detour's sign-in POST to the
 * callback's answer. Cookies are kept per origin, as a browser would.
 */
async function ssoSignIn(h: Harness, login: string): Promise<SsoAnswer> {
  const csrfRes = await fetch(`${h.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  let detour: Jar = cookiesOf(csrfRes.headers);
  const start = await fetch(`${h.url}/api/auth/signin/oidc`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(detour) },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/", json: "true" }).toString(),
  });
  detour = { ...detour, ...cookiesOf(start.headers) };
  let url = ((await start.json()) as { url: string }).url;
  const idpJar: Jar = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(h.url) && !url.startsWith(`${h.url}/api/auth/signin`)) {
      // Back at Detour: the callback (or an error page next-auth sent us to).
      const res = await fetch(url, { redirect: "manual", headers: { cookie: cookieHeader(detour) } });
      detour = { ...detour, ...cookiesOf(res.headers) };
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location && new URL(location, url).pathname.startsWith("/api/auth/")) {
        url = new URL(location, url).href;
        continue;
      }
      const final = location ? new URL(location, url) : new URL(url);
      const session = Object.entries(detour).find(([n]) => n.includes("session-token"))?.[1] || null;
      return { location: final.pathname + final.search, error: final.searchParams.get("error"), jar: detour, session };
    }
    const res = await fetch(url, { redirect: "manual", headers: { cookie: cookieHeader(idpJar) } });
    Object.assign(idpJar, cookiesOf(res.headers));
    const location = res.headers.get("location");
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    // The provider's development interaction: a login form, then a consent form.
    const html = await res.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    const prompt = html.match(/name="prompt" value="([a-z]+)"/)?.[1];
    if (res.status !== 200 || !action || !prompt)
      throw new Error(`unexpected provider page ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const body: Record<string, string> = prompt === "login" ? { prompt, login, password: "any-password" } : { prompt };
    const submit = await fetch(new URL(action.replaceAll("&amp;", "&"), url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(idpJar) },
      body: new URLSearchParams(body).toString(),
    });
    Object.assign(idpJar, cookiesOf(submit.headers));
    url = new URL(submit.headers.get("location")!, url).href;
  }
  throw new Error("too many redirects");
}

const apiStatus = (h: Harness, jar: Jar, path = "/workspace") =>
  fetch(`${h.baseURL}${path}`, { headers: { cookie: cookieHeader(jar) } }).then((r) => r.status);

/** Polls for the audit rows of an action (written off the sign-in's answer). */
async function auditRows(h: Harness, actorLabel: string, action: string, count = 1) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await h.db.auditEvent.findMany({ where: { actorLabel, action }, orderBy: { at: "asc" } });
    if (rows.length >= count || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("single sign-on (OpenID Connect)", () => {
  let idp: TestOidcProvider;
  let open: Harness;
  let closed: Harness;

  beforeAll(async () => {
    const [idpPort, openPort, closedPort] = [await freePort(), await freePort(), await freePort()];
    idp = await startOidcProvider({
      port: idpPort,
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      redirectUris: [openPort, closedPort].map((p) => `http://127.0.0.1:${p}/api/auth/callback/oidc`),
      accounts: { "carol@corp.example": { email_verified: "omit" } },
    });
    const sso = { DETOUR_OIDC_ISSUER: idp.issuer, DETOUR_OIDC_CLIENT_ID: CLIENT.id, DETOUR_OIDC_CLIENT_SECRET: CLIENT.secret };
    [open, closed] = await Promise.all([
      startHarness({ ...sso, DETOUR_OIDC_ALLOWED_DOMAINS: "corp.example", DETOUR_OIDC_DEFAULT_ROLE: "viewer" }, { port: openPort }),
      startHarness(
        { ...sso, DETOUR_OIDC_DEFAULT_ROLE: "none", DETOUR_PASSWORD_SIGN_IN: "off", DETOUR_OIDC_NAME: "Okta" },
        { port: closedPort },
      ),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([open?.close(), closed?.close()]);
    await idp?.close();
  });

  describe("passwords on, corp.example only, newcomers are viewers", () => {
    it("a newcomer from an allowed domain gets a viewer membership of the default workspace and a working session", async () => {
      const a = await ssoSignIn(open, "alice@corp.example");
      expect(a.error).toBeNull();
      expect(a.location).toBe("/");
      expect(a.session).toBeTruthy();
      expect(await apiStatus(open, a.jar)).toBe(200);

      const user = await open.db.user.findUniqueOrThrow({ where: { email: "alice@corp.example" }, include: { memberships: true } });
      expect(user).toMatchObject({ passwordHash: "", name: "Alice", oidcSubject: `${idp.issuer}|alice@corp.example` });
      expect(user.lastLoginAt).toBeInstanceOf(Date);
      expect(user.memberships).toEqual([expect.objectContaining({ workspaceId: open.workspaceId, role: "viewer" })]);

      const [event] = await auditRows(open, "alice@corp.example", "auth.sign_in");
      expect(event).toMatchObject({ workspaceId: open.workspaceId, actorType: "user", actorId: user.id, address: "127.0.0.1" });
      expect(JSON.parse(event!.after!)).toEqual({ method: "oidc", new_user: true });

      // The same identity again is the same user (no second account, no second membership).
      const again = await ssoSignIn(open, "alice@corp.example");
      expect(again.session).toBeTruthy();
      expect(await open.db.user.count({ where: { email: "alice@corp.example" } })).toBe(1);
      expect(await open.db.workspaceMember.count({ where: { userId: user.id } })).toBe(1);
    });

    it("an SSO session ends on sign-out like a password one (a copied cookie stops working)", async () => {
      const a = await ssoSignIn(open, "dave@corp.example");
      const copy = { ...a.jar };
      expect(await apiStatus(open, copy)).toBe(200);
      await signOut(open, a.jar);
      expect(await apiStatus(open, copy)).toBe(401);
      const [event] = await auditRows(open, "dave@corp.example", "auth.sign_out");
      expect(event).toMatchObject({ workspaceId: open.workspaceId, actorType: "user", address: "127.0.0.1" });
    });

    it("refuses a domain off the allow-list, creates nothing, and records the attempt in the default workspace", async () => {
      const a = await ssoSignIn(open, "mallory@evil.example");
      expect(a.location).toBe("/login?error=sso_domain_not_allowed");
      expect(a.session).toBeNull();
      expect(await open.db.user.count({ where: { email: "mallory@evil.example" } })).toBe(0);
      const [event] = await auditRows(open, "mallory@evil.example", "auth.sign_in_failed");
      expect(event).toMatchObject({ workspaceId: open.workspaceId, actorType: "anonymous", actorId: null, address: "127.0.0.1" });
      expect(JSON.parse(event!.after!)).toEqual({ method: "oidc", reason: "domain_not_allowed" });
      // The login page says why.
      const page = await fetch(`${open.url}${a.location}`).then((r) => r.text());
      expect(page).toContain("accounts from your email domain may not sign in to Detour");
    });

    it("links a password user by verified email, keeping their role and their password", async () => {
      const bob = await createUserInWorkspace(open.db, {
        email: "bob@corp.example",
        passwordHash: await hashPassword("bob-password-123"),
        workspaceId: open.workspaceId,
        role: "admin",
      });
      const a = await ssoSignIn(open, "bob@corp.example");
      expect(a.session).toBeTruthy();
      const after = await open.db.user.findUniqueOrThrow({ where: { id: bob.id }, include: { memberships: true } });
      expect(after.oidcSubject).toBe(`${idp.issuer}|bob@corp.example`);
      expect(after.memberships.map((m) => m.role)).toEqual(["admin"]);
      expect((await attemptSignIn(open, "bob@corp.example", "bob-password-123")).session).toBeTruthy();
    });

    it("does not link an existing account when the provider does not say the email is verified", async () => {
      await createUserInWorkspace(open.db, {
        email: "carol@corp.example",
        passwordHash: await hashPassword("carol-password-123"),
        workspaceId: open.workspaceId,
      });
      const a = await ssoSignIn(open, "carol@corp.example");
      expect(a.location).toBe("/login?error=sso_email_not_verified");
      expect(a.session).toBeNull();
      expect((await open.db.user.findUniqueOrThrow({ where: { email: "carol@corp.example" } })).oidcSubject).toBeNull();
      const [event] = await auditRows(open, "carol@corp.example", "auth.sign_in_failed");
      expect(JSON.parse(event!.after!)).toEqual({ method: "oidc", reason: "email_not_verified" });
      expect(event!.targetType).toBe("user");
    });

    it("a password user cannot sign in as an SSO-only user (no password)", async () => {
      const a = await attemptSignIn(open, "alice@corp.example", "");
      expect(a.session).toBeNull();
      const b = await attemptSignIn(open, "alice@corp.example", "anything-at-all");
      expect(b.session).toBeNull();
      expect(b.error).toBe("CredentialsSignin");
      const rows = await auditRows(open, "alice@corp.example", "auth.sign_in_failed");
      expect(rows.map((r) => JSON.parse(r.after!).reason)).toContain("no_password");
    });

    it("the sign-in page shows the SSO button and the password form", async () => {
      const html = await fetch(`${open.url}/login`).then((r) => r.text());
      expect(html).toContain("Sign in with SSO");
      expect(html).toContain('type="password"');
      expect(html).not.toContain(CLIENT.secret);
    });
  });

  describe("passwords off, invitations only", () => {
    it("has no credentials provider: a password sign-in is refused before any password is checked", async () => {
      const providers = (await fetch(`${closed.url}/api/auth/providers`).then((r) => r.json())) as Record<string, unknown>;
      expect(Object.keys(providers)).toEqual(["oidc"]);
      const a = await attemptSignIn(closed, "admin@detour.local", "gateway-tests-pw");
      expect(a.status).toBe(400);
      expect(a.session).toBeNull();
      const html = await fetch(`${closed.url}/login`).then((r) => r.text());
      expect(html).toContain("Sign in with Okta");
      expect(html).not.toContain('type="password"');
    });

    it("refuses a newcomer without an invitation", async () => {
      const a = await ssoSignIn(closed, "erin@anywhere.example");
      expect(a.location).toBe("/login?error=sso_no_invitation");
      expect(a.session).toBeNull();
      expect(await closed.db.user.count({ where: { email: "erin@anywhere.example" } })).toBe(0);
      const [event] = await auditRows(closed, "erin@anywhere.example", "auth.sign_in_failed");
      expect(JSON.parse(event!.after!)).toEqual({ method: "oidc", reason: "no_invitation" });
      const page = await fetch(`${closed.url}${a.location}`).then((r) => r.text());
      expect(page).toContain("Ask an admin for an invitation");
    });

    it("lets an invited newcomer in with no membership yet (they accept the invitation on its page)", async () => {
      await closed.db.invite.create({
        data: {
          workspaceId: closed.workspaceId,
          email: "frank@anywhere.example",
          role: "member",
          tokenHash: randomBytes(32).toString("hex"),
          expiresAt: new Date(Date.now() + 86_400_000),
        },
      });
      const a = await ssoSignIn(closed, "frank@anywhere.example");
      expect(a.error).toBeNull();
      expect(a.session).toBeTruthy();
      const user = await closed.db.user.findUniqueOrThrow({ where: { email: "frank@anywhere.example" }, include: { memberships: true } });
      expect(user.memberships).toEqual([]);
      // Signed in (next-auth's session), but no workspace to act in until the invitation is accepted.
      const session = (await fetch(`${closed.url}/api/auth/session`, { headers: { cookie: cookieHeader(a.jar) } }).then((r) =>
        r.json(),
      )) as { user?: { id?: string; email?: string } };
      expect(session.user).toMatchObject({ id: user.id, email: "frank@anywhere.example" });
      expect(await apiStatus(closed, a.jar)).toBe(401);
      // The sign-in is recorded where the invitation comes from.
      const [event] = await auditRows(closed, "frank@anywhere.example", "auth.sign_in");
      expect(event).toMatchObject({ workspaceId: closed.workspaceId, actorId: user.id });
    });

    it("an expired or revoked invitation does not count", async () => {
      await closed.db.invite.createMany({
        data: [
          {
            workspaceId: closed.workspaceId,
            email: "gina@anywhere.example",
            role: "member",
            tokenHash: randomBytes(32).toString("hex"),
            expiresAt: new Date(Date.now() - 1000),
          },
          {
            workspaceId: closed.workspaceId,
            email: "gina@anywhere.example",
            role: "member",
            tokenHash: randomBytes(32).toString("hex"),
            expiresAt: new Date(Date.now() + 86_400_000),
            revokedAt: new Date(),
          },
        ],
      });
      const a = await ssoSignIn(closed, "gina@anywhere.example");
      expect(a.location).toBe("/login?error=sso_no_invitation");
    });
  });
});

describe("single sign-on with the identity provider down", () => {
  let h: Harness;
  beforeAll(async () => {
    // A port nothing listens on.
    const issuer = `http://127.0.0.1:${await freePort()}`;
    h = await startHarness({ DETOUR_OIDC_ISSUER: issuer, DETOUR_OIDC_CLIENT_ID: CLIENT.id, DETOUR_OIDC_CLIENT_SECRET: CLIENT.secret });
  }, 120_000);
  afterAll(async () => h?.close());

  it("sends the browser back to the sign-in page saying the provider could not be reached; passwords still work", async () => {
    const csrfRes = await fetch(`${h.url}/api/auth/csrf`);
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const start = await fetch(`${h.url}/api/auth/signin/oidc`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(cookiesOf(csrfRes.headers)) },
      body: new URLSearchParams({ csrfToken, callbackUrl: "/", json: "true" }).toString(),
    });
    const { url } = (await start.json()) as { url: string };
    expect(new URL(url).searchParams.get("error")).toBe("OAuthSignin");
    // next-auth's error route sends it on to /login with the code.
    let location = url;
    for (let i = 0; i < 5 && new URL(location, h.url).pathname.startsWith("/api/auth/"); i++) {
      const res = await fetch(new URL(location, h.url), { redirect: "manual" });
      location = res.headers.get("location") ?? "";
    }
    const target = new URL(location, h.url);
    expect(target.pathname).toBe("/login");
    expect(target.searchParams.get("error")).toBe("OAuthSignin");
    const page = await fetch(target).then((r) => r.text());
    expect(page).toContain("The single sign-on provider could not be reached");
    expect((await attemptSignIn(h, "admin@detour.local", "gateway-tests-pw")).session).toBeTruthy();
  });
});
