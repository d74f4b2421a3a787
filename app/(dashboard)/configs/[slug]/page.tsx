import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { ToastRegion } from "@/components/ui/toast";
import { budgetViewOf } from "@/lib/api/budgets";
import { requireSession } from "@/lib/auth/session";
import { maskConfigText } from "@/lib/config-secrets";
import { getDb } from "@/lib/db";
import { getEncryptionKey } from "@/lib/secrets";
import { listConfigVersions } from "@/lib/store/configs";
import { ConfigActions } from "../_components/config-actions";
import { ConfigBuilder } from "../_components/config-builder";
import { prettyBody } from "../_components/draft";
import { isRecord } from "@/lib/is-record";
import { actorNames } from "../../_components/actor-names";
import { BudgetBar } from "../../_components/budget-bar";
import { EditBudget } from "../../_components/edit-budget";
import { Can, RoleNote } from "../../_components/role";
import { requestOrigin, virtualKeyOptions } from "../_components/server-data";
import { ConfigSnippets } from "../_components/config-snippets";
import { VersionsPanel } from "../_components/versions-panel";

type Params = { slug: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  return { title: `${(await params).slug} · Configs` };
}

/** One config: its id and snippets, the builder on its current version, and its version history. */
export default async function ConfigPage({
  params,
  searchParams,
}: {
  params: Promise<Params>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const user = await requireSession(`/configs/${encodeURIComponent(slug)}`);
  const found = await listConfigVersions(getDb(), user.workspaceId, slug);
  if (!found) notFound();
  const { config, versions } = found;
  const newest = versions[0];
  if (!newest) notFound();
  const [virtualKeys, origin, actors, search, budget] = await Promise.all([
    virtualKeyOptions(user.workspaceId),
    requestOrigin(),
    actorNames(
      user,
      versions.map((v) => v.author),
    ),
    searchParams,
    budgetViewOf(getDb(), user.workspaceId, { scope: "config", id: config.id }),
  ]);
  const savedParam = Number(Array.isArray(search.saved) ? search.saved[0] : search.saved);
  const justSaved = Number.isInteger(savedParam) && savedParam === config.version ? savedParam : undefined;
  // Provider keys are shown masked (sk-...abcd#1a2b3c4d); saving the mask back keeps the stored key.
  const key = getEncryptionKey();
  let current: unknown = {};
  try {
    current = JSON.parse(maskConfigText(newest.body, key));
  } catch {
    current = {};
  }

  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/configs">Configs</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{config.name}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {config.name}
            {config.status === "archived" ? <Badge>Archived</Badge> : <Badge tone="ok">Active</Badge>}
            <span className="ui-version">v{config.version}</span>
          </h1>
        </div>
        <Can need="member">
          <div className="page-actions">
            <ConfigActions slug={config.slug} name={config.name} status={config.status} />
          </div>
        </Can>
      </header>
      <RoleNote need="member" />

      <ConfigSnippets slug={config.slug} origin={origin} justSaved={justSaved} />

      <section className="panel" aria-labelledby="cfg-budget">
        <div className="budget-panel-head">
          <h2 id="cfg-budget">Budget</h2>
          <EditBudget endpoint={`/v1/configs/${encodeURIComponent(config.slug)}`} subject={`“${config.name}”`} budget={budget} />
        </div>
        {budget ? (
          <BudgetBar budget={budget} label={`Budget of ${config.name}`} />
        ) : (
          <p className="muted budget-none">
            No budget: requests routed by this config may spend without a limit of its own. A budget is the config&apos;s setting, not part
            of a version.
          </p>
        )}
      </section>

      <h2 className="cfg-section-title">Edit</h2>
      {/* A viewer reads the config in the builder, every control disabled. */}
      <Can need="member" disable>
        <ConfigBuilder
          key={newest.id}
          slug={config.slug}
          initialName={config.name}
          initialConfig={isRecord(current) ? current : {}}
          virtualKeys={virtualKeys}
        />
      </Can>

      <VersionsPanel
        key={`versions-${newest.id}`}
        slug={config.slug}
        current={config.version}
        now={Date.now()}
        versions={versions.map((v) => ({
          version: v.version,
          author: v.author ? (actors.get(v.author) ?? v.author) : "—",
          createdAt: v.createdAt.toISOString(),
          note: v.note,
          text: prettyBody(maskConfigText(v.body, key)),
        }))}
      />
      <ToastRegion />
    </>
  );
}
