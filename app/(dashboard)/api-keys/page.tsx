import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { API_KEYS_PAGE_SIZE, parseListQuery } from "@/lib/dashboard/list-query";
import { loadStatusList, StatusList } from "../_components/status-list";
import { BudgetCell } from "../_components/budget-bar";
import { EditBudget } from "../_components/edit-budget";
import { Can, RoleNote } from "../_components/role";
import { RelativeTime, formatAbsolute } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import { API_KEY_NAME_MAX } from "@/lib/api/api-key-schemas";
import type { BudgetView } from "@/lib/api/budget-schemas";
import { budgetViewsOf } from "@/lib/api/budgets";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { parseAllowedModels } from "@/lib/gateway/model-allow";
import { apiKeyPrefixes, describeDefaultConfigs, listApiKeys, type ApiKeyRow } from "@/lib/store/api-keys";
import { listConfigs } from "@/lib/store/configs";
import { CreateApiKey } from "./_components/create-api-key";
import type { ConfigChoice } from "./_components/default-config-select";
import { EditApiKeyLifecycle } from "./_components/edit-api-key-lifecycle";
import { EditDefaultConfig } from "./_components/edit-default-config";
import { RevokeApiKey } from "./_components/revoke-api-key";
import { RotateApiKey } from "./_components/rotate-api-key";

export const metadata: Metadata = { title: "API keys" };

const PAGE_SIZE = API_KEYS_PAGE_SIZE;
/** Configs offered as a key's default (newest change first); a workspace with more is not expected. */
const CONFIG_CHOICES = 500;
const BASE = "/api-keys";

/** Detour's own API keys (what apps send in x-portkey-api-key), newest first, one server-rendered page at a time. */
export default async function ApiKeysPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireSession(BASE);
  const query = parseListQuery(await searchParams);
  const db = getDb();
  const [{ page: list, counts, all }, choices] = await Promise.all([
    // "Active" lists every key not revoked: an expired one is marked so in its row, and can still be changed or revoked.
    loadStatusList(
      (options) =>
        listApiKeys(db, user.workspaceId, {
          ...options,
          status: options.status === "active" ? "not_revoked" : options.status,
          now: new Date(),
        }),
      query,
      PAGE_SIZE,
    ),
    listConfigs(db, user.workspaceId, { skip: 0, take: CONFIG_CHOICES }),
  ]);
  const configs: ConfigChoice[] = choices.rows.map((c) => ({ slug: c.slug, name: c.name, status: c.status }));
  const [named, successors, budgets] = await Promise.all([
    describeDefaultConfigs(
      db,
      user.workspaceId,
      list.rows.flatMap((k) => (k.defaultConfigSlug ? [k.defaultConfigSlug] : [])),
    ),
    apiKeyPrefixes(
      db,
      user.workspaceId,
      list.rows.flatMap((k) => (k.rotatedToId ? [k.rotatedToId] : [])),
    ),
    budgetViewsOf(
      db,
      user.workspaceId,
      "api_key",
      list.rows.map((k) => k.id),
    ),
  ]);
  const now = Date.now();

  return (
    <>
      <header className="page-header">
        <div>
          <h1>API keys</h1>
          <p className="page-sub">
            What your apps send in <code>x-portkey-api-key</code>. <strong>Gateway</strong> keys call inference only; <strong>admin</strong>{" "}
            keys can also manage configs, keys and logs. Detour stores a hash: a key is shown once, when it is created. A key&apos;s{" "}
            <strong>default config</strong> routes its requests that name none, for clients that can set only a base URL and a key. A key
            can expire, be limited to some models, have a <strong>budget</strong> (a spend limit in USD per period), and be{" "}
            <strong>rotated</strong> with a grace period in which the old and the new key both work.
          </p>
        </div>
        <Can need="member">
          <div className="page-actions">
            <CreateApiKey nameMax={API_KEY_NAME_MAX} configs={configs} />
          </div>
        </Can>
      </header>
      <RoleNote need="admin" what="admin API keys and budgets" />

      {all === 0 ? (
        <EmptyState title="No API keys yet">
          Create one for each app that calls Detour, so you can revoke one without touching the others.
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
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scope</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col" title="Recorded within about 5 seconds of a request">
                Last used
              </th>
              <th scope="col">Expires</th>
              <th scope="col">Allowed models</th>
              <th scope="col">Default config</th>
              <th scope="col">Budget</th>
            </>
          }
        >
          {list.rows.map((key) => (
            <ApiKeyTableRow
              key={key.id}
              apiKey={key}
              now={now}
              configs={configs}
              named={named}
              successor={key.rotatedToId ? successors.get(key.rotatedToId) : undefined}
              budget={budgets.get(key.id) ?? null}
            />
          ))}
        </StatusList>
      )}
      <ToastRegion />
    </>
  );
}

function ApiKeyTableRow({
  apiKey: k,
  now,
  configs,
  named,
  successor,
  budget,
}: {
  apiKey: ApiKeyRow;
  now: number;
  configs: ConfigChoice[];
  named: Map<string, { name: string; status: string }>;
  /** The prefix of the key that replaced this one in a rotation. */
  successor: string | undefined;
  budget: BudgetView | null;
}) {
  const revoked = k.revokedAt !== null;
  const expired = !revoked && k.expiresAt !== null && k.expiresAt.getTime() <= now;
  const fromEnv = k.source === "env";
  const masked = `${k.prefix}...`;
  const allowedModels = parseAllowedModels(k.allowedModels);
  // Members manage gateway keys; an admin-scope key (which acts as an admin) is an admin's to change.
  const manage = k.scope === "admin" ? "admin" : "member";
  return (
    <tr id={`api-key-${k.id}`} className={revoked || expired ? "is-muted" : undefined}>
      <td className="ui-cell-main">
        <span className="ui-cell-title">{k.name}</span>
        {fromEnv ? <span className="ui-cell-sub">from the environment</span> : null}
      </td>
      <td data-label="Key">
        <code>{masked}</code>
      </td>
      <td data-label="Scope">{k.scope === "admin" ? <Badge tone="warn">admin</Badge> : <Badge>gateway</Badge>}</td>
      <td data-label="Status">
        <StatusCell apiKey={k} expired={expired} successor={successor} />
      </td>
      <td data-label="Created">
        <RelativeTime value={k.createdAt} now={now} />
      </td>
      <td data-label="Last used">
        <RelativeTime value={k.lastUsedAt} now={now} />
      </td>
      <td data-label="Expires">
        <span className="ak-default">
          {k.expiresAt ? (
            <span title={formatAbsolute(k.expiresAt)}>{formatAbsolute(k.expiresAt)}</span>
          ) : (
            <span className="muted">never</span>
          )}
          {revoked || fromEnv ? null : (
            <Can need={manage}>
              <EditApiKeyLifecycle id={k.id} name={k.name} expiresAt={k.expiresAt?.toISOString() ?? null} allowedModels={allowedModels} />
            </Can>
          )}
        </span>
      </td>
      <td data-label="Allowed models">
        {allowedModels ? <span className="mono">{allowedModels.join(", ")}</span> : <span className="muted">any</span>}
      </td>
      <td data-label="Default config">
        <span className="ak-default">
          <DefaultConfigCell slug={k.defaultConfigSlug} config={k.defaultConfigSlug ? named.get(k.defaultConfigSlug) : undefined} />
          {revoked ? null : (
            <Can need={manage}>
              <EditDefaultConfig id={k.id} name={k.name} current={k.defaultConfigSlug} configs={configs} />
            </Can>
          )}
        </span>
      </td>
      <td data-label="Budget" className="budget-col">
        <span className="budget-cell">
          <BudgetCell budget={budget} label={`Budget of ${k.name} (${masked})`} />
          {revoked ? null : (
            <EditBudget endpoint={`/v1/api-keys/${encodeURIComponent(k.id)}`} subject={`“${k.name}” (${masked})`} budget={budget} />
          )}
        </span>
      </td>
      <td className="ui-col-actions">
        {revoked ? (
          <span className="muted">
            revoked <RelativeTime value={k.revokedAt} now={now} />
          </span>
        ) : fromEnv ? (
          <span
            className="muted"
            title="Registered again at every start from DETOUR_ADMIN_API_KEY: change or unset the variable and restart to retire it."
          >
            set by DETOUR_ADMIN_API_KEY
          </span>
        ) : (
          <Can need={manage}>
            <span className="ak-default">
              {expired || k.rotatedToId ? null : <RotateApiKey id={k.id} name={k.name} maskedKey={masked} />}
              <RevokeApiKey id={k.id} name={k.name} maskedKey={masked} />
            </span>
          </Can>
        )}
      </td>
    </tr>
  );
}

/** Revoked, expired (a rotated key past its grace period says by which key), rotated and still working until its end, or active. */
function StatusCell({ apiKey: k, expired, successor }: { apiKey: ApiKeyRow; expired: boolean; successor: string | undefined }) {
  if (k.revokedAt !== null) {
    return (
      <Badge tone="danger" title={`Revoked ${formatAbsolute(k.revokedAt)}`}>
        Revoked
      </Badge>
    );
  }
  const rotatedTo = k.rotatedToId ? <span className="ui-cell-sub">rotated -&gt; {successor ? `${successor}...` : "a new key"}</span> : null;
  if (expired) {
    return (
      <span className="ui-cell-main">
        <Badge tone="danger" title={k.expiresAt ? `Expired ${formatAbsolute(k.expiresAt)}` : undefined}>
          Expired
        </Badge>
        {rotatedTo}
      </span>
    );
  }
  if (k.rotatedToId) {
    return (
      <span className="ui-cell-main">
        <Badge tone="warn">Rotated</Badge>
        <span className="ui-cell-sub">
          rotated -&gt; {successor ? `${successor}...` : "a new key"}, works until {k.expiresAt ? formatAbsolute(k.expiresAt) : "revoked"}
        </span>
      </span>
    );
  }
  return <Badge tone="ok">Active</Badge>;
}

/** The key's default config: linked by name, or marked deleted (its requests then get 404 config_not_found until it gets another). */
function DefaultConfigCell({ slug, config }: { slug: string | null; config: { name: string; status: string } | undefined }) {
  if (!slug) return <span className="muted">none</span>;
  if (!config || config.status === "deleted") {
    return (
      <span className="ui-cell-main">
        <span className="mono">{slug}</span>{" "}
        <Badge tone="danger" title="Requests with this key that name no config get 404 config_not_found: choose another default config.">
          deleted
        </Badge>
      </span>
    );
  }
  return (
    <span className="ui-cell-main">
      <Link href={`/configs/${encodeURIComponent(slug)}`}>{config.name}</Link>
      <span className="ui-cell-sub mono">
        {slug}
        {config.status === "archived" ? " · archived" : ""}
      </span>
    </span>
  );
}
