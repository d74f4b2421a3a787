import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { parseListQuery } from "@/lib/dashboard/list-query";
import { loadStatusList, StatusList } from "../_components/status-list";
import { RelativeTime, formatAbsolute } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import { API_KEY_NAME_MAX } from "@/lib/api/api-key-schemas";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { listApiKeys, type ApiKeyRow } from "@/lib/store/api-keys";
import { CreateApiKey } from "./_components/create-api-key";
import { RevokeApiKey } from "./_components/revoke-api-key";

export const metadata: Metadata = { title: "API keys" };

const PAGE_SIZE = 100;
const BASE = "/api-keys";

/** Detour's own API keys (what apps send in x-portkey-api-key), newest first, one server-rendered page at a time. */
export default async function ApiKeysPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireSession(BASE);
  const query = parseListQuery(await searchParams);
  const db = getDb();
  const { page: list, counts, all } = await loadStatusList((options) => listApiKeys(db, user.workspaceId, options), query, PAGE_SIZE);
  const now = Date.now();

  return (
    <>
      <header className="page-header">
        <div>
          <h1>API keys</h1>
          <p className="page-sub">
            What your apps send in <code>x-portkey-api-key</code>. <strong>Gateway</strong> keys call inference only; <strong>admin</strong>{" "}
            keys can also manage configs, keys and logs. Detour stores a hash: a key is shown once, when it is created.
          </p>
        </div>
        <div className="page-actions">
          <CreateApiKey nameMax={API_KEY_NAME_MAX} />
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
            </>
          }
        >
          {list.rows.map((key) => (
            <ApiKeyTableRow key={key.id} apiKey={key} now={now} />
          ))}
        </StatusList>
      )}
      <ToastRegion />
    </>
  );
}

function ApiKeyTableRow({ apiKey: k, now }: { apiKey: ApiKeyRow; now: number }) {
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
