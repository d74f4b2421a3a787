"use client";

import { TextInput, Textarea } from "@/components/ui/field";
import type { FieldErrors } from "@/lib/browser/submit-json";
import { expiresAtToInput } from "@/lib/dashboard/key-lifecycle-input";

/**
 * The lifecycle fields of an API key's forms: its expiry (a datetime-local input read as UTC, as the
 * dashboard shows every time) and its allowed models (names or globs, comma or newline separated;
 * empty: any model). The management API validates both and names the field in its errors.
 */

/** The first error at `field` or under it (`allowed_models[1]`: "Entry 2: ..."). */
export function errorAt(errors: FieldErrors, field: string): string | undefined {
  const key = Object.keys(errors).find((k) => k === field || k.startsWith(`${field}[`));
  if (!key) return undefined;
  const index = /^\[(\d+)\]/.exec(key.slice(field.length));
  return index ? `Entry ${Number(index[1]) + 1}: ${errors[key]}` : errors[key];
}

export function LifecycleFields({
  expiresAt,
  allowedModels,
  errors,
}: {
  expiresAt: string | null;
  allowedModels: readonly string[] | null;
  errors: FieldErrors;
}) {
  return (
    <>
      <TextInput
        label="Expires at (UTC)"
        name="expires_at"
        type="datetime-local"
        defaultValue={expiresAtToInput(expiresAt)}
        error={errorAt(errors, "expires_at")}
        aside="optional"
        hint="Requests with the key get 401 from then on. Empty: it never expires."
      />
      <Textarea
        label="Allowed models"
        name="allowed_models"
        rows={3}
        defaultValue={allowedModels?.join("\n") ?? ""}
        error={errorAt(errors, "allowed_models")}
        aside="optional"
        placeholder={"gpt-4o-mini\no3-*"}
        spellCheck={false}
        hint="Names or globs (* matches anything), comma or newline separated. Other models get 403. Empty: any model."
      />
    </>
  );
}
