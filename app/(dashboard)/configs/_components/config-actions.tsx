"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { sendJson } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";

/** Archive / unarchive (a label: the gateway keeps serving it) and delete (requests naming it get 404). */
export function ConfigActions({ slug, name, status }: { slug: string; name: string; status: string }) {
  const router = useRouter();
  const [deleting, setDeleting] = useState(false);
  const [pending, setPending] = useState(false);
  const archived = status === "archived";

  async function toggleArchive() {
    setPending(true);
    const result = await sendJson(`/v1/configs/${encodeURIComponent(slug)}`, "PUT", { status: archived ? "active" : "archived" });
    setPending(false);
    if (!result.ok) return notify(result.message, "danger");
    notify(archived ? `“${name}” is active again.` : `Archived “${name}”; the gateway still serves it.`);
    router.refresh();
  }

  return (
    <>
      <Button onClick={toggleArchive} disabled={pending}>
        {archived ? "Unarchive" : "Archive"}
      </Button>
      <Button variant="danger" onClick={() => setDeleting(true)}>
        Delete
      </Button>
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        title={`Delete “${name}”?`}
        confirmLabel="Delete config"
        pendingLabel="Deleting…"
        onConfirm={async () => {
          const result = await sendJson(`/v1/configs/${encodeURIComponent(slug)}`, "DELETE");
          if (!result.ok) return result.message;
          notify(`Deleted “${name}”.`);
          router.push("/configs");
          router.refresh();
          return null;
        }}
      >
        <p>
          Requests naming <code>{slug}</code> get 404 config_not_found at once. The id is never reused.
        </p>
      </ConfirmDialog>
    </>
  );
}
