"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

type FieldErrors = Partial<Record<"current_password" | "new_password" | "confirm_password", string>>;
type ApiErrorBody = { error?: { message?: string; param?: string | null; issues?: { path: string; message: string }[] } };

/** Posts to /api/account/password (same-origin JSON); errors show at their field. */
export function ChangePasswordForm({ minLength, maxLength }: { minLength: number; maxLength: number }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setPending(true);
    setError(null);
    setFieldErrors({});
    setDone(false);
    try {
      const res = await fetch("/api/account/password", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          current_password: String(form.get("current_password") ?? ""),
          new_password: String(form.get("new_password") ?? ""),
          confirm_password: String(form.get("confirm_password") ?? ""),
        }),
      });
      if (res.ok) {
        formElement.reset();
        setDone(true);
        router.refresh();
        return;
      }
      const body = (await res.json().catch(() => ({}))) as ApiErrorBody;
      const issues = body.error?.issues ?? (body.error?.param ? [{ path: body.error.param, message: body.error.message ?? "" }] : []);
      const byField: FieldErrors = {};
      for (const issue of issues)
        if (issue.path in { current_password: 1, new_password: 1, confirm_password: 1 })
          byField[issue.path as keyof FieldErrors] ??= issue.message;
      setFieldErrors(byField);
      if (!Object.keys(byField).length) setError(body.error?.message ?? `The password was not changed (HTTP ${res.status}).`);
    } catch {
      setError("Could not reach the server. Try again.");
    } finally {
      setPending(false);
    }
  }

  const field = (name: keyof FieldErrors, label: string, autoComplete: string, hint?: string) => (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input
        id={name}
        name={name}
        type="password"
        autoComplete={autoComplete}
        required
        maxLength={name === "current_password" ? 1024 : maxLength}
        aria-invalid={fieldErrors[name] ? true : undefined}
        aria-describedby={fieldErrors[name] ? `${name}-error` : hint ? `${name}-hint` : undefined}
      />
      {hint && !fieldErrors[name] ? (
        <span id={`${name}-hint`} className="field-hint">
          {hint}
        </span>
      ) : null}
      {fieldErrors[name] ? (
        <span id={`${name}-error`} className="field-error">
          {fieldErrors[name]}
        </span>
      ) : null}
    </div>
  );

  return (
    <form onSubmit={onSubmit} noValidate style={{ maxWidth: 420 }}>
      {error ? (
        <div role="alert" className="alert-error">
          {error}
        </div>
      ) : null}
      {done ? <p role="status">Password changed. Your other sessions are signed out.</p> : null}
      {field("current_password", "Current password", "current-password")}
      {field("new_password", "New password", "new-password", `At least ${minLength} characters.`)}
      {field("confirm_password", "Confirm new password", "new-password")}
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}
