"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { formatAbsolute } from "@/components/ui/time";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { ROLE_SUMMARY, type Role } from "@/lib/auth/roles";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import {
  assignableRoles,
  DEFAULT_INVITE_EXPIRY_HOURS,
  INVITE_EXPIRY_CHOICES,
  inviteMailWords,
  roleLabel,
  type InviteMail,
} from "@/lib/dashboard/team-input";
import { useRole } from "../../_components/role";

/** `POST /v1/invites`' answer: the invitation, its one-time link (the only time it is shown) and whether it was mailed. */
type CreatedInvite = { id: string; email: string; role: string; expires_at: string; url: string; mail: InviteMail };

/**
 * "Invite member": an email, a role (an admin gives up to admin, an owner any) and an expiry; then
 * the one-time link, shown once with a copy button, and whether Detour mailed it. Detour keeps only
 * the link's hash, so closing the dialog drops the only copy.
 */
export function InviteMember() {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOpen(false);
    setCreated(null);
  };
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)}>
        Invite member
      </Button>
      <Dialog open={open} onClose={close} busy={busy} title={created ? `Invitation for ${created.email}` : "Invite member"}>
        {created ? (
          <ShowLinkOnce created={created} onDone={close} />
        ) : (
          <InviteForm onBusy={setBusy} onCreated={setCreated} onCancel={close} />
        )}
      </Dialog>
    </>
  );
}

function InviteForm({
  onBusy,
  onCreated,
  onCancel,
}: {
  onBusy: (b: boolean) => void;
  onCreated: (c: CreatedInvite) => void;
  onCancel: () => void;
}) {
  const router = useRouter();
  const roles = assignableRoles(useRole());
  const [role, setRole] = useState<Role>("member");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    onBusy(true);
    setFormErrors([]);
    const result = await sendJson<CreatedInvite>("/v1/invites", "POST", {
      email: String(data.get("email") ?? "").trim(),
      role,
      expires_in_hours: Number(data.get("expires_in_hours") ?? DEFAULT_INVITE_EXPIRY_HOURS),
    });
    setPending(false);
    onBusy(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => ["email", "role", "expires_in_hours"].includes(path)));
      focus.refused();
      return;
    }
    onCreated(result.data);
    router.refresh(); // the pending invitations behind the dialog list it
  }

  return (
    <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))} noValidate>
      <DialogBody>
        {formErrors.length ? (
          <div role="alert" className="alert-error">
            {formErrors.join(" ")}
          </div>
        ) : null}
        <TextInput
          label="Email"
          name="email"
          type="email"
          required
          maxLength={254}
          autoComplete="off"
          placeholder="ada@example.com"
          error={errors.email}
          hint="They sign in with this address (or sign up with it through the link)."
        />
        <Select
          label="Role"
          name="role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          options={roles.map((r) => ({ value: r, label: roleLabel(r) }))}
          error={errors.role}
          hint={`${roleLabel(role)}: ${ROLE_SUMMARY[role]}.`}
        />
        <Select
          label="Link expires after"
          name="expires_in_hours"
          defaultValue={DEFAULT_INVITE_EXPIRY_HOURS}
          options={INVITE_EXPIRY_CHOICES}
          error={errors.expires_in_hours}
          hint="The link works once; an unused one stops working after this."
        />
      </DialogBody>
      <DialogFooter>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Inviting…" : "Create invitation"}
        </Button>
      </DialogFooter>
    </form>
  );
}

function ShowLinkOnce({ created, onDone }: { created: CreatedInvite; onDone: () => void }) {
  const id = useId();
  const mail = inviteMailWords(created.mail, created.email);
  return (
    <>
      <DialogBody>
        <p className="ak-once">
          <strong>This is the only time Detour shows this link.</strong> It stores only a hash: copy it now. It works once, for{" "}
          {created.email} as {roleLabel(created.role)}, until {formatAbsolute(new Date(created.expires_at))}.
        </p>
        <div className="field">
          <label htmlFor={id}>Invitation link</label>
          <div className="ui-secret">
            <input id={id} className="mono" readOnly value={created.url} onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
            <CopyButton value={created.url} label="Copy invitation link">
              Copy
            </CopyButton>
          </div>
        </div>
        <p className={`invite-mail is-${mail.tone}`} role="status">
          {mail.text}
        </p>
      </DialogBody>
      <DialogFooter>
        <Button variant="primary" onClick={onDone} data-autofocus>
          Done
        </Button>
      </DialogFooter>
    </>
  );
}
