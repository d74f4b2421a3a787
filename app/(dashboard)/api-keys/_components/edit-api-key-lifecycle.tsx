"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import { allowedModelsFromInput, expiresAtFromInput, expiresAtToInput } from "@/lib/dashboard/key-lifecycle-input";
import { LifecycleFields } from "./lifecycle-fields";

/**
 * "Edit" in a key's Expiry column: changes its expiry and allowed models (PUT /v1/api-keys/{id}),
 * sending only what changed (an expiry already past cannot be sent again). The gateway uses the new
 * values from the next request on, on every instance.
 */
export function EditApiKeyLifecycle({
  id,
  name,
  expiresAt,
  allowedModels,
}: {
  id: string;
  name: string;
  expiresAt: string | null;
  allowedModels: string[] | null;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const focus = useFocusFirstInvalid();

  function close() {
    setErrors({});
    setFormErrors([]);
    setOpen(false);
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const expiryText = String(data.get("expires_at") ?? "");
    const models = allowedModelsFromInput(String(data.get("allowed_models") ?? ""));
    const body: Record<string, unknown> = {};
    if (expiryText !== expiresAtToInput(expiresAt)) body.expires_at = expiresAtFromInput(expiryText);
    if (JSON.stringify(models) !== JSON.stringify(allowedModels)) body.allowed_models = models;
    if (Object.keys(body).length === 0) {
      close();
      return;
    }
    setPending(true);
    const result = await sendJson(`/v1/api-keys/${encodeURIComponent(id)}`, "PUT", body);
    setPending(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => path === "expires_at" || path.startsWith("allowed_models")));
      focus.refused();
      return;
    }
    close();
    notify(`Saved the expiry and allowed models of “${name}”.`);
    router.refresh();
  }

  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        Edit<span className="sr-only"> expiry and models of {name}</span>
      </Button>
      <Dialog open={open} onClose={close} busy={pending} title={`Expiry and models of “${name}”`}>
        <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))} noValidate>
          <DialogBody>
            {formErrors.length ? (
              <div role="alert" className="alert-error">
                {formErrors.join(" ")}
              </div>
            ) : null}
            <LifecycleFields expiresAt={expiresAt} allowedModels={allowedModels} errors={errors} />
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
