"use client";

/**
 * The filter bar of a server-driven table: a form (Enter applies, as does the Apply button), its
 * labelled fields, and the problems found in what was typed, each naming its field. The fields are
 * uncontrolled; when the URL changes under them (a link, the back button) the owner writes the new
 * values in through `formRef`, so the form is not remounted and keyboard focus stays where it was.
 */
import type { FormEvent, ReactNode, Ref } from "react";
import { useId, useState } from "react";

/** A problem in what was typed; `fix`, when the page knows one, is a link that applies it. */
export type ToolbarIssue = { param: string; label?: string; message: string; fix?: { label: string; href: string } };

export function DataTableToolbar({
  label,
  onApply,
  onClear,
  issues,
  busy,
  children,
  actions,
  formRef,
  activeCount,
}: {
  /**
   * When given, narrow screens (below 700 px) fold the fields behind a "Filters" button that says
   * how many are applied; they open by themselves while there are issues to fix.
   */
  activeCount?: number;
  /** The form's accessible name, e.g. "Filter logs". */
  label: string;
  onApply: (form: HTMLFormElement) => void;
  onClear?: () => void;
  issues?: readonly ToolbarIssue[];
  busy?: boolean;
  children: ReactNode;
  /** Extra controls next to Apply / Clear. */
  actions?: ReactNode;
  formRef?: Ref<HTMLFormElement>;
}) {
  const issuesId = useId();
  const bodyId = useId();
  const [open, setOpen] = useState(false);
  const collapsible = activeCount !== undefined;
  const shown = open || Boolean(issues?.length);
  return (
    <form
      ref={formRef}
      className="dt-toolbar"
      aria-label={label}
      aria-describedby={issues?.length ? issuesId : undefined}
      noValidate
      onSubmit={(event: FormEvent<HTMLFormElement>) => {
        event.preventDefault();
        onApply(event.currentTarget);
      }}
    >
      {collapsible ? (
        <button
          type="button"
          className="btn btn-sm dt-toolbar-toggle"
          aria-expanded={shown}
          aria-controls={bodyId}
          onClick={() => setOpen(!shown)}
        >
          Filters
          <span className="muted">{activeCount ? `(${activeCount} applied)` : "(none applied)"}</span>
        </button>
      ) : null}
      <div id={bodyId} className="dt-toolbar-body" data-folded={collapsible && !shown ? "" : undefined}>
        <div className="dt-toolbar-fields">{children}</div>
        <div className="dt-toolbar-actions">
          <button type="submit" className="btn btn-primary btn-sm" disabled={busy}>
            Apply
          </button>
          {onClear ? (
            <button type="button" className="btn btn-sm" onClick={onClear}>
              Clear
            </button>
          ) : null}
          {actions}
          {busy ? (
            <span className="muted" role="status">
              Loading…
            </span>
          ) : null}
        </div>
      </div>
      {issues?.length ? (
        <div id={issuesId} role="alert" className="alert-error dt-toolbar-issues">
          <strong>Check {issues.length === 1 ? "this filter" : "these filters"}:</strong>
          <ul>
            {issues.map((issue) => (
              <li key={`${issue.param}:${issue.message}`}>
                <code>{issue.param}</code>
                {issue.label ? ` (${issue.label})` : ""}: {issue.message}
                {issue.fix ? (
                  <>
                    {" "}
                    <a href={issue.fix.href}>{issue.fix.label}</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </form>
  );
}

type FieldProps = {
  name: string;
  label: string;
  defaultValue?: string;
  hint?: string;
  /** Marks the field invalid (its message is in the toolbar's list). */
  invalid?: boolean;
  className?: string;
};

/** A labelled text input; `suggestions` become a datalist. */
export function ToolbarInput({
  name,
  label,
  defaultValue,
  hint,
  invalid,
  className,
  placeholder,
  suggestions,
  inputMode,
}: FieldProps & { placeholder?: string; suggestions?: readonly string[]; inputMode?: "text" | "decimal" | "numeric" }) {
  const id = useId();
  const listId = suggestions?.length ? `${id}-list` : undefined;
  return (
    <div className={["dt-field", className].filter(Boolean).join(" ")}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="text"
        defaultValue={defaultValue}
        placeholder={placeholder}
        title={hint}
        list={listId}
        inputMode={inputMode}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={invalid || undefined}
      />
      {listId && suggestions ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}

/** A labelled select. */
export function ToolbarSelect({
  name,
  label,
  defaultValue,
  hint,
  invalid,
  className,
  options,
}: FieldProps & { options: readonly { value: string; label: string }[] }) {
  const id = useId();
  return (
    <div className={["dt-field", className].filter(Boolean).join(" ")}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={defaultValue} title={hint} aria-invalid={invalid || undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A labelled date-and-time picker (`datetime-local`, to the second). Its value has no zone: the
 * owner says which one in the label and converts (the log explorer's pickers mean UTC).
 */
export function ToolbarDateTime({ name, label, defaultValue, hint, invalid, className }: FieldProps) {
  const id = useId();
  return (
    <div className={["dt-field", "dt-field-datetime", className].filter(Boolean).join(" ")}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="datetime-local"
        step={1}
        defaultValue={defaultValue}
        title={hint}
        aria-invalid={invalid || undefined}
      />
    </div>
  );
}
