"use client";

import { useState } from "react";
import { Button } from "./button";
import { Dialog, DialogBody, DialogFooter } from "./dialog";

/**
 * "Are you sure?" for actions that cannot be undone. Cancel has the focus, so Enter right after
 * opening does nothing harmful. `onConfirm` resolves to an error message to show, or nothing on
 * success (the dialog then closes).
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  children,
  confirmLabel,
  pendingLabel,
  tone = "danger",
  onConfirm,
}: {
  open: boolean;
  onClose: () => void;
  title: React.ReactNode;
  children: React.ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  tone?: "danger" | "primary";
  onConfirm: () => Promise<string | null>;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function close() {
    setError(null);
    onClose();
  }

  async function confirm(event: React.FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const problem = await onConfirm();
      if (problem) setError(problem);
      else onClose();
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onClose={close} title={title} busy={pending}>
      <form onSubmit={confirm}>
        <DialogBody>
          {error ? (
            <div role="alert" className="alert-error">
              {error}
            </div>
          ) : null}
          <div className="ui-confirm-text">{children}</div>
        </DialogBody>
        <DialogFooter>
          <Button onClick={close} disabled={pending} data-autofocus>
            Cancel
          </Button>
          <Button type="submit" variant={tone === "danger" ? "danger-solid" : "primary"} disabled={pending}>
            {pending ? (pendingLabel ?? `${confirmLabel}…`) : confirmLabel}
          </Button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
