import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { CopyButton } from "@/components/ui/copy-button";
import { DescriptionItem, DescriptionList } from "@/components/ui/description-list";
import { RelativeTime } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import { hasRole } from "@/lib/auth/roles";
import { requireSession } from "@/lib/auth/session";
import { roleLabel } from "@/lib/dashboard/team-input";
import { getDb } from "@/lib/db";
import { retentionWords } from "@/lib/dashboard/log-retention";
import { getEnv } from "@/lib/env";
import { getWorkspaceById } from "@/lib/store/workspaces";
import { Can, RoleNote } from "../_components/role";
import { DeleteWorkspace } from "./_components/delete-workspace";
import { LogRetentionForm } from "./_components/log-retention-form";
import { WorkspaceSettingsForm } from "./_components/workspace-settings-form";

export const metadata: Metadata = { title: "Workspace" };

/**
 * The workspace on screen: its name and slug (an admin renames it), its id, how long its request
 * logs are kept (an admin changes it), and for owners the danger zone (delete, with what is lost named; the default workspace cannot be deleted).
 */
export default async function WorkspacePage() {
  const user = await requireSession("/workspace");
  const workspace = await getWorkspaceById(getDb(), user.workspaceId);
  if (!workspace) notFound();
  const now = Date.now();
  const defaultDays = getEnv().DETOUR_LOG_RETENTION_DAYS;
  const effectiveDays = workspace.logRetentionDays ?? defaultDays;

  return (
    <>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {workspace.name}
            {workspace.isDefault ? <Badge tone="info">Default</Badge> : null}
          </h1>
          <p className="page-sub">
            A workspace holds its own configs, virtual keys, API keys, logs, budgets, prices and members. You are{" "}
            <strong>{roleLabel(user.role).toLowerCase()}</strong> here.
          </p>
        </div>
      </header>
      <RoleNote need="admin" what="the workspace's settings" />

      <section className="panel" aria-labelledby="ws-about">
        <h2 id="ws-about" className="sr-only">
          About
        </h2>
        <DescriptionList>
          <DescriptionItem id="ws-id" term="Workspace id">
            <span className="ui-cell-copy">
              <code>{workspace.id}</code>
              <CopyButton value={workspace.id} label="Copy workspace id" />
            </span>
          </DescriptionItem>
          <DescriptionItem id="ws-slug" term="Slug">
            <code>{workspace.slug}</code>
          </DescriptionItem>
          <DescriptionItem id="ws-created" term="Created">
            <RelativeTime value={workspace.createdAt} now={now} />
          </DescriptionItem>
        </DescriptionList>
      </section>

      <section className="panel" aria-labelledby="ws-settings">
        <h2 id="ws-settings">Name and slug</h2>
        <Can need="admin" disable what="the workspace's settings">
          <WorkspaceSettingsForm id={workspace.id} name={workspace.name} slug={workspace.slug} />
        </Can>
      </section>

      <section className="panel" aria-labelledby="ws-retention">
        <h2 id="ws-retention">Log retention</h2>
        <p className="muted" data-testid="retention-in-force">
          Now: {retentionWords(effectiveDays)}
          {workspace.logRetentionDays === null ? " (the deployment's default, DETOUR_LOG_RETENTION_DAYS)" : ""}.
        </p>
        <Can need="admin" disable what="the workspace's log retention">
          <LogRetentionForm days={workspace.logRetentionDays} defaultDays={defaultDays} />
        </Can>
      </section>

      {hasRole(user.role, "owner") ? (
        <section className="panel ws-danger" aria-labelledby="ws-danger">
          <h2 id="ws-danger">Danger zone</h2>
          {workspace.isDefault ? (
            <p className="muted">
              This is the default workspace: it cannot be deleted. Detour creates it on the first start, and the installation&apos;s own
              admin key (<code>DETOUR_ADMIN_API_KEY</code>) acts in it.
            </p>
          ) : (
            <>
              <p>
                Deleting the workspace deletes everything in it for everyone: configs, virtual keys, API keys, logs, budgets, prices,
                invitations and the audit trail. Its members keep their accounts and other workspaces.
              </p>
              <DeleteWorkspace
                workspace={{ id: workspace.id, name: workspace.name, slug: workspace.slug }}
                memberships={user.workspaces.map((w) => ({ workspaceId: w.workspaceId, isDefault: w.isDefault }))}
              />
            </>
          )}
        </section>
      ) : null}
      <ToastRegion />
    </>
  );
}
