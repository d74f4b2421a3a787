/**
 * next-auth (v4) with email + password against the users table (scrypt hashes). Sessions are JWTs
 * signed with NEXTAUTH_SECRET or the secret generated into the data directory.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { verifyPassword } from "../crypto";
import { getDb } from "../db";
import { getAuthSecret } from "../secrets";
import { getUserForSignIn, recordSignIn } from "../store/users";

// Without NEXTAUTH_URL, next-auth takes the origin from the request's Host header, so the same
// build works on any PORT and host name.
if (!process.env.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST ??= "true";

const credentialsSchema = z.object({ email: z.string().trim().min(1), password: z.string().min(1) });

export async function authorizeCredentials(raw: unknown) {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const db = getDb();
  const user = await getUserForSignIn(db, parsed.data.email);
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which emails exist.
  const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_HASH);
  const membership = user?.memberships[0];
  if (!user || !ok || !membership) return null;
  await recordSignIn(db, user.id);
  return {
    id: user.id,
    email: user.email,
    name: user.name ?? user.email,
    workspaceId: membership.workspaceId,
    workspaceName: membership.workspace.name,
  };
}

const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A".repeat(86) + "==";

export const authOptions: NextAuthOptions = {
  secret: getAuthSecretLazy(),
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      authorize: (credentials) => authorizeCredentials(credentials),
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        const u = user as typeof user & { workspaceId: string; workspaceName: string };
        token.userId = u.id;
        token.workspaceId = u.workspaceId;
        token.workspaceName = u.workspaceName;
      }
      return token;
    },
    session({ session, token }) {
      session.user = {
        ...session.user,
        id: String(token.userId ?? ""),
        workspaceId: String(token.workspaceId ?? ""),
        workspaceName: String(token.workspaceName ?? ""),
      };
      return session;
    },
  },
};

/** next-auth reads `secret` when a request comes; the build must not need the data directory. */
function getAuthSecretLazy(): string | undefined {
  if (process.env.NEXT_PHASE === "phase-production-build") return undefined;
  return getAuthSecret();
}
