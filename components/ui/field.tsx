"use client";

import { useId, type InputHTMLAttributes, type TextareaHTMLAttributes } from "react";

/**
 * A labelled control: the label is always visible (so `getByLabel` and screen readers find the
 * control by the words people see), the hint and the error are tied to it with aria-describedby,
 * and an error sets aria-invalid.
 */
export type FieldProps = {
  label: React.ReactNode;
  hint?: React.ReactNode;
  error?: string | null;
  /** Words beside the label that are not part of the control's name (e.g. "optional"). */
  aside?: React.ReactNode;
  className?: string;
};

type ControlIds = { id: string; "aria-describedby"?: string; "aria-invalid"?: true };

export function Field({
  label,
  hint,
  error,
  aside,
  className,
  id,
  children,
}: FieldProps & { id?: string; children: (ids: ControlIds) => React.ReactNode }) {
  const generated = useId();
  const controlId = id ?? generated;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={["field", className].filter(Boolean).join(" ")}>
      {aside ? (
        <div className="field-label-row">
          <label htmlFor={controlId}>{label}</label>
          <span className="field-aside">{aside}</span>
        </div>
      ) : (
        <label htmlFor={controlId}>{label}</label>
      )}
      {children({ id: controlId, "aria-describedby": describedBy, ...(error ? { "aria-invalid": true as const } : {}) })}
      <FieldNotes error={error} errorId={errorId} hint={hint} hintId={hintId} />
    </div>
  );
}

/** A field's error and hint under its control, with the ids its aria-describedby names (nothing for an empty one). */
export function FieldNotes({
  error,
  errorId,
  hint,
  hintId,
}: {
  error?: string | null;
  errorId?: string;
  hint?: React.ReactNode;
  hintId?: string;
}) {
  return (
    <>
      {error ? (
        <div id={errorId} className="field-error">
          {error}
        </div>
      ) : null}
      {hint ? (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      ) : null}
    </>
  );
}

export function TextInput({ label, hint, error, aside, className, id, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} hint={hint} error={error} aside={aside} className={className} id={id}>
      {(ids) => <input type="text" {...input} {...ids} />}
    </Field>
  );
}

export function Textarea({
  label,
  hint,
  error,
  aside,
  className,
  id,
  ...textarea
}: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Field label={label} hint={hint} error={error} aside={aside} className={className} id={id}>
      {(ids) => <textarea rows={2} {...textarea} {...ids} />}
    </Field>
  );
}
