"use client";

/**
 * A header cell: plain text, or for a sortable column a button that toggles the sort, with
 * `aria-sort` on the cell so assistive technology announces the order.
 */
import type { Header, RowData } from "@tanstack/react-table";
import type { ReactNode } from "react";
import type { DataTableFeatures } from "./features";

export function DataTableColumnHeader<TData extends RowData>({
  header,
  children,
}: {
  header: Header<DataTableFeatures, TData, unknown>;
  children: ReactNode;
}) {
  const column = header.column;
  const meta = column.columnDef.meta;
  const className = meta?.className;
  if (header.isPlaceholder || !column.getCanSort()) {
    return (
      <th scope="col" className={className} title={meta?.description}>
        {children}
      </th>
    );
  }
  const sorted = column.getIsSorted();
  const next = column.getNextSortingOrder();
  const hint = next === "asc" ? "sort ascending" : next === "desc" ? "sort descending" : "back to the default order";
  return (
    <th scope="col" className={className} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}>
      <button
        type="button"
        className="dt-sort"
        onClick={column.getToggleSortingHandler()}
        title={`${meta?.description ? `${meta.description}: ` : ""}${hint}`}
      >
        {children}
        <SortArrow direction={sorted} />
      </button>
    </th>
  );
}

function SortArrow({ direction }: { direction: false | "asc" | "desc" }) {
  return (
    <svg
      className="dt-sort-arrow"
      data-direction={direction || "none"}
      width="10"
      height="10"
      viewBox="0 0 10 10"
      aria-hidden="true"
      focusable="false"
    >
      {direction !== "desc" ? <path d="M5 1 8.5 4.5h-7z" opacity={direction === "asc" ? 1 : 0.35} /> : null}
      {direction !== "asc" ? <path d="M5 9 1.5 5.5h7z" opacity={direction === "desc" ? 1 : 0.35} /> : null}
    </svg>
  );
}
