"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { notify } from "@/components/ui/toast";
import type { Role } from "@/lib/auth/roles";
import { sendJson } from "@/lib/browser/submit-json";
import { assignableRoles, roleLabel } from "@/lib/dashboard/team-input";
import { useRole } from "../../_components/role";

export type MemberSummary = { id: string; label: string; role: string };

/**
 * A member's role as a select (`PATCH /v1/users/{id} {role}`), for admins. Disabled, with the
 * reason as its title, where the change is not theirs to make (`blocked`): their own role, or an
 * owner's when they are an admin. The API refuses the rest (the last owner, say) and says why.
 */
export function MemberRoleSelect({ member, blocked }: { member: MemberSummary; blocked: string | null }) {
  const router = useRouter();
  const actor = useRole();
  const [role, setRole] = useState(member.role);
  const [pending, setPending] = useState(false);
  const choices = assignableRoles(actor);
  // The current role is always listed (an owner's row as an admin sees it, a role written by hand).
  const options = choices.includes(member.role as Role) ? choices : [member.role, ...choices];

  async function change(next: string) {
    const before = role;
    setRole(next);
    setPending(true);
    const result = await sendJson(`/v1/users/${encodeURIComponent(member.id)}`, "PATCH", { role: next });
    setPending(false);
    if (!result.ok) {
      setRole(before);
      notify(`Could not change the role of ${member.label}: ${result.message}`, "danger");
      return;
    }
    notify(`${member.label} is now ${roleLabel(next).toLowerCase()} of this workspace.`);
    router.refresh();
  }

  return (
    <select
      className="team-role-select"
      aria-label={`Role of ${member.label}`}
      value={role}
      disabled={blocked !== null || pending}
      title={blocked ?? undefined}
      onChange={(e) => change(e.target.value)}
    >
      {options.map((r) => (
        <option key={r} value={r}>
          {roleLabel(r)}
        </option>
      ))}
    </select>
  );
}

/** "Remove" and its confirmation: `DELETE /v1/users/{id}` takes the member out of this workspace (their account and other workspaces stay). */
export function RemoveMember({ member, workspaceName }: { member: MemberSummary; workspaceName: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);

  async function remove(): Promise<string | null> {
    const result = await sendJson(`/v1/users/${encodeURIComponent(member.id)}`, "DELETE");
    if (!result.ok) return result.message;
    notify(`Removed ${member.label} from ${workspaceName}.`);
    router.refresh();
    return null;
  }

  return (
    <>
      <Button size="sm" variant="danger" onClick={() => setOpen(true)}>
        Remove<span className="sr-only"> {member.label}</span>
      </Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Remove ${member.label} from ${workspaceName}?`}
        confirmLabel="Remove member"
        pendingLabel="Removing…"
        onConfirm={remove}
      >
        <p>
          They lose access to this workspace at their next request: its configs, keys, logs and settings. Their account and their other
          workspaces stay; what they created here stays too.
        </p>
        <p className="muted">To give them access again, invite them again.</p>
      </ConfirmDialog>
    </>
  );
}

/** "Revoke" of a pending invitation: `DELETE /v1/invites/{id}`; its link stops working at once. */
export function RevokeInvite({ id, email }: { id: string; email: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);

  async function revoke(): Promise<string | null> {
    const result = await sendJson(`/v1/invites/${encodeURIComponent(id)}`, "DELETE");
    if (!result.ok) return result.message;
    notify(`Revoked the invitation for ${email}.`);
    router.refresh();
    return null;
  }

  return (
    <>
      <Button size="sm" variant="danger" onClick={() => setOpen(true)}>
        Revoke<span className="sr-only"> invitation for {email}</span>
      </Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Revoke the invitation for ${email}?`}
        confirmLabel="Revoke invitation"
        pendingLabel="Revoking…"
        onConfirm={revoke}
      >
        <p>Its link stops working at once. You can invite {email} again later.</p>
      </ConfirmDialog>
    </>
  );
}
