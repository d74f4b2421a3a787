"use client";

import type { SelectHTMLAttributes } from "react";
import { Field, type FieldProps } from "./field";

export type SelectOption = { value: string; label: string };

/** A native select with a visible label: keyboard and screen-reader behaviour come for free. */
export function Select({
  label,
  hint,
  error,
  aside,
  className,
  id,
  options,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly SelectOption[] }) {
  return (
    <Field label={label} hint={hint} error={error} aside={aside} className={className} id={id}>
      {(ids) => (
        <select {...select} {...ids}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
