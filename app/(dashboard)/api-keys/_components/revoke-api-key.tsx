"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { sendJson } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";

export function RevokeApiKey({ id, name, maskedKey }: { id: string; name: string; maskedKey: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);

  async function revoke(): Promise<string | null> {
    const result = await sendJson(`/v1/api-keys/${encodeURIComponent(id)}`, "DELETE");
    if (!result.ok) return result.message;
    notify(`Revoked API key “${name}”. Requests with it now get 401.`);
    router.refresh();
    return null;
  }

  return (
    <>
      <Button size="sm" variant="danger" onClick={() => setOpen(true)}>
        Revoke<span className="sr-only"> {name}</span>
      </Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Revoke “${name}”?`}
        confirmLabel="Revoke key"
        pendingLabel="Revoking…"
        onConfirm={revoke}
      >
        <p>
          Requests with <code>{maskedKey}</code> get <strong>401</strong> from the next request on, on the gateway and on the management
          API.
        </p>
        <p className="muted">There is no undo: apps using it need a new key.</p>
      </ConfirmDialog>
    </>
  );
}
