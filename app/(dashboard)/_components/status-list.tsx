import type { ReactNode } from "react";
import { FilterTabs } from "@/components/ui/filter-tabs";
import { listHref, type ListQuery } from "@/lib/dashboard/list-query";
import { Pagination } from "@/components/ui/pagination";

export type StatusCounts = { active: number; revoked: number };

type StatusListFn<R> = (options: { status?: "active" | "revoked"; skip: number; take: number }) => Promise<{ total: number; rows: R[] }>;

/** The rows of the page `query` asks for, and the counts the status tabs show (three queries at once). */
export async function loadStatusList<R>(
  list: StatusListFn<R>,
  query: ListQuery,
  pageSize: number,
): Promise<{ page: { total: number; rows: R[] }; counts: StatusCounts; all: number }> {
  const [page, active, revoked] = await Promise.all([
    list({ status: query.status, skip: (query.page - 1) * pageSize, take: pageSize }),
    list({ status: "active", skip: 0, take: 0 }),
    list({ status: "revoked", skip: 0, take: 0 }),
  ]);
  return { page, counts: { active: active.total, revoked: revoked.total }, all: active.total + revoked.total };
}

/**
 * The body of a list page whose rows are active or revoked (API keys, virtual keys): status tabs
 * with counts, pagination in the URL, and the table (`columns` in its head, `children` as rows;
 * their cells carry `data-label`, which names them when narrow screens show each row as a card).
 */
export function StatusList({
  base,
  query,
  pageSize,
  counts,
  total,
  rowCount,
  columns,
  children,
}: {
  base: string;
  query: ListQuery;
  pageSize: number;
  counts: StatusCounts;
  /** Rows matching the current status filter (all pages). */
  total: number;
  /** Rows on this page. */
  rowCount: number;
  columns: ReactNode;
  children: ReactNode;
}) {
  const tab = (status: ListQuery["status"], label: string, count: number) => ({
    href: listHref(base, { status }),
    label,
    count,
    current: query.status === status,
  });
  return (
    <>
      <div className="list-toolbar">
        <FilterTabs
          label="Filter by status"
          tabs={[
            tab(undefined, "All", counts.active + counts.revoked),
            tab("active", "Active", counts.active),
            tab("revoked", "Revoked", counts.revoked),
          ]}
        />
        <Pagination
          page={query.page}
          pageSize={pageSize}
          total={total}
          hrefFor={(page) => listHref(base, { status: query.status, page })}
        />
      </div>
      {rowCount === 0 ? (
        <p className="muted ui-table-empty">No {query.status ?? ""} keys on this page.</p>
      ) : (
        // Below 700 px each row is a card, its cells named by their `data-label` (globals.css: .ui-table-cards).
        <div className="ui-table-wrap">
          <table className="ui-table ui-table-cards">
            <thead>
              <tr>
                {columns}
                <th scope="col" className="ui-col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>{children}</tbody>
          </table>
        </div>
      )}
    </>
  );
}
