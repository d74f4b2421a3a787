/**
 * Who belongs to which workspace, with which role (lib/auth/roles.ts). A user may belong to
 * several workspaces; the dashboard and the management API act in one at a time (lib/auth/session.ts).
 */
import type { Db } from "../db";

export type Membership = { workspaceId: string; workspaceName: string; workspaceSlug: string; isDefault: boolean; role: string };

/** The user's workspaces with their role, oldest membership first (one indexed read). */
export async function listMemberships(db: Db, userId: string): Promise<Membership[]> {
  const rows = await db.workspaceMember.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, workspace: { select: { id: true, name: true, slug: true, isDefault: true } } },
  });
  return rows.map((r) => ({
    workspaceId: r.workspace.id,
    workspaceName: r.workspace.name,
    workspaceSlug: r.workspace.slug,
    isDefault: r.workspace.isDefault,
    role: r.role,
  }));
}
