/**
 * The one feature set of Detour's server-driven tables: sorting, manual (the server sorts, filters
 * and pages; the table renders what it was given), and the columns' visibility and sizes (the log
 * explorer's column chooser and resizable columns; the table's owner holds and stores both). Columns are written with
 * `createColumnHelper<DataTableFeatures, Row>()` so their types match the table's.
 */
import {
  columnSizingFeature,
  columnVisibilityFeature,
  rowSortingFeature,
  tableFeatures,
  type ColumnDef,
  type RowData,
} from "@tanstack/react-table";

/** Presentation hints a column may carry (`meta` on its definition). */
export type DataTableColumnMeta = {
  /** Class on the column's header and cells, e.g. `num` to right-align numbers. */
  className?: string;
  /** Shown as the header's tooltip (what the column holds, its unit). */
  description?: string;
  /** In a table drawn as cards (narrow screens), the word shown before the cell's value. */
  cardLabel?: string;
};

export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  columnVisibilityFeature,
  columnSizingFeature,
  columnMeta: {} as DataTableColumnMeta,
});

export type DataTableFeatures = typeof dataTableFeatures;

// biome-ignore lint/suspicious/noExplicitAny: a column list mixes value types, as in TanStack's own `columns()` helper
export type DataTableColumns<TData extends RowData> = ReadonlyArray<ColumnDef<DataTableFeatures, TData, any>>;
