/**
 * next-auth (v4): email + password against the users table (scrypt hashes), unless
 * DETOUR_PASSWORD_SIGN_IN=off, and single sign-on through OpenID Connect when DETOUR_OIDC_ISSUER is
 * set (lib/auth/oidc.ts, lib/auth/sso-sign-in.ts). The providers are read from the environment on
 * each request, never at build time. Sign-ins, failures and sign-outs go to the audit trail
 * (lib/auth/sign-in-audit.ts); both kinds of session carry the same claims. Sessions are JWTs
 * signed with NEXTAUTH_SECRET or the secret generated into the data directory, checked against the
 * database on every read (lib/auth/session-state.ts: sign-out and password changes end them).
 * Sign-in is throttled per account and per client address (lib/auth/sign-in-throttle.ts), and
 * every callback URL is reduced to a same-site path (lib/auth/callback-url.ts).
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { z } from "zod";
import { verifyPassword } from "../crypto";
import { getDb } from "../db";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";
import { getAuthSecret } from "../secrets";
import { getUserForSignIn, hasPendingInvite, recordSignIn } from "../store/users";
import { safeRedirect } from "./callback-url";
import { UNKNOWN_ADDRESS } from "./client-address";
import { OIDC_PROVIDER_ID, type OidcClaims, oidcProvider, ssoErrorCode } from "./oidc";
import { assertSessionActive, newSessionClaims, readSessionClaims, revokeSessionToken, SESSION_MAX_AGE_S } from "./session-state";
import {
  auditInBackground,
  auditSignIn,
  auditSignInFailure,
  auditSignOut,
  type RequestOrigin,
  requestOrigin,
  type SignInFailureReason,
} from "./sign-in-audit";
import { type AttemptResult, getSignInThrottle } from "./sign-in-throttle";
import { signInWithSso } from "./sso-sign-in";

// Without NEXTAUTH_URL, next-auth takes the origin from the request's Host header, so the same
// build works on any PORT and host name.
if (!process.env.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST ??= "true";

const credentialsSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

/** Thrown out of authorize(): next-auth hands its message to the sign-in page (`error`). */
export class SignInRefusedError extends Error {}

export const SIGN_IN_UNAVAILABLE = "Sign-in is unavailable right now. Try again in a moment.";
/** The login page's `?error=` when an SSO sign-in failed on Detour's side (the database, say). */
const SSO_UNAVAILABLE = "sso_unavailable";

type RequestLike = { headers?: Record<string, string | string[] | undefined> } | undefined;

type PasswordCheck =
  | { ok: true; user: NonNullable<Awaited<ReturnType<typeof getUserForSignIn>>> }
  | { ok: false; reason: SignInFailureReason; userId: string | null };

/** The user the password signs in to (they must belong to a workspace), or why not (for the audit, never for the answer). */
async function checkPassword(db: ReturnType<typeof getDb>, email: string, password: string): Promise<PasswordCheck> {
  const user = await getUserForSignIn(db, email);
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which emails exist.
  // A user with no password (signed up through single sign-on) cannot sign in with one.
  const ok = (await verifyPassword(password, user?.passwordHash || DUMMY_HASH)) && Boolean(user?.passwordHash);
  if (!user) return { ok: false, reason: "unknown_user", userId: null };
  if (!user.passwordHash) return { ok: false, reason: "no_password", userId: user.id };
  if (!ok) return { ok: false, reason: "wrong_password", userId: user.id };
  // Removed from every workspace: only a pending invitation lets them in (to accept it on its page).
  if (!user.memberships[0] && !(await hasPendingInvite(db, user.email))) return { ok: false, reason: "no_workspace", userId: user.id };
  return { ok: true, user };
}
type SignInMatch = Extract<PasswordCheck, { ok: true }>["user"];

export async function authorizeCredentials(raw: unknown, req?: RequestLike) {
  // Off: refused here too, should a stale provider list ever reach this (it is not registered).
  if (getEnv().DETOUR_PASSWORD_SIGN_IN === "off") return null;
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const origin = requestOrigin(req?.headers);
  const address = origin.address;
  const db = getDb();
  let result: AttemptResult<SignInMatch>;
  let miss: Extract<PasswordCheck, { ok: false }> | null = null;
  try {
    result = await getSignInThrottle().attempt({ email, address }, async () => {
      const check = await checkPassword(db, email, password);
      if (check.ok) return check.user;
      miss = check;
      return null;
    });
  } catch (err) {
    logger.error({ err: errorDetail(err), address }, "sign-in failed on an internal error");
    auditInBackground(auditSignInFailure(db, { email, method: "password", reason: "unavailable", origin }));
    throw new SignInRefusedError(SIGN_IN_UNAVAILABLE);
  }
  if (result.outcome === "locked") {
    auditInBackground(auditSignInFailure(db, { email, method: "password", reason: "locked", origin }));
    throw new SignInRefusedError(result.message);
  }
  if (result.outcome === "failure") {
    const m = miss as Extract<PasswordCheck, { ok: false }> | null;
    auditInBackground(
      auditSignInFailure(db, { email, userId: m?.userId ?? null, method: "password", reason: m?.reason ?? "wrong_password", origin }),
    );
    return null;
  }
  const user = result.user;
  await recordSignIn(db, user.id);
  logger.info({ user_id: user.id, address }, "signed in");
  auditInBackground(auditSignIn(db, { userId: user.id, email: user.email, method: "password", origin }));
  return {
    id: user.id,
    email: user.email,
    name: user.name ?? user.email,
    sessionVersion: user.sessionVersion,
  };
}

const DUMMY_HASH = `scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$${"A".repeat(86)}==`;

export const authOptions: NextAuthOptions = {
  secret: getAuthSecretLazy(),
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  // Refused sign-ins (next-auth's errors and lib/auth/oidc.ts's sso_* codes) come back to the form.
  pages: { signIn: "/login", error: "/login" },
  // Read by next-auth on every request (init), so the environment is read at run time only.
  get providers() {
    return signInProviders();
  },
  callbacks: {
    // Password sign-ins were decided in authorize(); an SSO sign-in is decided here, and `user`
    // (next-auth's object, handed on to jwt() below) becomes the Detour user it signs in as.
    async signIn({ user, account, profile }) {
      if (account?.provider !== OIDC_PROVIDER_ID) return true;
      const env = getEnv();
      if (!env.oidc) return false;
      const origin = await currentRequestOrigin();
      let result: Awaited<ReturnType<typeof signInWithSso>>;
      try {
        result = await signInWithSso(getDb(), { ...env, oidc: env.oidc }, (profile ?? {}) as OidcClaims, origin);
      } catch (err) {
        // next-auth would put the message in the URL: log it here, show a code there.
        logger.error({ err: errorDetail(err), address: origin.address }, "single sign-on failed on an internal error");
        throw new Error(SSO_UNAVAILABLE);
      }
      // next-auth sends the browser to /login?error=<message>.
      if (!result.ok) throw new Error(ssoErrorCode(result.reason));
      Object.assign(user, result.user);
      return true;
    },
    jwt({ token, user }) {
      if (user) {
        const u = user as typeof user & { sessionVersion?: unknown };
        // Both providers hand over a Detour user with its session version; anything else is a bug.
        if (typeof u.sessionVersion !== "number") throw new Error("sign-in produced no Detour user");
        token.email = u.email;
        token.name = u.name;
        token.sub = u.id;
        token.userId = u.id;
        const claims = newSessionClaims(u.id, u.sessionVersion);
        token.sid = claims.sid;
        token.sv = claims.sv;
        token.authTime = claims.authTime;
      }
      return token;
    },
    // Every session read (getServerSession, /api/auth/session) checks the session against the
    // database; a refused session throws, and next-auth answers "no session" and clears the cookie.
    async session({ session, token }) {
      await assertSessionActive(getDb(), token);
      session.user = { ...session.user, id: String(token.userId ?? "") };
      return session;
    },
    redirect: safeRedirect,
  },
  events: {
    // Sign-out puts the session's id on the deny-list: a copy of the cookie stops working too.
    async signOut({ token }) {
      const db = getDb();
      const revoked = await revokeSessionToken(db, token as Record<string, unknown> | null);
      const claims = readSessionClaims(token as Record<string, unknown>);
      if (revoked && claims) {
        logger.info({ user_id: claims.userId }, "signed out");
        const email = typeof token?.email === "string" ? token.email : null;
        auditInBackground(auditSignOut(db, { userId: claims.userId, email, origin: await currentRequestOrigin() }));
      }
    },
  },
  logger: {
    error(code, metadata) {
      const err = metadata instanceof Error ? metadata : (metadata as { error?: unknown })?.error;
      if (err instanceof Error && err.name === "SessionRefusedError") {
        logger.debug({ reason: err.message }, "session refused");
        return;
      }
      logger.error({ code, err: errorDetail(err ?? metadata) }, "next-auth error");
    },
    warn(code) {
      logger.warn({ code }, "next-auth warning");
    },
    debug() {},
  },
};

/**
 * The sign-in providers the environment turns on: email + password unless DETOUR_PASSWORD_SIGN_IN
 * is off (then a POST to /api/auth/callback/credentials finds no provider), and OpenID Connect when
 * DETOUR_OIDC_ISSUER is set. During `next build` the environment is not read (nothing signs in then).
 */
export function signInProviders(): NextAuthOptions["providers"] {
  if (process.env.NEXT_PHASE === "phase-production-build") return [];
  const env = getEnv();
  const providers: NextAuthOptions["providers"] = [];
  if (env.DETOUR_PASSWORD_SIGN_IN === "on") providers.push(credentialsProvider);
  if (env.oidc) providers.push(oidcProvider(env.oidc));
  return providers;
}

const credentialsProvider = CredentialsProvider({
  name: "Email and password",
  credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
  authorize: (credentials, req) => authorizeCredentials(credentials, req as RequestLike),
});

/** The address and browser of the request next-auth is answering (its route handler runs in a request scope). */
async function currentRequestOrigin(): Promise<RequestOrigin> {
  try {
    return requestOrigin(await headers());
  } catch {
    return { address: UNKNOWN_ADDRESS, userAgent: null };
  }
}

/** next-auth reads `secret` when a request comes; the build must not need the data directory. */
function getAuthSecretLazy(): string | undefined {
  if (process.env.NEXT_PHASE === "phase-production-build") return undefined;
  return getAuthSecret();
}
