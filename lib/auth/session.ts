import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { cache } from "react";
import { authOptions } from "./options";

export type SessionUser = { id: string; email: string; name: string; workspaceId: string; workspaceName: string };

/**
 * The signed-in user, or null. next-auth's session callback (lib/auth/options.ts) checks the
 * session against the database on every call (lib/auth/session-state.ts: one statement): a
 * signed-out session, one from before a password change, or one past its lifetime is null here,
 * for the dashboard guard and the management API alike. Memoised per server render (the layout
 * and the page both ask), so a page render reads the database once.
 */
export const getSessionUser = cache(async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const u = session?.user;
  if (!u?.id || !u.workspaceId) return null;
  return { id: u.id, email: u.email ?? "", name: u.name ?? u.email ?? "", workspaceId: u.workspaceId, workspaceName: u.workspaceName };
});

/** For server components and pages: the signed-in user, or a redirect to the sign-in page. */
export async function requireSession(callbackPath = "/"): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  return user;
}
