"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson } from "@/lib/browser/submit-json";
import { DefaultConfigSelect, NO_DEFAULT_CONFIG, type ConfigChoice } from "./default-config-select";

/**
 * "Edit" in an active key's Default config cell: sets, changes or clears the config that routes the key's
 * requests that name none (PUT /v1/api-keys/{id} with default_config). The gateway uses the new one
 * from the next request on, on every instance, so the toast can say so.
 */
export function EditDefaultConfig({
  id,
  name,
  current,
  configs,
}: {
  id: string;
  name: string;
  current: string | null;
  configs: readonly ConfigChoice[];
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const focus = useFocusFirstInvalid();

  function close() {
    setError(null);
    setOpen(false);
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const chosen = String(new FormData(event.currentTarget).get("default_config") ?? NO_DEFAULT_CONFIG);
    const next = chosen === NO_DEFAULT_CONFIG ? null : chosen;
    if (next === current) {
      close(); // nothing changed (a key still naming a deleted config keeps it until another is chosen)
      return;
    }
    setPending(true);
    setError(null);
    const result = await sendJson<{ default_config: string | null }>(`/v1/api-keys/${encodeURIComponent(id)}`, "PUT", {
      default_config: next,
    });
    setPending(false);
    if (!result.ok) {
      setError(result.fieldErrors.default_config ?? result.message);
      focus.refused();
      return;
    }
    close();
    notify(
      result.data.default_config
        ? `“${name}” now routes requests that name no config by ${result.data.default_config}.`
        : `“${name}” has no default config now: its requests must name their config, virtual key or provider.`,
    );
    router.refresh();
  }

  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        Edit<span className="sr-only"> default config of {name}</span>
      </Button>
      <Dialog open={open} onClose={close} busy={pending} title={`Default config of “${name}”`}>
        <form ref={focus.ref} onSubmit={submit} onChange={() => setError(null)} noValidate>
          <DialogBody>
            <DefaultConfigSelect configs={configs} current={current} error={error} />
          </DialogBody>
          <DialogFooter>
            <Button onClick={close} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" disabled={pending}>
              {pending ? "Saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </Dialog>
    </>
  );
}
