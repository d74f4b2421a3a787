"use client";

/**
 * A server-driven table: the page hands it one page of rows already filtered, sorted and cut by
 * the server, and the current sort; a click on a sortable header reports the new sort (the page
 * puts it in the URL, which brings the next rows). Rows may link to a detail page: a click anywhere
 * on the row follows it. For the keyboard such a table is one Tab stop (a roving tabindex): the
 * arrows, Home, End, Page Up and Page Down move between rows, Enter opens the focused row (with
 * Ctrl or Cmd in a new tab), Right and Left walk the row's own links and Escape returns to the row.
 * `cards`: below 700 px wide each row is drawn as a card (CSS: `.dt-cards`), the sortable headers
 * as a sort bar above them.
 * Columns may be hidden (`columnVisibility`) and given widths (`columnWidths`, drawn from 700 px
 * up: cards ignore them); with `onColumnResize` each header has a resize handle, dragged with the
 * pointer or moved with the arrow keys (column-header.tsx). The owner keeps both and stores them.
 */
import { useTable, type ColumnVisibilityState, type RowData, type SortingState, type Updater } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { type KeyboardEvent, type ReactNode, useId, useLayoutEffect, useRef, useState } from "react";
import { DataTableColumnHeader, widthStyle } from "./column-header";
import { dataTableFeatures, type DataTableColumns } from "./features";
import { controlIndexForKey, rowIndexForKey } from "./row-keys";

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
  /** Rows as cards on narrow screens (each cell's `meta.cardLabel` names its value there). */
  cards?: boolean;
  /** A class for the table, for page-specific layout (e.g. the cards' grid). */
  className?: string;
  /** The id of the table's frame (a link target). */
  id?: string;
  /** Columns shown (false: hidden); a column not named is shown. */
  columnVisibility?: ColumnVisibilityState;
  /** Widths in pixels of the columns that have one (the others size to their content). */
  columnWidths?: Readonly<Record<string, number>>;
  /** Given: headers get a resize handle; called with the new width, or null to go back to the content's width. */
  onColumnResize?: (columnId: string, width: number | null) => void;
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
  cards,
  className,
  id,
  columnVisibility,
  columnWidths,
  onColumnResize,
}: DataTableProps<TData>) {
  const router = useRouter();
  const hintId = useId();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  /** The row that holds the table's one Tab stop (when rows link somewhere). */
  const [focusIndex, setFocusIndex] = useState(0);
  const roving = rowHref !== undefined;
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data,
    getRowId: (row) => getRowId(row),
    manualSorting: true,
    enableMultiSort: false,
    sortDescFirst: true,
    state: { sorting, columnVisibility: columnVisibility ?? {} },
    onSortingChange: (updater: Updater<SortingState>) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      onSortingChange?.(next);
    },
  });
  const rows = table.getRowModel().rows;
  const columnCount = table.getVisibleLeafColumns().length;
  const tabStop = Math.min(focusIndex, Math.max(rows.length - 1, 0));

  // The controls inside rows (links, the fallback icon) leave the Tab order: the row is the stop,
  // and Right / Left reach them. After every render, since cells may render new controls.
  useLayoutEffect(() => {
    if (!roving || !bodyRef.current) return;
    for (const el of bodyRef.current.querySelectorAll<HTMLElement>(`tr > td :is(${INTERACTIVE})`)) el.tabIndex = -1;
  });

  const rowElements = () => Array.from(bodyRef.current?.querySelectorAll<HTMLTableRowElement>(":scope > tr[data-row-index]") ?? []);

  const open = (href: string, newTab: boolean) => {
    if (newTab) window.open(href, "_blank", "noopener");
    else router.push(href);
  };

  const onRowKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, index: number, href: string) => {
    if (event.altKey) return;
    const row = event.currentTarget;
    const onRow = event.target === row;
    const next = event.ctrlKey || event.metaKey ? null : rowIndexForKey(event.key, index, rows.length);
    if (next !== null) {
      event.preventDefault();
      setFocusIndex(next);
      rowElements()[next]?.focus();
      return;
    }
    if (event.key === "Enter" && onRow) {
      event.preventDefault();
      open(href, event.metaKey || event.ctrlKey);
      return;
    }
    if (event.key === "Escape" && !onRow) {
      event.preventDefault();
      row.focus();
      return;
    }
    const controls = Array.from(row.querySelectorAll<HTMLElement>(`td :is(${INTERACTIVE})`));
    const current = onRow ? -1 : controls.indexOf(event.target as HTMLElement);
    const to = controlIndexForKey(event.key, current, controls.length);
    if (to === null) return;
    event.preventDefault();
    (to === -1 ? row : controls[to])?.focus();
  };

  return (
    <div id={id} className={cards ? "dt-scroll dt-cards" : "dt-scroll"}>
      {roving ? (
        <p id={hintId} className="sr-only">
          Up and Down arrows move between rows, Enter opens a row, Right and Left reach its links.
        </p>
      ) : null}
      <table
        className={["dt", className].filter(Boolean).join(" ")}
        aria-label={label}
        aria-describedby={roving ? hintId : undefined}
        aria-busy={busy || undefined}
        data-busy={busy || undefined}
      >
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <DataTableColumnHeader
                  key={header.id}
                  header={header}
                  width={columnWidths?.[header.column.id]}
                  onResize={onColumnResize ? (width) => onColumnResize(header.column.id, width) : undefined}
                >
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </DataTableColumnHeader>
              ))}
            </tr>
          ))}
        </thead>
        <tbody ref={bodyRef}>
          {rows.length === 0 ? (
            <tr className="dt-empty">
              <td colSpan={columnCount}>{empty}</td>
            </tr>
          ) : (
            rows.map((row, index) => {
              const href = rowHref?.(row.original);
              return (
                <tr
                  key={row.id}
                  data-row-index={index}
                  className={[href ? "dt-link-row" : undefined, rowClassName?.(row.original)].filter(Boolean).join(" ") || undefined}
                  // The roving tab stop: one row takes Tab, the arrows move it (see onRowKeyDown).
                  tabIndex={href ? (index === tabStop ? 0 : -1) : undefined}
                  onFocus={href ? () => setFocusIndex(index) : undefined}
                  onKeyDown={href ? (event) => onRowKeyDown(event, index, href) : undefined}
                  onClick={
                    href
                      ? (event) => {
                          // Links and buttons inside the row do their own thing; a text selection is not a click.
                          const control = (event.target as Element).closest(INTERACTIVE);
                          if ((control && control !== event.currentTarget) || window.getSelection()?.toString()) return;
                          open(href, event.metaKey || event.ctrlKey);
                        }
                      : undefined
                  }
                >
                  {row.getVisibleCells().map((cell) => {
                    const meta = cell.column.columnDef.meta;
                    const sized = widthStyle(columnWidths?.[cell.column.id]);
                    return (
                      <td
                        key={cell.id}
                        className={[meta?.className, sized.className].filter(Boolean).join(" ") || undefined}
                        style={sized.style}
                        data-col={cards ? cell.column.id : undefined}
                        data-label={cards ? meta?.cardLabel : undefined}
                      >
                        <table.FlexRender cell={cell} />
                      </td>
                    );
                  })}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}
