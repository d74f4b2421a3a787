import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { parseListQuery } from "@/lib/dashboard/list-query";
import { loadStatusList, StatusList } from "../_components/status-list";
import { BudgetCell } from "../_components/budget-bar";
import { Can, RoleNote } from "../_components/role";
import { RelativeTime, formatAbsolute } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import type { BudgetView } from "@/lib/api/budget-schemas";
import { budgetViewsOf } from "@/lib/api/budgets";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { listVirtualKeys, type VirtualKeyDetail } from "@/lib/store/virtual-keys";
import { parseAllowedModels } from "@/lib/gateway/model-allow";
import { getProviderAdapter } from "@/lib/gateway/providers/registry";
import { keyDefaultBaseUrl } from "@/lib/gateway/upstream/virtual-key-hosts";
import { CreateVirtualKey } from "./_components/create-virtual-key";
import { providerLabel, shortHost } from "./_components/labels";
import { VIRTUAL_KEY_LIMITS as LIMITS } from "./_components/limits";
import { VirtualKeyActions } from "./_components/virtual-key-actions";

export const metadata: Metadata = { title: "Virtual keys" };

const PAGE_SIZE = 100;
const BASE = "/virtual-keys";

/** Every virtual key of the workspace, newest first, rendered on the server one page (100 rows) at a time. */
export default async function VirtualKeysPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireSession(BASE);
  const query = parseListQuery(await searchParams);
  const db = getDb();
  const { page: list, counts, all } = await loadStatusList((options) => listVirtualKeys(db, user.workspaceId, options), query, PAGE_SIZE);
  const now = Date.now();
  const budgets = await budgetViewsOf(
    db,
    user.workspaceId,
    "virtual_key",
    list.rows.map((vk) => vk.id),
    now,
  );

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Virtual keys</h1>
          <p className="page-sub">
            Provider keys, encrypted at rest. Apps name them by slug (<code>x-portkey-virtual-key</code> or a config target); rotate one
            here and the next request uses the new key. A key&apos;s <strong>budget</strong> caps what requests through it may cost per
            period; set it when you create the key or on its page.
          </p>
        </div>
        {all > 0 ? (
          <Can need="member">
            <div className="page-actions">
              <CreateVirtualKey limits={LIMITS} />
            </div>
          </Can>
        ) : null}
      </header>
      <RoleNote need="member" />

      {all === 0 ? (
        <EmptyState
          title="No virtual keys yet"
          action={
            <Can need="member">
              <CreateVirtualKey limits={LIMITS} label="Create your first virtual key" />
            </Can>
          }
        >
          A virtual key holds one provider key (OpenAI or Azure OpenAI) behind a slug, so apps and configs never see the secret and you can
          rotate it without a deploy.
        </EmptyState>
      ) : (
        <StatusList
          base={BASE}
          query={query}
          pageSize={PAGE_SIZE}
          counts={counts}
          total={list.total}
          rowCount={list.rows.length}
          columns={
            <>
              <th scope="col">Name / slug</th>
              <th scope="col">Provider</th>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col" title="Recorded within about 5 seconds of a request">
                Last used
              </th>
              <th scope="col">Rotated</th>
              <th scope="col">Expires</th>
              <th scope="col">Models</th>
              <th scope="col">Budget</th>
            </>
          }
        >
          {list.rows.map((vk) => (
            <VirtualKeyRow key={vk.id} vk={vk} now={now} budget={budgets.get(vk.id) ?? null} />
          ))}
        </StatusList>
      )}
      <ToastRegion />
    </>
  );
}

/**
 * The host a key's own details name (Azure: its resource, my-res.openai.azure.com), or null when
 * its provider's default host is the same for every key (OpenAI's).
 */
function keyHost(vk: VirtualKeyDetail): string | null {
  const adapter = getProviderAdapter(vk.provider);
  const url = adapter ? keyDefaultBaseUrl(adapter, vk) : undefined;
  if (!adapter || !url || url === keyDefaultBaseUrl(adapter, {})) return null;
  return new URL(url).host;
}

function VirtualKeyRow({ vk, now, budget }: { vk: VirtualKeyDetail; now: number; budget: BudgetView | null }) {
  const current = vk.versions.find((v) => v.version === vk.currentVersion) ?? vk.versions[0];
  const revoked = vk.status !== "active";
  const expired = vk.expiresAt !== null && vk.expiresAt.getTime() <= now;
  const models = parseAllowedModels(vk.allowedModels);
  const where = vk.customHost ? shortHost(vk.customHost) : keyHost(vk);
  return (
    <tr className={revoked ? "is-muted" : undefined}>
      <td className="ui-cell-main">
        <Link href={`/virtual-keys/${vk.slug}`} title={vk.note ?? undefined}>
          {vk.name}
        </Link>
        <span className="ui-cell-copy ui-cell-sub">
          <code>{vk.slug}</code>
          <CopyButton value={vk.slug} label={`Copy slug ${vk.slug}`} />
        </span>
      </td>
      <td data-label="Provider">
        {providerLabel(vk.provider)}
        {vk.deployments.length ? (
          <span className="muted"> · {vk.deployments.length === 1 ? "1 deployment" : `${vk.deployments.length} deployments`}</span>
        ) : null}
        {where ? (
          <span className="ui-cell-sub ui-cell-clip" title={vk.customHost ?? undefined}>
            {where}
          </span>
        ) : null}
      </td>
      <td data-label="Key">
        <code>{current?.hint ?? "—"}</code> <span className="ui-version">v{vk.currentVersion}</span>
      </td>
      <td data-label="Status">
        {revoked ? (
          <Badge tone="danger" title={vk.revokedAt ? `Revoked ${formatAbsolute(vk.revokedAt)}` : undefined}>
            Revoked
          </Badge>
        ) : expired ? (
          <Badge tone="warn" title={`Expired ${formatAbsolute(vk.expiresAt!)}`}>
            Expired
          </Badge>
        ) : (
          <Badge tone="ok">Active</Badge>
        )}
      </td>
      <td data-label="Last used">
        <RelativeTime value={vk.lastUsedAt} now={now} />
      </td>
      <td data-label="Rotated">
        <RelativeTime value={vk.rotatedAt} now={now} />
      </td>
      <td data-label="Expires">
        {vk.expiresAt ? (
          <time dateTime={vk.expiresAt.toISOString()} className={expired ? "muted" : undefined}>
            {expired ? "expired " : ""}
            {formatAbsolute(vk.expiresAt)}
          </time>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
      <td data-label="Models" className="ui-cell-clip" title={models?.join(", ")}>
        {models ? <code>{models.join(", ")}</code> : <span className="muted">any</span>}
      </td>
      <td data-label="Budget" className="budget-col">
        <BudgetCell budget={budget} label={`Budget of ${vk.name} (${vk.slug})`} />
      </td>
      <td className="ui-col-actions">
        {revoked ? null : (
          <Can need="member">
            <VirtualKeyActions
              vk={{ slug: vk.slug, name: vk.name, maskedKey: current?.hint ?? null, version: vk.currentVersion }}
              keyMax={LIMITS.key}
            />
          </Can>
        )}
      </td>
    </tr>
  );
}
