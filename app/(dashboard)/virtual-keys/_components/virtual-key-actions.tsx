"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { SecretInput } from "@/components/ui/secret-input";
import { sendJson } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";

export type VirtualKeySummary = { slug: string; name: string; maskedKey: string | null; version: number };

type Rotated = { masked_api_key: string | null; version: number; rotated_at: string | null };

/** What a revoke would break, known on the key's page: the active configs that route to it and its recent traffic. */
export type RevokeImpact = { configs: { slug: string; name: string }[]; requests7d: number };

/** Rotate and Revoke for one active key: small buttons in a table row, full-size on the key's page (with what a revoke breaks). */
export function VirtualKeyActions({
  vk,
  keyMax,
  size = "sm",
  impact,
}: {
  vk: VirtualKeySummary;
  keyMax: number;
  size?: "sm" | "md";
  impact?: RevokeImpact;
}) {
  const router = useRouter();
  const [dialog, setDialog] = useState<"rotate" | "revoke" | null>(null);
  const close = () => setDialog(null);
  const named = size === "sm"; // in a row the button says which key it acts on (screen readers hear "Rotate openai-prod")

  async function revoke(): Promise<string | null> {
    const result = await sendJson(`/v1/virtual-keys/${encodeURIComponent(vk.slug)}`, "DELETE");
    if (!result.ok) return result.message;
    notify(`Revoked “${vk.name}”. Requests naming ${vk.slug} now get 403.`);
    router.refresh();
    return null;
  }

  return (
    <div className="vk-actions">
      <Button size={size} onClick={() => setDialog("rotate")}>
        {size === "sm" ? "Rotate" : "Rotate key"}
        {named ? <span className="sr-only"> {vk.name}</span> : null}
      </Button>
      <Button size={size} variant="danger" onClick={() => setDialog("revoke")}>
        {size === "sm" ? "Revoke" : "Revoke key"}
        {named ? <span className="sr-only"> {vk.name}</span> : null}
      </Button>
      <RotateDialog vk={vk} keyMax={keyMax} open={dialog === "rotate"} onClose={close} />
      <ConfirmDialog
        open={dialog === "revoke"}
        onClose={close}
        title={`Revoke “${vk.name}”?`}
        confirmLabel="Revoke key"
        pendingLabel="Revoking…"
        onConfirm={revoke}
      >
        <p>
          Every request naming <code>{vk.slug}</code> gets <strong>403 virtual_key_revoked</strong> from the next request on, including
          requests whose config names it in any target (a fallback target too): move those configs to another key first.
        </p>
        {impact ? (
          <div className="vk-revoke-impact" role="note">
            {impact.configs.length ? (
              <>
                <p>
                  <strong>
                    {impact.configs.length === 1 ? "1 active config routes" : `${impact.configs.length} active configs route`} to it:
                  </strong>
                </p>
                <ul>
                  {impact.configs.map((c) => (
                    <li key={c.slug}>
                      <a href={`/configs/${encodeURIComponent(c.slug)}`}>{c.name}</a> <code>{c.slug}</code>
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p>No active saved config routes to it.</p>
            )}
            <p>
              It served <strong>{impact.requests7d.toLocaleString("en-US")}</strong> {impact.requests7d === 1 ? "request" : "requests"} in
              the last 7 days.
            </p>
          </div>
        ) : null}
        <p className="muted">
          There is no undo: to use this provider account again, create a new virtual key. The key stays listed for the audit trail.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function RotateDialog({ vk, keyMax, open, onClose }: { vk: VirtualKeySummary; keyMax: number; open: boolean; onClose: () => void }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const focus = useFocusFirstInvalid();

  function close() {
    setError(null);
    onClose();
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const key = String(new FormData(form).get("key") ?? "");
    setPending(true);
    setError(null);
    const result = await sendJson<Rotated>(`/v1/virtual-keys/${encodeURIComponent(vk.slug)}`, "PUT", { key });
    setPending(false);
    if (!result.ok) {
      setError(result.fieldErrors.key ?? result.message);
      focus.refused();
      return;
    }
    form.reset();
    close();
    notify(`Rotated “${vk.name}”: now ${result.data.masked_api_key ?? "the new key"} (version ${result.data.version}).`);
    router.refresh();
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      busy={pending}
      title={`Rotate “${vk.name}”`}
      description="Every request that starts after you confirm uses the new key. The current key is retired at once (kept encrypted for the audit trail); requests already in flight finish on it."
    >
      <form ref={focus.ref} onSubmit={submit} onChange={() => setError(null)} noValidate>
        <DialogBody>
          <dl className="vk-rotate-current">
            <dt>Current key</dt>
            <dd>
              <code>{vk.maskedKey ?? "—"}</code> <span className="muted">version {vk.version}</span>
            </dd>
          </dl>
          <SecretInput label="New provider key" name="key" required maxLength={keyMax} error={error} placeholder="Paste the new key" />
        </DialogBody>
        <DialogFooter>
          <Button onClick={close} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={pending}>
            {pending ? "Rotating…" : "Rotate key"}
          </Button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
