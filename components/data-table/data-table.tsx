"use client";

/**
 * A server-driven table: the page hands it one page of rows already filtered, sorted and cut by
 * the server, and the current sort; a click on a sortable header reports the new sort (the page
 * puts it in the URL, which brings the next rows). Rows may link to a detail page: a click anywhere
 * on the row follows it, and the row's first link is the keyboard's way there.
 */
import { useTable, type RowData, type SortingState, type Updater } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { DataTableColumnHeader } from "./column-header";
import { dataTableFeatures, type DataTableColumns } from "./features";

export type DataTableProps<TData extends RowData> = {
  /** The table's accessible name. */
  label: string;
  columns: DataTableColumns<TData>;
  data: readonly TData[];
  getRowId: (row: TData) => string;
  sorting: SortingState;
  onSortingChange?: (sorting: SortingState) => void;
  /** A detail page for the row (a click on the row opens it). */
  rowHref?: (row: TData) => string;
  rowClassName?: (row: TData) => string | undefined;
  /** True while the next rows are loading (the table dims and says so). */
  busy?: boolean;
  /** Shown in place of the rows when there are none. */
  empty: ReactNode;
};

const INTERACTIVE = "a, button, input, select, textarea, summary, [tabindex]";

export function DataTable<TData extends RowData>({
  label,
  columns,
  data,
  getRowId,
  sorting,
  onSortingChange,
  rowHref,
  rowClassName,
  busy,
  empty,
}: DataTableProps<TData>) {
  const router = useRouter();
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data,
    getRowId: (row) => getRowId(row),
    manualSorting: true,
    enableMultiSort: false,
    sortDescFirst: true,
    state: { sorting },
    onSortingChange: (updater: Updater<SortingState>) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      onSortingChange?.(next);
    },
  });
  const rows = table.getRowModel().rows;
  const columnCount = table.getAllLeafColumns().length;

  return (
    <div className="dt-scroll">
      <table className="dt" aria-label={label} aria-busy={busy || undefined} data-busy={busy || undefined}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <DataTableColumnHeader key={header.id} header={header}>
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </DataTableColumnHeader>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr className="dt-empty">
              <td colSpan={columnCount}>{empty}</td>
            </tr>
          ) : (
            rows.map((row) => {
              const href = rowHref?.(row.original);
              return (
                <tr
                  key={row.id}
                  className={[href ? "dt-link-row" : undefined, rowClassName?.(row.original)].filter(Boolean).join(" ") || undefined}
                  onClick={
                    href
                      ? (event) => {
                          // Links and buttons inside the row do their own thing; a text selection is not a click.
                          if ((event.target as Element).closest(INTERACTIVE) || window.getSelection()?.toString()) return;
                          if (event.metaKey || event.ctrlKey) window.open(href, "_blank", "noopener");
                          else router.push(href);
                        }
                      : undefined
                  }
                >
                  {row.getAllCells().map((cell) => (
                    <td key={cell.id} className={cell.column.columnDef.meta?.className}>
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}
