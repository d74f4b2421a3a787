"use client";

/**
 * A header cell: plain text, or for a sortable column a button that toggles the sort, with
 * `aria-sort` on the cell so assistive technology announces the order. With `onResize`, a resize
 * handle on its right edge: a vertical separator whose value is the width, dragged with the
 * pointer; once clicked (focused) Left / Right move it (10 px; with Shift 50 px), Home / End
 * (narrowest, widest); Delete or a double click gives the column its content's width again. The
 * handles stay out of the Tab order (a table is a few Tab stops, not one per column): the owner
 * offers the keyboard's way to set widths (the log explorer: width fields in its Columns chooser).
 */
import type { Header, RowData } from "@tanstack/react-table";
import type { CSSProperties, KeyboardEvent, PointerEvent, ReactNode } from "react";
import { useRef } from "react";
import type { DataTableFeatures } from "./features";

/** The narrowest and widest a column may be resized to, in pixels. */
export const COLUMN_WIDTH_LIMITS = { min: 48, max: 800 } as const;

/** A column's width as a CSS variable (the stylesheet applies it from 700 px up, so cards ignore it). */
export function widthStyle(width: number | undefined): { className?: string; style?: CSSProperties } {
  return width === undefined ? {} : { className: "dt-sized", style: { "--col-w": `${width}px` } as CSSProperties };
}

const clampWidth = (w: number) => Math.round(Math.min(COLUMN_WIDTH_LIMITS.max, Math.max(COLUMN_WIDTH_LIMITS.min, w)));

export function DataTableColumnHeader<TData extends RowData>({
  header,
  children,
  width,
  onResize,
}: {
  header: Header<DataTableFeatures, TData, unknown>;
  children: ReactNode;
  /** The column's width when it has been given one. */
  width?: number;
  onResize?: (width: number | null) => void;
}) {
  const column = header.column;
  const meta = column.columnDef.meta;
  const sized = widthStyle(width);
  const className = [meta?.className, sized.className, onResize ? "dt-resizable" : undefined].filter(Boolean).join(" ") || undefined;
  const handle = onResize && !header.isPlaceholder ? <ResizeHandle label={columnName(header)} width={width} onResize={onResize} /> : null;
  if (header.isPlaceholder || !column.getCanSort()) {
    return (
      <th scope="col" className={className} style={sized.style} title={meta?.description}>
        {children}
        {handle}
      </th>
    );
  }
  const sorted = column.getIsSorted();
  const next = column.getNextSortingOrder();
  const hint = next === "asc" ? "sort ascending" : next === "desc" ? "sort descending" : "back to the default order";
  return (
    <th
      scope="col"
      className={className}
      style={sized.style}
      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
    >
      <button
        type="button"
        className="dt-sort"
        onClick={column.getToggleSortingHandler()}
        title={`${meta?.description ? `${meta.description}: ` : ""}${hint}`}
      >
        {children}
        <SortArrow direction={sorted} />
      </button>
      {handle}
    </th>
  );
}

/** The column's name for the handle's label: its card label, its text header, or its id. */
function columnName<TData extends RowData>(header: Header<DataTableFeatures, TData, unknown>): string {
  const def = header.column.columnDef;
  if (typeof def.header === "string") return def.header;
  return def.meta?.cardLabel ?? header.column.id;
}

function ResizeHandle({ label, width, onResize }: { label: string; width?: number; onResize: (width: number | null) => void }) {
  const drag = useRef<{ startX: number; startWidth: number } | null>(null);
  const current = (el: HTMLElement) => width ?? Math.round(el.closest("th")?.getBoundingClientRect().width ?? COLUMN_WIDTH_LIMITS.min);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const now = current(event.currentTarget);
    const step = event.shiftKey ? 50 : 10;
    const to: Record<string, number | null> = {
      ArrowLeft: clampWidth(now - step),
      ArrowRight: clampWidth(now + step),
      Home: COLUMN_WIDTH_LIMITS.min,
      End: COLUMN_WIDTH_LIMITS.max,
      Delete: null,
      Backspace: null,
    };
    if (!(event.key in to)) return;
    event.preventDefault();
    event.stopPropagation();
    onResize(to[event.key]!);
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { startX: event.clientX, startWidth: current(event.currentTarget) };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    onResize(clampWidth(drag.current.startWidth + event.clientX - drag.current.startX));
  };
  const end = (event: PointerEvent<HTMLDivElement>) => {
    drag.current = null;
    if (event.currentTarget.hasPointerCapture(event.pointerId)) event.currentTarget.releasePointerCapture(event.pointerId);
  };

  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable separator is the ARIA pattern for a splitter (<hr> cannot take focus or keys)
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize ${label} column`}
      aria-valuenow={width}
      aria-valuemin={COLUMN_WIDTH_LIMITS.min}
      aria-valuemax={COLUMN_WIDTH_LIMITS.max}
      aria-valuetext={width === undefined ? "fits its content" : `${width} pixels`}
      title="Drag, or use the Left and Right arrow keys, to resize; Delete or a double click fits the content"
      tabIndex={-1}
      className="dt-resize"
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={end}
      onPointerCancel={end}
      onDoubleClick={() => onResize(null)}
      onClick={(e) => e.stopPropagation()}
    />
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
