"use client";

import { useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { sendJson } from "@/lib/browser/submit-json";
import { nextWorkspace, workspaceLosses, type WorkspaceCounts } from "@/lib/dashboard/team-input";
import { switchWorkspace } from "../../_components/workspace-switch";

type Workspace = { id: string; name: string; slug: string };
type Counted = { counts: WorkspaceCounts };

/**
 * The danger zone's "Delete workspace": a dialog that reads what would be lost
 * (`GET /v1/workspaces/{id}`), names it, and deletes only once the slug is typed
 * (`DELETE /v1/workspaces/{id}?confirm=<slug>`); then the dashboard moves to another workspace of
 * the user's (the default one if they belong to it).
 */
export function DeleteWorkspace({
  workspace,
  memberships,
}: {
  workspace: Workspace;
  memberships: { workspaceId: string; isDefault: boolean }[];
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="danger-solid" onClick={() => setOpen(true)}>
        Delete workspace
      </Button>
      {open ? <DeleteDialog workspace={workspace} memberships={memberships} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function DeleteDialog({
  workspace,
  memberships,
  onClose,
}: {
  workspace: Workspace;
  memberships: { workspaceId: string; isDefault: boolean }[];
  onClose: () => void;
}) {
  const inputId = useId();
  const [counts, setCounts] = useState<WorkspaceCounts | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = nextWorkspace(memberships, workspace.id);

  useEffect(() => {
    let live = true;
    readJson<Counted>(`/v1/workspaces/${encodeURIComponent(workspace.id)}`).then((result) => {
      if (!live) return;
      if (typeof result === "string") setLoadError(result);
      else setCounts(result.counts);
    });
    return () => {
      live = false;
    };
  }, [workspace.id]);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (typed.trim() !== workspace.slug) return;
    setPending(true);
    setError(null);
    const result = await sendJson(
      `/v1/workspaces/${encodeURIComponent(workspace.id)}?confirm=${encodeURIComponent(workspace.slug)}`,
      "DELETE",
    );
    if (!result.ok) {
      setPending(false);
      setError(result.message);
      return;
    }
    // Gone: land in another workspace (a stale cookie would be ignored anyway; this picks which).
    const problem = next ? await switchWorkspace(next.workspaceId, "/") : null;
    if (!next || problem) window.location.assign("/");
  }

  return (
    <Dialog open onClose={onClose} busy={pending} title={`Delete “${workspace.name}”?`}>
      <form onSubmit={submit}>
        <DialogBody>
          {error ? (
            <div role="alert" className="alert-error">
              {error}
            </div>
          ) : null}
          <div className="ui-confirm-text">
            <p>
              Everything in this workspace is deleted at once, for everyone, and cannot be restored. Requests with its API keys get 401 from
              the next request on.
            </p>
            {counts ? (
              <>
                <p>This deletes:</p>
                <ul className="ws-losses" aria-label="What is lost">
                  {workspaceLosses(counts).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
                <p className="muted">Its budgets, price overrides and audit trail go with it.</p>
              </>
            ) : loadError ? (
              <div role="alert" className="alert-error">
                Could not read what the workspace holds: {loadError}
              </div>
            ) : (
              <p className="muted" aria-live="polite">
                Counting what the workspace holds…
              </p>
            )}
            {next ? null : (
              <p>
                <strong>You belong to no other workspace:</strong> after this you can no longer use the dashboard until someone invites you.
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={inputId}>
              Type <code>{workspace.slug}</code> to confirm
            </label>
            <input
              id={inputId}
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              data-autofocus
            />
          </div>
        </DialogBody>
        <DialogFooter>
          <Button onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="danger-solid" disabled={pending || !counts || typed.trim() !== workspace.slug}>
            {pending ? "Deleting…" : "Delete workspace"}
          </Button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}

/** A GET of the management API from the browser, in the workspace the page shows: the body, or the error's message. */
async function readJson<T>(url: string): Promise<T | string> {
  const workspace = document.querySelector('meta[name="detour-workspace"]')?.getAttribute("content");
  try {
    const res = await fetch(url, {
      headers: { accept: "application/json", ...(workspace ? { "x-detour-workspace": workspace } : {}) },
      credentials: "same-origin",
      cache: "no-store",
    });
    const body: unknown = await res.json().catch(() => null);
    if (res.ok) return body as T;
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    return typeof message === "string" ? message : `The request failed (HTTP ${res.status}).`;
  } catch {
    return "Could not reach Detour. Check the connection and try again.";
  }
}
