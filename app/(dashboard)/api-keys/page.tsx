import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { parseListQuery } from "@/lib/dashboard/list-query";
import { loadStatusList, StatusList } from "../_components/status-list";
import { RelativeTime, formatAbsolute } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import { API_KEY_NAME_MAX } from "@/lib/api/api-key-schemas";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { describeDefaultConfigs, listApiKeys, type ApiKeyRow } from "@/lib/store/api-keys";
import { listConfigs } from "@/lib/store/configs";
import { CreateApiKey } from "./_components/create-api-key";
import type { ConfigChoice } from "./_components/default-config-select";
import { EditDefaultConfig } from "./_components/edit-default-config";
import { RevokeApiKey } from "./_components/revoke-api-key";

export const metadata: Metadata = { title: "API keys" };

const PAGE_SIZE = 100;
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
  const named = await describeDefaultConfigs(
    db,
    user.workspaceId,
    list.rows.flatMap((k) => (k.defaultConfigSlug ? [k.defaultConfigSlug] : [])),
  );
  const now = Date.now();

  return (
    <>
      <header className="page-header">
        <div>
          <h1>API keys</h1>
          <p className="page-sub">
            What your apps send in <code>x-portkey-api-key</code>. <strong>Gateway</strong> keys call inference only; <strong>admin</strong>{" "}
            keys can also manage configs, keys and logs. Detour stores a hash: a key is shown once, when it is created. A key&apos;s{" "}
            <strong>default config</strong> routes its requests that name none, for clients that can set only a base URL and a key.
          </p>
        </div>
        <div className="page-actions">
          <CreateApiKey nameMax={API_KEY_NAME_MAX} configs={configs} />
        </div>
      </header>

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
              <th scope="col">Default config</th>
            </>
          }
        >
          {list.rows.map((key) => (
            <ApiKeyTableRow key={key.id} apiKey={key} now={now} configs={configs} named={named} />
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
}: {
  apiKey: ApiKeyRow;
  now: number;
  configs: ConfigChoice[];
  named: Map<string, { name: string; status: string }>;
}) {
  const revoked = k.revokedAt !== null;
  const fromEnv = k.source === "env";
  const masked = `${k.prefix}...`;
  return (
    <tr className={revoked ? "is-muted" : undefined}>
      <td className="ui-cell-main">
        <span className="ui-cell-title">{k.name}</span>
        {fromEnv ? <span className="ui-cell-sub">from the environment</span> : null}
      </td>
      <td>
        <code>{masked}</code>
      </td>
      <td>{k.scope === "admin" ? <Badge tone="warn">admin</Badge> : <Badge>gateway</Badge>}</td>
      <td>
        {k.revokedAt !== null ? (
          <Badge tone="danger" title={`Revoked ${formatAbsolute(k.revokedAt)}`}>
            Revoked
          </Badge>
        ) : (
          <Badge tone="ok">Active</Badge>
        )}
      </td>
      <td>
        <RelativeTime value={k.createdAt} now={now} />
      </td>
      <td>
        <RelativeTime value={k.lastUsedAt} now={now} />
      </td>
      <td>
        <span className="ak-default">
          <DefaultConfigCell slug={k.defaultConfigSlug} config={k.defaultConfigSlug ? named.get(k.defaultConfigSlug) : undefined} />
          {revoked ? null : <EditDefaultConfig id={k.id} name={k.name} current={k.defaultConfigSlug} configs={configs} />}
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
          <RevokeApiKey id={k.id} name={k.name} maskedKey={masked} />
        )}
      </td>
    </tr>
  );
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
