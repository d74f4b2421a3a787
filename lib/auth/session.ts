import { getServerSession } from "next-auth";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "../db";
import { DetourError } from "../errors";
import { listMemberships, type Membership } from "../store/memberships";
import { authOptions } from "./options";
import { isRole, type Role } from "./roles";

/** The cookie holding the workspace the dashboard shows (its id), set by the workspace selector. */
export const WORKSPACE_COOKIE = "detour-workspace";
/**
 * The header the dashboard's writes carry: the workspace the page was rendered for. A write from a
 * tab opened before another tab switched workspace still lands in the workspace that tab shows.
 */
export const WORKSPACE_HEADER = "x-detour-workspace";

export type SessionUser = {
  id: string;
  email: string;
  name: string;
  /** The workspace this request acts in, and the user's role there. */
  workspaceId: string;
  workspaceName: string;
  workspaceSlug: string;
  role: Role;
  /** Every workspace the user belongs to (the selector lists them). */
  workspaces: (Membership & { role: Role })[];
};

/**
 * Who is signed in, whether or not they belong to a workspace yet (the invitation page: a user who
 * signed up through SSO to accept an invitation has no workspace until they accept it), or null.
 */
export const getSessionIdentity = cache(async function getSessionIdentity(): Promise<{ id: string; email: string; name: string } | null> {
  const session = await getServerSession(authOptions);
  const u = session?.user;
  if (!u?.id) return null;
  return { id: u.id, email: u.email ?? "", name: u.name ?? u.email ?? "" };
});

/**
 * The signed-in user and the workspace the request acts in, or null. next-auth's session callback
 * (lib/auth/options.ts) checks the session against the database on every call
 * (lib/auth/session-state.ts): a signed-out session, one from before a password change, or one
 * past its lifetime is null here. The memberships are read on every call too, so a role change or
 * a removal from a workspace takes effect on the next request.
 *
 * The workspace: the `x-detour-workspace` header (the dashboard's writes; a workspace the user is
 * not a member of is refused with 403, never replaced), else the `detour-workspace` cookie (the
 * selector's choice; ignored when stale), else the user's oldest membership. A user who belongs to
 * no workspace has no session. Memoised per server render (the layout and the page both ask).
 */
export const getSessionUser = cache(async function getSessionUser(): Promise<SessionUser | null> {
  const u = await getSessionIdentity();
  if (!u) return null;
  const workspaces = (await listMemberships(getDb(), u.id)).filter((m): m is Membership & { role: Role } => isRole(m.role));
  if (workspaces.length === 0) return null;
  const asked = (await headers()).get(WORKSPACE_HEADER)?.trim();
  let current: (typeof workspaces)[number] | undefined;
  if (asked) {
    current = workspaces.find((w) => w.workspaceId === asked);
    if (!current) throw new DetourError("forbidden", `You are not a member of workspace ${asked} (${WORKSPACE_HEADER}).`);
  } else {
    const chosen = (await cookies()).get(WORKSPACE_COOKIE)?.value;
    current = workspaces.find((w) => w.workspaceId === chosen) ?? workspaces[0]!;
  }
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    workspaceId: current.workspaceId,
    workspaceName: current.workspaceName,
    workspaceSlug: current.workspaceSlug,
    role: current.role,
    workspaces,
  };
});

/** For server components and pages: the signed-in user, or a redirect to the sign-in page. */
export async function requireSession(callbackPath = "/"): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  return user;
}
