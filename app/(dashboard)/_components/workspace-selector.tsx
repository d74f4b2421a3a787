"use client";

import { usePathname } from "next/navigation";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { TextInput } from "@/components/ui/field";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import { roleLabel, sectionOf } from "@/lib/dashboard/team-input";
import { useCan } from "./role";
import { switchWorkspace } from "./workspace-switch";

export type WorkspaceChoice = { workspaceId: string; workspaceName: string; role: string };

/**
 * The sidebar's workspace: its name and the user's role there; with more than one workspace, a
 * select that switches (to the same section of the dashboard in the other workspace); for admins
 * and owners, "New workspace". One workspace and no rights to create: just the name and the role.
 */
export function WorkspaceSelector({ current, workspaces }: { current: WorkspaceChoice; workspaces: WorkspaceChoice[] }) {
  const pathname = usePathname();
  const selectId = useId();
  const canCreate = useCan("admin");
  const [creating, setCreating] = useState(false);
  const [switching, setSwitching] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function choose(workspaceId: string) {
    if (workspaceId === current.workspaceId) return;
    setSwitching(true);
    setError(null);
    const problem = await switchWorkspace(workspaceId, sectionOf(pathname));
    if (problem) {
      setError(problem);
      setSwitching(false);
    }
  }

  return (
    <div className="workspace">
      {workspaces.length > 1 ? (
        <>
          <label htmlFor={selectId} className="sr-only">
            Workspace
          </label>
          <select
            id={selectId}
            className="workspace-select"
            value={current.workspaceId}
            disabled={switching}
            onChange={(e) => choose(e.target.value)}
          >
            {workspaces.map((w) => (
              <option key={w.workspaceId} value={w.workspaceId}>
                {`${w.workspaceName} · ${roleLabel(w.role)}`}
              </option>
            ))}
          </select>
        </>
      ) : (
        <div className="workspace-name" title="Workspace">
          {current.workspaceName}
        </div>
      )}
      <div className="workspace-meta">
        <span className="workspace-role" title="Your role here">
          {roleLabel(current.role)}
        </span>
        {canCreate ? (
          <button type="button" className="workspace-new" onClick={() => setCreating(true)}>
            + New workspace
          </button>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="workspace-error">
          {error}
        </p>
      ) : null}
      <NewWorkspaceDialog open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}

type CreatedWorkspace = { id: string; name: string; slug: string };

/** Name (and optionally the slug) -> `POST /v1/workspaces` (the creator is its owner) -> switch to it. */
function NewWorkspaceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const focus = useFocusFirstInvalid();

  function close() {
    setErrors({});
    setFormErrors([]);
    onClose();
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const name = String(data.get("name") ?? "").trim();
    const slug = String(data.get("slug") ?? "").trim();
    if (!name) {
      setErrors({ name: "is required: a name people recognise, e.g. “Research”" });
      focus.refused();
      return;
    }
    setPending(true);
    setFormErrors([]);
    const result = await sendJson<CreatedWorkspace>("/v1/workspaces", "POST", { name, ...(slug ? { slug } : {}) });
    if (!result.ok) {
      setPending(false);
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => path === "name" || path === "slug"));
      focus.refused();
      return;
    }
    const problem = await switchWorkspace(result.data.id, "/");
    if (problem) {
      setPending(false);
      setFormErrors([`Created “${result.data.name}”, but switching to it failed: ${problem} Choose it in the workspace list.`]);
    }
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      busy={pending}
      title="New workspace"
      description="A workspace has its own configs, keys, logs, budgets, prices and members. You become its owner; nothing is shared with this one."
    >
      <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))} noValidate>
        <DialogBody>
          {formErrors.length ? (
            <div role="alert" className="alert-error">
              {formErrors.join(" ")}
            </div>
          ) : null}
          <TextInput label="Name" name="name" required maxLength={100} autoComplete="off" placeholder="Research" error={errors.name} />
          <TextInput
            label="Slug"
            name="slug"
            aside="optional"
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            placeholder="research"
            error={errors.slug}
            hint="A short unique id for the workspace (lowercase letters, digits and dashes). Empty: made from the name."
          />
        </DialogBody>
        <DialogFooter>
          <Button onClick={close} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={pending}>
            {pending ? "Creating…" : "Create workspace"}
          </Button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
