import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { CopyButton } from "@/components/ui/copy-button";
import { DescriptionItem, DescriptionList } from "@/components/ui/description-list";
import { RelativeTime, formatAbsolute } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import { budgetViewOf } from "@/lib/api/budgets";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { MAX_ALLOWED_HOSTS } from "@/lib/api/virtual-key-schemas";
import { originOf } from "@/lib/gateway/upstream/origin";
import { providerInfo } from "@/lib/gateway/providers/catalog";
import { getProviderAdapter } from "@/lib/gateway/providers/registry";
import { keyDefaultBaseUrl } from "@/lib/gateway/upstream/virtual-key-hosts";
import { findVirtualKey, type VirtualKeyDetail } from "@/lib/store/virtual-keys";
import { configsUsingVirtualKey } from "@/lib/store/configs";
import { rollupTotals } from "@/lib/store/rollups";
import type { RollupCounts } from "@/lib/logs/rollup";
import { formatUsd } from "@/lib/dashboard/budget-input";
import { parseAllowedModels } from "@/lib/gateway/model-allow";
import { AllowedHostsForm } from "../_components/allowed-hosts-form";
import { LifecycleForm } from "../_components/lifecycle-fields";
import { actorNames } from "../../_components/actor-names";
import { BudgetBar } from "../../_components/budget-bar";
import { EditBudget } from "../../_components/edit-budget";
import { Can, RoleNote } from "../../_components/role";
import { providerLabel } from "../_components/labels";
import { VIRTUAL_KEY_LIMITS } from "../_components/limits";
import { VirtualKeyActions } from "../_components/virtual-key-actions";
import { ConfigTestPanel } from "../../_components/config-test-panel";
import { EditVirtualKey } from "../_components/edit-virtual-key";
import type { VirtualKeySettings } from "@/lib/dashboard/virtual-key-settings";

type Params = { slug: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  return { title: `${(await params).slug} · Virtual keys` };
}

/** One virtual key: its settings, its deployments and every secret version it has had (who and when). */
export default async function VirtualKeyPage({ params }: { params: Promise<Params> }) {
  const { slug } = await params;
  const user = await requireSession(`/virtual-keys/${encodeURIComponent(slug)}`);
  const db = getDb();
  const vk = await findVirtualKey(db, user.workspaceId, slug);
  if (!vk) notFound();
  const now = Date.now();
  const current = vk.versions.find((v) => v.version === vk.currentVersion) ?? vk.versions[0];
  const [actors, budget, usedBy, usage] = await Promise.all([
    actorNames(user, [vk.createdById, vk.revokedById, ...vk.versions.flatMap((v) => [v.createdById, v.retiredById])]),
    budgetViewOf(db, user.workspaceId, { scope: "virtual_key", id: vk.id }, now),
    configsUsingVirtualKey(db, user.workspaceId, vk.slug),
    usageOf(user.workspaceId, vk.slug, now),
  ]);
  const who = (actor: string | null) => (actor ? (actors.get(actor) ?? actor) : <span className="muted">—</span>);
  const active = vk.status === "active";
  const expired = vk.expiresAt !== null && vk.expiresAt.getTime() <= now;
  const allowedModels = parseAllowedModels(vk.allowedModels);
  // The fields this provider's keys use (lib/gateway/providers/<name>/info.ts).
  const fields = providerInfo(vk.provider)?.keyFields ?? {};

  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/virtual-keys">Virtual keys</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{vk.name}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {vk.name}
            {!active ? (
              <Badge tone="danger">Revoked</Badge>
            ) : expired ? (
              <Badge tone="warn">Expired</Badge>
            ) : (
              <Badge tone="ok">Active</Badge>
            )}
          </h1>
          {vk.note ? <p className="page-sub">{vk.note}</p> : null}
        </div>
        {active ? (
          <Can need="member">
            <div className="page-actions">
              <EditVirtualKey slug={vk.slug} settings={settingsOf(vk)} providerId={vk.provider} limits={VIRTUAL_KEY_LIMITS} />
              <VirtualKeyActions
                vk={{ slug: vk.slug, name: vk.name, maskedKey: current?.hint ?? null, version: vk.currentVersion }}
                keyMax={VIRTUAL_KEY_LIMITS.key}
                size="md"
                impact={{
                  configs: usedBy.filter((c) => c.status === "active").map((c) => ({ slug: c.slug, name: c.name })),
                  requests7d: usage[1]!.counts.requests,
                }}
              />
            </div>
          </Can>
        ) : null}
      </header>
      <RoleNote need="member" />

      {!active ? (
        <div className="alert-error vk-revoked-banner" role="note">
          Revoked <RelativeTime value={vk.revokedAt} now={now} /> by {who(vk.revokedById)}. Requests naming <code>{vk.slug}</code> get 403
          virtual_key_revoked.
        </div>
      ) : expired ? (
        <div className="alert-error vk-expired-banner" role="note">
          Expired {formatAbsolute(vk.expiresAt!)}. Requests naming <code>{vk.slug}</code> get 403 virtual_key_expired; set a later expiry
          (or none) below to use it again.
        </div>
      ) : null}

      <section className="panel" aria-labelledby="vk-settings">
        <h2 id="vk-settings" className="sr-only">
          Settings
        </h2>
        <DescriptionList>
          <DescriptionItem id="slug" term="Slug">
            <span className="ui-cell-copy">
              <code>{vk.slug}</code>
              <CopyButton value={vk.slug} label="Copy slug" />
            </span>
          </DescriptionItem>
          <DescriptionItem id="provider" term="Provider">
            {providerLabel(vk.provider)}
          </DescriptionItem>
          <DescriptionItem id="current-key" term="Current key">
            <code>{current?.hint ?? "—"}</code> <span className="ui-version">v{vk.currentVersion}</span>
          </DescriptionItem>
          <DescriptionItem id="rotated" term="Rotated">
            <RelativeTime value={vk.rotatedAt} now={now} />
          </DescriptionItem>
          <DescriptionItem id="last-used" term="Last used">
            <RelativeTime value={vk.lastUsedAt} now={now} />
          </DescriptionItem>
          <DescriptionItem id="created" term="Created">
            <RelativeTime value={vk.createdAt} now={now} />
            <span className="ui-cell-sub">by {who(vk.createdById)}</span>
          </DescriptionItem>
          {fields.resource_name ? (
            <DescriptionItem id="resource" term={fields.resource_name.label}>
              {vk.resourceName ? <code>{vk.resourceName}</code> : <span className="muted">—</span>}
            </DescriptionItem>
          ) : null}
          {fields.api_version ? (
            <DescriptionItem id="api-version" term={fields.api_version.label}>
              {vk.apiVersion ? <code>{vk.apiVersion}</code> : <span className="muted">default</span>}
            </DescriptionItem>
          ) : null}
          <DescriptionItem id="expires" term="Expires">
            {vk.expiresAt ? (
              <time dateTime={vk.expiresAt.toISOString()}>
                {expired ? "expired " : ""}
                {formatAbsolute(vk.expiresAt)}
              </time>
            ) : (
              <span className="muted">never</span>
            )}
          </DescriptionItem>
          <DescriptionItem id="allowed-models" term="Allowed models">
            {allowedModels ? <code>{allowedModels.join(", ")}</code> : <span className="muted">any model</span>}
          </DescriptionItem>
          <DescriptionItem id="rate-limits" term="Rate limits">
            {vk.rpmLimit === null && vk.tpmLimit === null ? (
              <span className="muted">none</span>
            ) : (
              [
                vk.rpmLimit !== null ? `${vk.rpmLimit.toLocaleString("en-US")} requests/min` : null,
                vk.tpmLimit !== null ? `${vk.tpmLimit.toLocaleString("en-US")} tokens/min` : null,
              ]
                .filter(Boolean)
                .join(", ")
            )}
          </DescriptionItem>
          <DescriptionItem id="upstream" term="Upstream" wide>
            <code>{upstreamUrl(vk)}</code>
            {vk.customHost ? <span className="muted"> (custom host)</span> : null}
          </DescriptionItem>
        </DescriptionList>
        <p className="vk-usage muted">
          Use it: <code>x-portkey-virtual-key: {vk.slug}</code>, or <code>&quot;virtual_key&quot;: &quot;{vk.slug}&quot;</code> in a config
          target.
        </p>
      </section>

      <section className="panel" aria-labelledby="vk-usage">
        <h2 id="vk-usage">Usage</h2>
        <div className="vk-usage-scroll">
          <table className="ui-table ui-table-compact vk-usage-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Period</span>
                </th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  Errors
                </th>
                <th scope="col" className="num">
                  Tokens
                </th>
                <th scope="col" className="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {usage.map(({ label, counts }) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td className="num">{counts.requests.toLocaleString("en-US")}</td>
                  <td className="num">{counts.errors.toLocaleString("en-US")}</td>
                  <td className="num">{counts.totalTokens.toLocaleString("en-US")}</td>
                  <td className="num">{formatUsd(counts.costNanoUsd / 1e9)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted vk-usage-links">
          <Link href={`/logs?virtual_key=${encodeURIComponent(vk.slug)}`}>Its requests in Logs</Link> ·{" "}
          <Link href="/analytics?split=virtual_key">Analytics by virtual key</Link>
        </p>
        <h3 id="vk-used-by">Configs that route to it</h3>
        {usedBy.length ? (
          <ul className="vk-used-by" aria-labelledby="vk-used-by">
            {usedBy.map((c) => (
              <li key={c.slug}>
                <Link href={`/configs/${encodeURIComponent(c.slug)}#cfg-v${c.version}`}>{c.name}</Link> <code>{c.slug}</code>{" "}
                <span className="muted">v{c.version}</span>
                {c.status !== "active" ? <Badge>{c.status === "archived" ? "Archived" : c.status}</Badge> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No saved config routes to it; requests may still name it in x-portkey-virtual-key.</p>
        )}
      </section>

      <section className="panel" aria-labelledby="vk-budget">
        <div className="budget-panel-head">
          <h2 id="vk-budget">Budget</h2>
          {active ? (
            <EditBudget endpoint={`/v1/virtual-keys/${encodeURIComponent(vk.slug)}`} subject={`“${vk.name}”`} budget={budget} />
          ) : null}
        </div>
        {budget ? (
          <BudgetBar budget={budget} label={`Budget of ${vk.name}`} />
        ) : (
          <p className="muted budget-none">No budget: requests through this key may spend without a limit of its own.</p>
        )}
      </section>

      {active ? (
        <Can need="member">
          <section className="panel" aria-labelledby="vk-lifecycle">
            <h2 id="vk-lifecycle">Expiry and models</h2>
            <LifecycleForm slug={vk.slug} name={vk.name} expiresAt={vk.expiresAt?.toISOString() ?? null} allowedModels={allowedModels} />
          </section>
        </Can>
      ) : null}

      {active && !expired ? (
        <Can need="member">
          <div className="panel vk-test">
            <ConfigTestPanel config={{ virtual_key: vk.slug }} blocked={null} subject="key" model={testModel(vk, allowedModels)} />
          </div>
        </Can>
      ) : null}

      <section className="panel" aria-labelledby="vk-destinations">
        <h2 id="vk-destinations">Where its key may go</h2>
        <p className="muted vk-destinations-hint">
          Detour sends this key only to these origins. A request or config that points it anywhere else (<code>x-portkey-custom-host</code>,
          a config&apos;s <code>custom_host</code>) gets 400 <code>custom_host_not_allowed_for_virtual_key</code>.
        </p>
        <ul className="vk-destinations" aria-label="Allowed destinations">
          {destinations(vk).map((d) => (
            <li key={`${d.origin}-${d.why}`}>
              <code>{d.origin}</code> <span className="muted">{d.why}</span>
            </li>
          ))}
        </ul>
        {active ? (
          <Can need="member">
            <AllowedHostsForm slug={vk.slug} name={vk.name} initial={vk.allowedHosts} max={MAX_ALLOWED_HOSTS} />
          </Can>
        ) : null}
      </section>

      {fields.deployments ? (
        <section className="panel panel-flush" aria-labelledby="vk-deployments">
          <h2 id="vk-deployments">{fields.deployments.label}</h2>
          <table className="ui-table">
            <thead>
              <tr>
                <th scope="col">Alias (model)</th>
                <th scope="col">Deployment</th>
                <th scope="col">API version</th>
                <th scope="col">Default</th>
              </tr>
            </thead>
            <tbody>
              {vk.deployments.map((d) => (
                <tr key={d.deploymentName}>
                  <td>{d.alias ? <code>{d.alias}</code> : <span className="muted">—</span>}</td>
                  <td>
                    <code>{d.deploymentName}</code>
                  </td>
                  <td>
                    {d.apiVersion ? <code>{d.apiVersion}</code> : <span className="muted">key&apos;s ({vk.apiVersion ?? "default"})</span>}
                  </td>
                  <td>{d.isDefault ? <Badge tone="info">Default</Badge> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <section className="panel panel-flush" aria-labelledby="vk-history">
        <h2 id="vk-history">
          Version history <span className="muted">({vk.versions.length})</span>
        </h2>
        <table className="ui-table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Key</th>
              <th scope="col">State</th>
              <th scope="col">Added</th>
              <th scope="col">Added by</th>
              <th scope="col">Retired</th>
              <th scope="col">Retired by</th>
            </tr>
          </thead>
          <tbody>
            {vk.versions.map((v) => (
              <tr key={v.version} className={v.retiredAt ? "is-muted" : undefined}>
                <td>v{v.version}</td>
                <td>
                  <code>{v.hint}</code>
                </td>
                <td>
                  {v.retiredAt ? <Badge>Retired</Badge> : active ? <Badge tone="ok">Current</Badge> : <Badge tone="danger">Revoked</Badge>}
                </td>
                <td>
                  <RelativeTime value={v.createdAt} now={now} />
                </td>
                <td>{who(v.createdById)}</td>
                <td>
                  <RelativeTime value={v.retiredAt} now={now} empty="—" />
                </td>
                <td>{v.retiredAt ? who(v.retiredById) : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ToastRegion />
    </>
  );
}

/** The origins the gateway lets this key's secret go to (`lib/gateway/upstream/virtual-key-hosts.ts`), and why. */
function destinations(vk: VirtualKeyDetail): { origin: string; why: string }[] {
  const out: { origin: string; why: string }[] = [];
  const defaultUrl = providerDefaultUrl(vk);
  const providerDefault = defaultUrl ? originOf(defaultUrl) : undefined;
  if (providerDefault) out.push({ origin: providerDefault, why: "provider default" });
  const custom = vk.customHost ? originOf(vk.customHost) : undefined;
  if (custom) out.push({ origin: custom, why: "custom host" });
  for (const origin of vk.allowedHosts) out.push({ origin, why: "allowed host" });
  return out;
}

/** The provider's own base URL for this key (its adapter's default), when it names one. */
function providerDefaultUrl(vk: VirtualKeyDetail): string | undefined {
  const adapter = getProviderAdapter(vk.provider);
  return adapter ? keyDefaultBaseUrl(adapter, vk) : undefined;
}

const HOUR = 3_600_000;

/** The key's requests, errors, tokens and cost over the last 24 hours, 7 and 30 days (whole hours, from the analytics rollups). */
async function usageOf(workspaceId: string, slug: string, now: number): Promise<{ label: string; counts: RollupCounts }[]> {
  const to = new Date(Math.floor(now / HOUR) * HOUR + HOUR);
  const periods = [
    { label: "Last 24 hours", hours: 24 },
    { label: "Last 7 days", hours: 7 * 24 },
    { label: "Last 30 days", hours: 30 * 24 },
  ];
  return Promise.all(
    periods.map(async ({ label, hours }) => ({
      label,
      counts: await rollupTotals(getDb(), {
        workspaceId,
        dimension: "virtual_key",
        key: slug,
        from: new Date(to.getTime() - hours * HOUR),
        to,
      }),
    })),
  );
}

/** A model of the provider's for "Test this key" (the first for which there is no better guess). */
const TEST_MODELS: Record<string, string> = { openai: "gpt-4o-mini", anthropic: "claude-haiku-4-5" };

/** The model "Test this key" starts with: an Azure key's default deployment, else a model the key allows by name, else the provider's. */
function testModel(vk: VirtualKeyDetail, allowed: string[] | null): string | undefined {
  const deployment = vk.deployments.find((d) => d.isDefault) ?? vk.deployments[0];
  if (deployment) return deployment.alias ?? deployment.deploymentName;
  const named = allowed?.find((m) => !/[*?[]/.test(m));
  return named ?? TEST_MODELS[vk.provider];
}

/** What the "Edit settings" dialog starts from. */
function settingsOf(vk: VirtualKeyDetail): VirtualKeySettings {
  return {
    name: vk.name,
    note: vk.note,
    customHost: vk.customHost,
    resourceName: vk.resourceName,
    apiVersion: vk.apiVersion,
    deployments: vk.deployments.map((d) => ({
      alias: d.alias,
      deploymentName: d.deploymentName,
      apiVersion: d.apiVersion,
      isDefault: d.isDefault,
    })),
    rpm: vk.rpmLimit,
    tpm: vk.tpmLimit,
  };
}

/** Where requests with this key go (before the endpoint path). */
function upstreamUrl(vk: VirtualKeyDetail): string {
  return vk.customHost ?? providerDefaultUrl(vk) ?? "—";
}
