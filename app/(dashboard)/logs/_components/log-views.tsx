"use client";

/**
 * The signed-in user's saved views of the log explorer (`/v1/log-views`): each is one link that
 * applies it (its filters, relative range and sort in the URL; its hidden columns, when it has
 * some, become the user's columns), "Save view" stores what the page shows under a name, and
 * "Manage views" renames, updates (to what the page shows now) or deletes one. The view matching
 * the page is marked current.
 */
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { sendJson } from "@/lib/browser/submit-json";

export type LogViewItem = { id: string; name: string; query: string; hidden_columns: string[] | null };

export function LogViews({
  views: initial,
  currentQuery,
  hiddenColumns,
  onApplyColumns,
}: {
  views: readonly LogViewItem[];
  /** The page's query, canonical and without a cursor (what a new or updated view saves). */
  currentQuery: string | null;
  /** The columns hidden now (saved with a view). */
  hiddenColumns: readonly string[];
  onApplyColumns: (hidden: string[]) => void;
}) {
  const [views, setViews] = useState<LogViewItem[]>(() => [...initial]);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const sorted = [...views].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const current = currentQuery === null ? undefined : sorted.find((v) => v.query === currentQuery);

  const replace = (view: LogViewItem) => setViews((vs) => vs.map((v) => (v.id === view.id ? view : v)));

  return (
    <section className="logs-views" aria-label="Saved views">
      <span className="muted">Views</span>
      {sorted.length ? (
        <ul className="logs-views-list">
          {sorted.map((v) => (
            <li key={v.id}>
              <Link
                className="btn btn-sm"
                href={v.query ? `/logs?${v.query}` : "/logs"}
                aria-current={v === current ? "true" : undefined}
                title={`Apply the view ${v.name}: ${v.query || "no filters"}`}
                onClick={() => {
                  if (v.hidden_columns) onApplyColumns(v.hidden_columns);
                }}
              >
                {v.name}
              </Link>
            </li>
          ))}
        </ul>
      ) : (
        <span className="muted">none saved yet</span>
      )}
      {currentQuery !== null ? (
        <SaveView
          onSave={async (name) => {
            const r = await sendJson<LogViewItem>("/v1/log-views", "POST", {
              name,
              query: currentQuery,
              hidden_columns: [...hiddenColumns],
            });
            if (!r.ok) return r.fieldErrors.name ?? r.message;
            setViews((vs) => [...vs, r.data]);
            setMessage({ text: `Saved the view ${r.data.name}.`, error: false });
            return null;
          }}
        />
      ) : null}
      {sorted.length ? (
        <details className="logs-menu">
          <summary className="btn btn-sm">Manage views</summary>
          <div className="logs-menu-panel is-end">
            <ul>
              {sorted.map((v) => (
                <ManageView
                  key={v.id}
                  view={v}
                  isCurrent={v === current}
                  canUpdate={currentQuery !== null}
                  onRename={async (name) => {
                    const r = await sendJson<LogViewItem>(`/v1/log-views/${encodeURIComponent(v.id)}`, "PATCH", { name });
                    if (!r.ok) return r.fieldErrors.name ?? r.message;
                    replace(r.data);
                    setMessage({ text: `Renamed to ${r.data.name}.`, error: false });
                    return null;
                  }}
                  onUpdate={async () => {
                    const r = await sendJson<LogViewItem>(`/v1/log-views/${encodeURIComponent(v.id)}`, "PATCH", {
                      query: currentQuery,
                      hidden_columns: [...hiddenColumns],
                    });
                    if (!r.ok) return setMessage({ text: r.message, error: true });
                    replace(r.data);
                    setMessage({ text: `Updated ${r.data.name} to the filters and columns shown.`, error: false });
                  }}
                  onDelete={async () => {
                    const r = await sendJson<unknown>(`/v1/log-views/${encodeURIComponent(v.id)}`, "DELETE");
                    if (!r.ok && r.status !== 404) return setMessage({ text: r.message, error: true });
                    setViews((vs) => vs.filter((x) => x.id !== v.id));
                    setMessage({ text: `Deleted the view ${v.name}.`, error: false });
                  }}
                />
              ))}
            </ul>
          </div>
        </details>
      ) : null}
      <span className={message?.error ? "field-error" : "muted"} role="status">
        {message?.text ?? ""}
      </span>
    </section>
  );
}

/** "Save view": a name and a Save button; the API's objection (a name in use) is shown at the field. */
function SaveView({ onSave }: { onSave: (name: string) => Promise<string | null> }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("view-name") ?? "").trim();
    if (!name) return setError("Give the view a name.");
    setBusy(true);
    const problem = await onSave(name);
    setBusy(false);
    setError(problem);
    if (!problem) {
      form.reset();
      form.closest("details")?.removeAttribute("open");
    }
  };
  return (
    <details className="logs-menu">
      <summary className="btn btn-sm">Save view</summary>
      <div className="logs-menu-panel">
        <form onSubmit={submit} aria-label="Save the current view" noValidate>
          <label htmlFor={id}>Name</label>
          <input
            id={id}
            name="view-name"
            type="text"
            maxLength={80}
            placeholder="e.g. Prod errors, last hour"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
          <button type="submit" className="btn btn-primary btn-sm" disabled={busy}>
            Save
          </button>
          {error ? (
            <p id={`${id}-error`} className="field-error" role="alert">
              {error}
            </p>
          ) : (
            <p className="muted">Saves the filters, time range (a relative one stays relative), sort and hidden columns.</p>
          )}
        </form>
      </div>
    </details>
  );
}

function ManageView({
  view,
  isCurrent,
  canUpdate,
  onRename,
  onUpdate,
  onDelete,
}: {
  view: LogViewItem;
  isCurrent: boolean;
  canUpdate: boolean;
  onRename: (name: string) => Promise<string | null>;
  onUpdate: () => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const id = useId();
  const [mode, setMode] = useState<"idle" | "rename" | "confirm-delete">("idle");
  const [error, setError] = useState<string | null>(null);
  if (mode === "rename") {
    return (
      <li>
        <form
          aria-label={`Rename ${view.name}`}
          noValidate
          onSubmit={async (event) => {
            event.preventDefault();
            const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
            if (!name) return setError("Give the view a name.");
            const problem = await onRename(name);
            setError(problem);
            if (!problem) setMode("idle");
          }}
        >
          <label htmlFor={id} className="sr-only">
            New name of {view.name}
          </label>
          <input id={id} name="name" type="text" defaultValue={view.name} maxLength={80} aria-invalid={error ? true : undefined} />
          <button type="submit" className="btn btn-primary btn-sm">
            Save name
          </button>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              setMode("idle");
              setError(null);
            }}
          >
            Cancel
          </button>
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      </li>
    );
  }
  return (
    <li>
      <span className="logs-view-name">
        {view.name}
        {isCurrent ? <span className="muted"> (shown)</span> : null}
      </span>
      <button type="button" className="btn btn-sm" aria-label={`Rename ${view.name}`} onClick={() => setMode("rename")}>
        Rename
      </button>
      {canUpdate ? (
        <button
          type="button"
          className="btn btn-sm"
          aria-label={`Update ${view.name} to the current filters`}
          title="Save the filters, time range, sort and hidden columns shown now into this view"
          onClick={() => void onUpdate()}
        >
          Update
        </button>
      ) : null}
      {mode === "confirm-delete" ? (
        <>
          <button type="button" className="btn btn-sm btn-danger" onClick={() => void onDelete()}>
            Delete {view.name}
          </button>
          <button type="button" className="btn btn-sm" onClick={() => setMode("idle")}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-sm" aria-label={`Delete ${view.name}`} onClick={() => setMode("confirm-delete")}>
          Delete
        </button>
      )}
    </li>
  );
}
