import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { authOptions } from "./options";

export type SessionUser = { id: string; email: string; name: string; workspaceId: string; workspaceName: string };

export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const u = session?.user;
  if (!u?.id || !u.workspaceId) return null;
  return { id: u.id, email: u.email ?? "", name: u.name ?? u.email ?? "", workspaceId: u.workspaceId, workspaceName: u.workspaceName };
}

/** For server components and pages: the signed-in user, or a redirect to the sign-in page. */
export async function requireSession(callbackPath = "/"): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  return user;
}
