/**
 * Test support for the teams tests (workspaces, members, invitations): users stored with a role in a
 * workspace, and management API clients signed in as them through next-auth's credentials flow
 * (a real session cookie, sent with the same-origin `Origin` a browser adds to writes).
 */
import { randomBytes } from "node:crypto";
import { hashPassword } from "@/lib/crypto";
import type { Role } from "@/lib/auth/roles";
import { answerOf, apiClient, type ApiClient } from "./api-client";
import { attemptSignIn, cookieHeader, type Jar } from "./auth-client";
import type { Harness } from "./gateway-harness";

export const TEAM_PASSWORD = "team-tests-password-1";

/** A user with `role` in `workspaceId` (and the password TEAM_PASSWORD); returns the user's id. */
export async function addMember(h: Harness, email: string, role: Role, workspaceId = h.workspaceId): Promise<string> {
  const user = await h.db.user.upsert({
    where: { email },
    update: {},
    create: { email, name: email.split("@")[0], passwordHash: await hashPassword(TEAM_PASSWORD) },
  });
  await h.db.workspaceMember.create({ data: { userId: user.id, workspaceId, role } });
  return user.id;
}

/** A workspace stored directly (not through the API), with a unique slug. */
export async function addWorkspace(h: Harness, name: string): Promise<string> {
  return (await h.db.workspace.create({ data: { name, slug: `t-${randomBytes(4).toString("hex")}` } })).id;
}

export type Session = { api: ApiClient; jar: Jar; cookie: string; userId: string | null };

/** Signs `email` in and returns a `/v1` client carrying the session cookie (and Origin, for writes). */
export async function signedIn(h: Harness, email: string, password = TEAM_PASSWORD, extra: Record<string, string> = {}): Promise<Session> {
  const answer = await attemptSignIn(h, email, password);
  if (!answer.session) throw new Error(`sign-in of ${email} failed: ${answer.status} ${answer.error}`);
  const cookie = cookieHeader(answer.jar);
  const user = await h.db.user.findUnique({ where: { email }, select: { id: true } });
  return { api: apiClient(h, { cookie, origin: h.url, ...extra }), jar: answer.jar, cookie, userId: user?.id ?? null };
}

/** POST to a same-site JSON route outside `/v1` (`/api/invites/accept`, `/api/workspace/select`) as a browser page would. */
export async function postPage(h: Harness, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: h.url, ...headers },
    body: JSON.stringify(body),
  });
  return answerOf(res);
}
