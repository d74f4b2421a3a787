/**
 * `/budgets`: the workspace's budget (set, edit, remove) and every budget of the workspace with its
 * subject (API key, virtual key, config), its period and a bar of the current period's spend, one
 * server-rendered page at a time. The spend is the settled spend written with the log rows.
 */
import type { Metadata } from "next";
import Link from "next/link";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Pagination } from "@/components/ui/pagination";
import { ToastRegion } from "@/components/ui/toast";
import { budgetViewOf, listBudgetItems, type BudgetListItem } from "@/lib/api/budgets";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { periodName } from "@/lib/dashboard/budget-input";
import { BudgetBar } from "../_components/budget-bar";
import { EditBudget } from "../_components/edit-budget";
import { RoleNote } from "../_components/role";

export const metadata: Metadata = { title: "Budgets" };

const PAGE_SIZE = 100;
const BASE = "/budgets";

const SCOPE_LABELS: Record<BudgetListItem["scope"], string> = {
  workspace: "Workspace",
  api_key: "API key",
  virtual_key: "Virtual key",
  config: "Config",
};

const STATUS_TONES: Record<string, BadgeTone> = {
  active: "ok",
  archived: "neutral",
  expired: "warn",
  revoked: "danger",
  deleted: "danger",
};

function pageOf(value: string | string[] | undefined): number {
  const raw = Number.parseInt((Array.isArray(value) ? value[0] : value) ?? "1", 10);
  return Number.isFinite(raw) && raw >= 1 && raw <= 1_000_000 ? raw : 1;
}

const hrefFor = (page: number) => (page > 1 ? `${BASE}?page=${page}` : BASE);

export default async function BudgetsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireSession(BASE);
  const page = pageOf((await searchParams).page);
  const db = getDb();
  const now = Date.now();
  const [workspaceBudget, list] = await Promise.all([
    budgetViewOf(db, user.workspaceId, { scope: "workspace", id: user.workspaceId }, now),
    listBudgetItems(db, user.workspaceId, { skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE }, now),
  ]);

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Budgets</h1>
          <p className="page-sub">
            Spend limits in USD, on the workspace and on each API key, virtual key or config. A request is checked against every budget that
            applies to it; once one is spent, requests get <code>429 budget_exceeded</code> until its period resets. Periods are UTC: daily
            at 00:00, weekly on Monday 00:00 (ISO weeks), monthly on the 1st; rolling N days counts today and the N-1 days before; total
            never resets. A cost counts on the day its request ends.
          </p>
        </div>
      </header>
      <RoleNote need="admin" what="budgets" />

      <section className="panel" aria-labelledby="budget-workspace">
        <div className="budget-panel-head">
          <h2 id="budget-workspace">Workspace budget</h2>
          <EditBudget endpoint="/v1/workspace" subject="the workspace" budget={workspaceBudget} size="md" />
        </div>
        {workspaceBudget ? (
          <BudgetBar budget={workspaceBudget} label="Budget of the workspace" />
        ) : (
          <p className="muted budget-none">
            No workspace budget: the workspace&apos;s requests are limited only by the budgets of their keys and configs.
          </p>
        )}
      </section>

      {list.total === 0 ? (
        <EmptyState title="No budgets yet">
          Set one on an <Link href="/api-keys">API key</Link>, a <Link href="/virtual-keys">virtual key</Link> or a{" "}
          <Link href="/configs">config</Link>, or on the workspace above.
        </EmptyState>
      ) : (
        <>
          <div className="list-toolbar">
            <h2 className="budget-list-title">Every budget</h2>
            <Pagination page={page} pageSize={PAGE_SIZE} total={list.total} hrefFor={hrefFor} />
          </div>
          {list.data.length === 0 ? (
            <p className="muted ui-table-empty">No budgets on this page.</p>
          ) : (
            <div className="ui-table-wrap">
              <table className="ui-table" aria-label="Budgets">
                <thead>
                  <tr>
                    <th scope="col">Applies to</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Period</th>
                    <th scope="col">Alert at</th>
                    <th scope="col">Spend</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((b) => (
                    <BudgetRow key={b.id} budget={b} />
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

/** Where the subject's page is (API keys have a list only). */
function subjectHref(b: BudgetListItem): string | null {
  if (b.scope === "virtual_key" && b.subject_slug) return `/virtual-keys/${encodeURIComponent(b.subject_slug)}`;
  if (b.scope === "config" && b.subject_slug && b.subject_status !== "deleted") return `/configs/${encodeURIComponent(b.subject_slug)}`;
  if (b.scope === "api_key") return "/api-keys";
  return null;
}

function BudgetRow({ budget: b }: { budget: BudgetListItem }) {
  const name = b.subject_name ?? b.subject_id;
  const href = subjectHref(b);
  const muted = b.subject_status !== null && b.subject_status !== "active";
  return (
    <tr className={muted ? "is-muted" : undefined}>
      <td className="ui-cell-main">
        {href ? <Link href={href}>{name}</Link> : <span className="ui-cell-title">{name}</span>}
        {b.subject_slug ? <span className="ui-cell-sub mono">{b.subject_slug}</span> : null}
        {b.subject_name === null ? <span className="ui-cell-sub">no longer exists</span> : null}
      </td>
      <td>
        {SCOPE_LABELS[b.scope]}
        {b.subject_status && b.subject_status !== "active" ? (
          <>
            {" "}
            <Badge tone={STATUS_TONES[b.subject_status] ?? "neutral"}>{b.subject_status}</Badge>
          </>
        ) : null}
      </td>
      <td>{periodName(b.period)}</td>
      <td>{b.alert_at_pct === null ? <span className="muted">100% only</span> : `${b.alert_at_pct}%`}</td>
      <td className="budget-col budget-col-wide">
        <BudgetBar budget={b} label={`Budget of ${SCOPE_LABELS[b.scope].toLowerCase()} ${name}`} compact />
      </td>
    </tr>
  );
}
