/**
 * next-auth (v4) with email + password against the users table (scrypt hashes). Sessions are JWTs
 * signed with NEXTAUTH_SECRET or the secret generated into the data directory, checked against the
 * database on every read (lib/auth/session-state.ts: sign-out and password changes end them).
 * Sign-in is throttled per account and per client address (lib/auth/sign-in-throttle.ts), and
 * every callback URL is reduced to a same-site path (lib/auth/callback-url.ts).
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { verifyPassword } from "../crypto";
import { getDb } from "../db";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";
import { getAuthSecret } from "../secrets";
import { getUserForSignIn, recordSignIn } from "../store/users";
import { safeRedirect } from "./callback-url";
import { clientAddress } from "./client-address";
import { assertSessionActive, newSessionClaims, readSessionClaims, revokeSessionToken, SESSION_MAX_AGE_S } from "./session-state";
import { type AttemptResult, getSignInThrottle } from "./sign-in-throttle";

// Without NEXTAUTH_URL, next-auth takes the origin from the request's Host header, so the same
// build works on any PORT and host name.
if (!process.env.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST ??= "true";

const credentialsSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

/** Thrown out of authorize(): next-auth hands its message to the sign-in page (`error`). */
export class SignInRefusedError extends Error {}

export const SIGN_IN_UNAVAILABLE = "Sign-in is unavailable right now. Try again in a moment.";

type RequestLike = { headers?: Record<string, string | string[] | undefined> } | undefined;

/** The user and workspace membership the password signs in to; null for an unknown email, a wrong password or no workspace. */
async function checkPassword(db: ReturnType<typeof getDb>, email: string, password: string) {
  const user = await getUserForSignIn(db, email);
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which emails exist.
  // A user with no password (signed up through single sign-on) cannot sign in with one.
  const ok = (await verifyPassword(password, user?.passwordHash || DUMMY_HASH)) && Boolean(user?.passwordHash);
  const membership = user?.memberships[0];
  return user && ok && membership ? { user, membership } : null;
}
type SignInMatch = NonNullable<Awaited<ReturnType<typeof checkPassword>>>;

export async function authorizeCredentials(raw: unknown, req?: RequestLike) {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const address = clientAddress(req?.headers, getEnv().DETOUR_TRUST_PROXY);
  const db = getDb();
  let result: AttemptResult<SignInMatch>;
  try {
    result = await getSignInThrottle().attempt({ email, address }, () => checkPassword(db, email, password));
  } catch (err) {
    logger.error({ err: errorDetail(err), address }, "sign-in failed on an internal error");
    throw new SignInRefusedError(SIGN_IN_UNAVAILABLE);
  }
  if (result.outcome === "locked") throw new SignInRefusedError(result.message);
  if (result.outcome === "failure") return null;
  const { user } = result.user;
  await recordSignIn(db, user.id);
  logger.info({ user_id: user.id, address }, "signed in");
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
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      authorize: (credentials, req) => authorizeCredentials(credentials, req as RequestLike),
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        const u = user as typeof user & { sessionVersion: number };
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
      const revoked = await revokeSessionToken(getDb(), token as Record<string, unknown> | null);
      if (revoked) logger.info({ user_id: readSessionClaims(token as Record<string, unknown>)?.userId }, "signed out");
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

/** next-auth reads `secret` when a request comes; the build must not need the data directory. */
function getAuthSecretLazy(): string | undefined {
  if (process.env.NEXT_PHASE === "phase-production-build") return undefined;
  return getAuthSecret();
}
