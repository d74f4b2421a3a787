import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { FilterTabs } from "@/components/ui/filter-tabs";
import { Pagination } from "@/components/ui/pagination";
import { RelativeTime } from "@/components/ui/time";
import { ToastRegion } from "@/components/ui/toast";
import type { BudgetView } from "@/lib/api/budget-schemas";
import { budgetViewsOf } from "@/lib/api/budgets";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { listConfigs, type ConfigSummary } from "@/lib/store/configs";
import { BudgetCell } from "../_components/budget-bar";
import { Can, RoleNote } from "../_components/role";

export const metadata: Metadata = { title: "Configs" };

const PAGE_SIZE = 100;
const BASE = "/configs";
type Status = "active" | "archived" | undefined;

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function hrefFor(status: Status, page = 1): string {
  const params = new URLSearchParams();
  if (status) params.set("status", status);
  if (page > 1) params.set("page", String(page));
  const qs = params.toString();
  return qs ? `${BASE}?${qs}` : BASE;
}

/** The workspace's saved configs, last changed first, rendered on the server one page at a time. */
export default async function ConfigsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireSession(BASE);
  const search = await searchParams;
  const rawStatus = one(search.status);
  const status: Status = rawStatus === "active" || rawStatus === "archived" ? rawStatus : undefined;
  const rawPage = Number.parseInt(one(search.page) ?? "1", 10);
  const page = Number.isFinite(rawPage) && rawPage >= 1 && rawPage <= 1_000_000 ? rawPage : 1;
  const db = getDb();
  const [list, active, archived] = await Promise.all([
    listConfigs(db, user.workspaceId, { status, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE }),
    listConfigs(db, user.workspaceId, { status: "active", skip: 0, take: 0 }),
    listConfigs(db, user.workspaceId, { status: "archived", skip: 0, take: 0 }),
  ]);
  const all = active.total + archived.total;
  const now = Date.now();
  const budgets = await budgetViewsOf(
    db,
    user.workspaceId,
    "config",
    list.rows.map((c) => c.id),
    now,
  );
  const newButton = (label: string) => (
    <Can need="member">
      <Link href="/configs/new" className="btn btn-primary">
        {label}
      </Link>
    </Can>
  );

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Configs</h1>
          <p className="page-sub">
            Routing recipes (fallback, load balance, conditional, retries, timeouts). Apps name one by its id:{" "}
            <code>x-portkey-config: pc-…</code>. Every save is a new version; roll back from a config&apos;s page.
          </p>
        </div>
        {all > 0 ? <div className="page-actions">{newButton("New config")}</div> : null}
      </header>
      <RoleNote need="member" />

      {all === 0 ? (
        <EmptyState title="No configs yet" action={newButton("Build your first config")}>
          A config says where a request goes: OpenAI then Azure when OpenAI answers 429, a weighted split, or a route by metadata, with
          retries and timeouts.
        </EmptyState>
      ) : (
        <>
          <div className="list-toolbar">
            <FilterTabs
              label="Filter by status"
              tabs={[
                { href: hrefFor(undefined), label: "All", count: all, current: !status },
                { href: hrefFor("active"), label: "Active", count: active.total, current: status === "active" },
                { href: hrefFor("archived"), label: "Archived", count: archived.total, current: status === "archived" },
              ]}
            />
            <Pagination page={page} pageSize={PAGE_SIZE} total={list.total} hrefFor={(p) => hrefFor(status, p)} />
          </div>
          {list.rows.length === 0 ? (
            <p className="muted ui-table-empty">No {status ?? ""} configs on this page.</p>
          ) : (
            <div className="ui-table-wrap">
              <table className="ui-table" aria-label="Configs">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Config id</th>
                    <th scope="col">Version</th>
                    <th scope="col">Last change</th>
                    <th scope="col">Status</th>
                    <th scope="col">Budget</th>
                  </tr>
                </thead>
                <tbody>
                  {list.rows.map((c) => (
                    <ConfigRow key={c.id} config={c} now={now} budget={budgets.get(c.id) ?? null} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <ToastRegion />
    </>
  );
}

function ConfigRow({ config: c, now, budget }: { config: ConfigSummary; now: number; budget: BudgetView | null }) {
  return (
    <tr className={c.status === "archived" ? "is-muted" : undefined}>
      <td className="ui-cell-main">
        <Link href={`/configs/${c.slug}`}>{c.name}</Link>
      </td>
      <td>
        <span className="ui-cell-copy">
          <code>{c.slug}</code>
          <CopyButton value={c.slug} label={`Copy config id ${c.slug}`} />
        </span>
      </td>
      <td>
        <span className="ui-version">v{c.version}</span>
      </td>
      <td>
        <RelativeTime value={c.updatedAt} now={now} />
      </td>
      <td>
        {c.status === "archived" ? <Badge>Archived</Badge> : <Badge tone="ok">Active</Badge>}
        {c.isDefault ? (
          <>
            {" "}
            <Badge tone="info">Default</Badge>
          </>
        ) : null}
      </td>
      <td className="budget-col">
        <BudgetCell budget={budget} label={`Budget of ${c.name} (${c.slug})`} />
      </td>
    </tr>
  );
}
