"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { TextInput } from "@/components/ui/field";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";

/** The workspace's name and slug, saved with `PATCH /v1/workspaces/{id}` (only what changed). */
export function WorkspaceSettingsForm({ id, name, slug }: { id: string; name: string; slug: string }) {
  const router = useRouter();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const nextName = String(data.get("name") ?? "").trim();
    const nextSlug = String(data.get("slug") ?? "").trim();
    if (!nextName) {
      setErrors({ name: "is required" });
      focus.refused();
      return;
    }
    const body = { ...(nextName !== name ? { name: nextName } : {}), ...(nextSlug !== slug ? { slug: nextSlug } : {}) };
    if (Object.keys(body).length === 0) {
      notify("Nothing changed.", "info");
      return;
    }
    setPending(true);
    setFormErrors([]);
    const result = await sendJson<{ name: string; slug: string }>(`/v1/workspaces/${encodeURIComponent(id)}`, "PATCH", body);
    setPending(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => path === "name" || path === "slug"));
      focus.refused();
      return;
    }
    notify(`Saved: the workspace is “${result.data.name}” (${result.data.slug}).`);
    router.refresh(); // the sidebar's name too
  }

  return (
    <form
      ref={focus.ref}
      className="ws-settings-form"
      aria-label="Workspace settings"
      onSubmit={submit}
      onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))}
      noValidate
    >
      {formErrors.length ? (
        <div role="alert" className="alert-error">
          {formErrors.join(" ")}
        </div>
      ) : null}
      <TextInput label="Name" name="name" defaultValue={name} required maxLength={100} autoComplete="off" error={errors.name} />
      <TextInput
        label="Slug"
        name="slug"
        defaultValue={slug}
        required
        maxLength={64}
        autoComplete="off"
        spellCheck={false}
        error={errors.slug}
        hint="A short unique id for the workspace: lowercase letters, digits and dashes. Deleting the workspace asks you to type it."
      />
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Saving…" : "Save"}
      </Button>
    </form>
  );
}
