"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { Select } from "@/components/ui/select";
import { formatAbsolute } from "@/components/ui/time";
import { sendJson } from "@/lib/browser/submit-json";
import { ShowKeyOnce, type Created } from "./create-api-key";

type Rotated = Created & { old_key_expires_at: string | null };

const GRACE_PERIODS = [
  { value: "0", label: "None: the old key stops now" },
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "24 hours" },
  { value: "604800", label: "7 days" },
];

/**
 * "Rotate": a new key with this one's settings (POST /v1/api-keys/{id}/rotate), shown once with a
 * copy button; the old key keeps working for the grace period chosen, then gets 401 naming the new
 * key's prefix.
 */
export function RotateApiKey({ id, name, maskedKey }: { id: string; name: string; maskedKey: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rotated, setRotated] = useState<Rotated | null>(null);

  function close() {
    setOpen(false);
    setError(null);
    setRotated(null);
    // Only now: the refreshed list no longer offers Rotate on this row, which would unmount this dialog and the key it shows.
    if (rotated) router.refresh();
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const grace = Number(new FormData(event.currentTarget).get("grace_period_seconds") ?? 0);
    setPending(true);
    setError(null);
    const result = await sendJson<Rotated>(`/v1/api-keys/${encodeURIComponent(id)}/rotate`, "POST", { grace_period_seconds: grace });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setRotated(result.data);
  }

  const oldEnd = rotated?.old_key_expires_at ? formatAbsolute(new Date(rotated.old_key_expires_at)) : null;
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        Rotate<span className="sr-only"> {name}</span>
      </Button>
      <Dialog open={open} onClose={close} busy={pending} title={rotated ? `Copy the new key for “${name}”` : `Rotate “${name}”`}>
        {rotated ? (
          <ShowKeyOnce
            created={rotated}
            onDone={close}
            note={
              <p>
                The old key <code>{maskedKey}</code> works until <strong>{oldEnd ?? "now"}</strong>, then gets 401.
              </p>
            }
          />
        ) : (
          <form onSubmit={submit} noValidate>
            <DialogBody>
              {error ? (
                <div role="alert" className="alert-error">
                  {error}
                </div>
              ) : null}
              <p>
                A new key with the same name, scope, limits, default config, expiry and allowed models. The old key <code>{maskedKey}</code>{" "}
                keeps working during the grace period, so apps can move over.
              </p>
              <Select label="Grace period" name="grace_period_seconds" options={GRACE_PERIODS} defaultValue="0" />
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
        )}
      </Dialog>
    </>
  );
}
