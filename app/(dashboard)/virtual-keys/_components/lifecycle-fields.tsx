"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { TextInput, Textarea } from "@/components/ui/field";
import { sendJson, type FieldErrors } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { allowedModelsFromInput, expiresAtFromInput, expiresAtToInput } from "@/lib/dashboard/key-lifecycle-input";

/**
 * A virtual key's expiry (`expires_at`, entered as UTC in a datetime-local field) and model
 * allow-list (`allowed_models`, comma or newline separated), for the create dialog and the key's
 * page. The API validates both; its errors are shown at the field (a list entry's with its line).
 */

/** The API's errors at `expires_at` and `allowed_models` (a list entry's as "Entry n: ..."). */
export function lifecycleErrors(fieldErrors: FieldErrors): { expires_at?: string; allowed_models?: string } {
  const out: { expires_at?: string; allowed_models?: string } = {};
  const models: string[] = [];
  for (const [path, message] of Object.entries(fieldErrors)) {
    if (path === "expires_at") out.expires_at = message;
    const index = /^allowed_models\[(\d+)\]$/.exec(path)?.[1];
    if (index !== undefined) models.push(`Entry ${Number(index) + 1}: ${message}`);
    else if (path === "allowed_models") models.push(message);
  }
  if (models.length) out.allowed_models = models.join(" ");
  return out;
}

/** The two inputs, uncontrolled (read from the form's data by name), with their current values. */
export function LifecycleInputs({
  errors,
  expiresAt = null,
  allowedModels = null,
}: {
  errors: { expires_at?: string; allowed_models?: string };
  expiresAt?: string | null;
  allowedModels?: string[] | null;
}) {
  return (
    <div className="ui-form-grid">
      <TextInput
        label="Expires (UTC)"
        aside="optional"
        name="expires_at"
        type="datetime-local"
        defaultValue={expiresAtToInput(expiresAt)}
        error={errors.expires_at}
        hint="From then on requests naming the key get 403 virtual_key_expired. Empty: never."
      />
      <Textarea
        label="Allowed models"
        aside="optional"
        name="allowed_models"
        rows={3}
        defaultValue={(allowedModels ?? []).join("\n")}
        error={errors.allowed_models}
        spellCheck={false}
        placeholder={"gpt-4o-mini\no3-*"}
        hint="Names or globs (* matches anything), comma or newline separated. Other models get 403 model_not_allowed. Empty: any model."
      />
    </div>
  );
}

/** The key page's form: saves both fields with PUT /v1/virtual-keys/{slug} (an empty field removes the setting). */
export function LifecycleForm({
  slug,
  name,
  expiresAt,
  allowedModels,
}: {
  slug: string;
  name: string;
  expiresAt: string | null;
  allowedModels: string[] | null;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<{ expires_at?: string; allowed_models?: string }>({});
  const [formError, setFormError] = useState<string | null>(null);
  const focus = useFocusFirstInvalid();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setFormError(null);
    const result = await sendJson<{ expires_at: string | null; allowed_models: string[] | null }>(
      `/v1/virtual-keys/${encodeURIComponent(slug)}`,
      "PUT",
      {
        expires_at: expiresAtFromInput(String(data.get("expires_at") ?? "")),
        allowed_models: allowedModelsFromInput(String(data.get("allowed_models") ?? "")),
      },
    );
    setPending(false);
    if (!result.ok) {
      const placed = lifecycleErrors(result.fieldErrors);
      setErrors(placed);
      if (!placed.expires_at && !placed.allowed_models) setFormError(result.message);
      focus.refused();
      return;
    }
    setErrors({});
    notify(`Saved the expiry and allowed models of “${name}”.`);
    router.refresh();
  }

  return (
    <form ref={focus.ref} onSubmit={submit} noValidate className="vk-lifecycle-form" onChange={() => setErrors({})}>
      {formError ? (
        <div role="alert" className="alert-error">
          {formError}
        </div>
      ) : null}
      <LifecycleInputs errors={errors} expiresAt={expiresAt} allowedModels={allowedModels} />
      <Button type="submit" variant="primary" size="sm" disabled={pending}>
        {pending ? "Saving…" : "Save expiry and models"}
      </Button>
    </form>
  );
}
