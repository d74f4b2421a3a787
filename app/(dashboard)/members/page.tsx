import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { RelativeTime, formatAbsolute } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import { hasRole, ROLE_SUMMARY, ROLES } from "@/lib/auth/roles";
import { requireSession } from "@/lib/auth/session";
import { canManageMember, roleLabel } from "@/lib/dashboard/team-input";
import { getDb } from "@/lib/db";
import { listPendingInvites, listWorkspaceMembers, type MemberView } from "@/lib/store/team-views";
import { RoleNote } from "../_components/role";
import { InviteMember } from "./_components/invite-member";
import { MemberRoleSelect, RemoveMember, RevokeInvite } from "./_components/member-actions";

export const metadata: Metadata = { title: "Members" };

/**
 * Who belongs to the workspace and with which role. Admins change roles, remove members, invite
 * (a one-time link, mailed when a mail server is configured) and revoke pending invitations;
 * everyone else reads the members only.
 */
export default async function MembersPage() {
  const user = await requireSession("/members");
  const db = getDb();
  const isAdmin = hasRole(user.role, "admin");
  const now = new Date();
  const [members, invites] = await Promise.all([
    listWorkspaceMembers(db, user.workspaceId),
    isAdmin ? listPendingInvites(db, user.workspaceId, now) : Promise.resolve([]),
  ]);
  const actor = { id: user.id, role: user.role };

  /** Why the signed-in admin cannot change this member, or null when they can. */
  function blocked(m: MemberView): string | null {
    if (m.id === user.id) return "You can't change your own role: another admin can.";
    if (!canManageMember(actor, m)) return "Only an owner can change an owner's role.";
    return null;
  }

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Members</h1>
          <p className="page-sub">
            The people who can sign in to <strong>{user.workspaceName}</strong>, and what each may do here. A person may belong to several
            workspaces, with a role in each.
          </p>
        </div>
        {isAdmin ? (
          <div className="page-actions">
            <InviteMember />
          </div>
        ) : null}
      </header>
      <RoleNote need="admin" what="members and invitations" />

      <section className="panel panel-flush" aria-labelledby="members-title">
        <h2 id="members-title">
          Members <span className="muted">({members.length})</span>
        </h2>
        <div className="ui-table-wrap">
          <table className="ui-table" aria-labelledby="members-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Signs in with</th>
                <th scope="col" className="ui-col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => {
                const summary = { id: m.id, label: m.name || m.email, role: m.role };
                const you = m.id === user.id;
                return (
                  <tr key={m.id}>
                    <td className="ui-cell-main">
                      <span className="ui-cell-title">
                        {m.name || <span className="muted">—</span>}
                        {you ? <span className="muted"> (you)</span> : null}
                      </span>
                    </td>
                    <td>{m.email}</td>
                    <td>{isAdmin ? <MemberRoleSelect member={summary} blocked={blocked(m)} /> : roleLabel(m.role)}</td>
                    <td>
                      <RelativeTime value={m.joinedAt} now={now} />
                    </td>
                    <td>
                      <RelativeTime value={m.lastSignInAt} now={now} />
                    </td>
                    <td>
                      {m.sso ? <Badge tone="info">SSO</Badge> : null} {m.hasPassword ? <Badge>Password</Badge> : null}
                    </td>
                    <td className="ui-col-actions">
                      {isAdmin && !you && canManageMember(actor, m) ? (
                        <RemoveMember member={summary} workspaceName={user.workspaceName} />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      {isAdmin ? (
        <section className="panel panel-flush" aria-labelledby="invites-title">
          <h2 id="invites-title">
            Pending invitations <span className="muted">({invites.length})</span>
          </h2>
          {invites.length === 0 ? (
            <p className="muted ui-table-empty">No pending invitations. An accepted, revoked or expired one leaves this list.</p>
          ) : (
            <div className="ui-table-wrap">
              <table className="ui-table" aria-labelledby="invites-title">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Invited by</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Expires</th>
                    <th scope="col" className="ui-col-actions">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invites.map((i) => (
                    <tr key={i.id}>
                      <td className="ui-cell-main">
                        <span className="ui-cell-title">{i.email}</span>
                      </td>
                      <td>{roleLabel(i.role)}</td>
                      <td>{i.invitedBy ?? <span className="muted">—</span>}</td>
                      <td>
                        <RelativeTime value={i.createdAt} now={now} />
                      </td>
                      <td>
                        <time dateTime={i.expiresAt.toISOString()}>{formatAbsolute(i.expiresAt)}</time>
                      </td>
                      <td className="ui-col-actions">
                        <RevokeInvite id={i.id} email={i.email} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}

      <section className="panel" aria-labelledby="roles-title">
        <h2 id="roles-title">Roles</h2>
        <ul className="team-roles">
          {ROLES.map((r) => (
            <li key={r}>
              <strong>{roleLabel(r)}</strong>: {ROLE_SUMMARY[r]}.
            </li>
          ))}
        </ul>
      </section>
      <ToastRegion />
    </>
  );
}
