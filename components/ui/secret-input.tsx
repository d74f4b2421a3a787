"use client";

import { useState, type InputHTMLAttributes } from "react";
import { Field, type FieldProps } from "./field";

/**
 * A secret's input: type=password, with a toggle to check what was pasted. The toggle keeps one
 * name (`toggleLabel`) and says its state with aria-pressed. Nothing here keeps the value: the
 * form that owns it drops it after submitting.
 */
export function SecretInput({
  label,
  hint,
  error,
  aside,
  className,
  id,
  toggleLabel = "Show key",
  ...input
}: FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, "type"> & { toggleLabel?: string }) {
  const [shown, setShown] = useState(false);
  return (
    <Field label={label} hint={hint} error={error} aside={aside} className={className} id={id}>
      {(ids) => (
        <div className="ui-secret">
          <input
            type={shown ? "text" : "password"}
            autoComplete="off"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            data-1p-ignore
            data-lpignore="true"
            {...input}
            {...ids}
          />
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            aria-label={toggleLabel}
            aria-pressed={shown}
            title={shown ? "Hide" : "Show"}
            onClick={() => setShown((v) => !v)}
          >
            {shown ? <EyeOffIcon /> : <EyeIcon />}
          </button>
        </div>
      )}
    </Field>
  );
}

function EyeIcon() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}

function EyeOffIcon() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M3 3l18 18" />
      <path d="M10.6 5.1A10.6 10.6 0 0 1 12 5c6.5 0 10 7 10 7a17.7 17.7 0 0 1-3.2 4.2M6.6 6.6A17.4 17.4 0 0 0 2 12s3.5 7 10 7a9.9 9.9 0 0 0 5.4-1.6" />
      <path d="M9.9 9.9a3 3 0 0 0 4.2 4.2" />
    </svg>
  );
}
