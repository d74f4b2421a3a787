"use client";

/**
 * "Columns": which of the log list's columns are shown (the time stays: it is each row's link),
 * each column's width in pixels (the keyboard's way to resize: the header edges are dragged with
 * the pointer and stay out of the Tab order, which keeps the table a few Tab stops), and a way
 * back to every column's own width. The explorer keeps the layout and stores it for
 * the user (`PUT /v1/log-columns`), so it follows them to another browser.
 */
import type { KeyboardEvent } from "react";
import { LOG_COLUMN_WIDTH, LOG_COLUMNS, REQUIRED_LOG_COLUMNS, type LogColumnId } from "@/lib/logs/views";

export function ColumnChooser({
  hidden,
  widths,
  onWidth,
  onToggle,
  onResetWidths,
  status,
}: {
  hidden: readonly string[];
  widths: Readonly<Partial<Record<LogColumnId, number>>>;
  /** A width typed for a column (null: fit its content). */
  onWidth: (id: LogColumnId, width: number | null) => void;
  onToggle: (id: LogColumnId, shown: boolean) => void;
  onResetWidths: () => void;
  /** Whether the last change is stored ("Saved", "Could not save: ..."). */
  status: string;
}) {
  const shown = LOG_COLUMNS.length - hidden.length;
  const hasWidths = Object.keys(widths).length > 0;
  const commit = (id: LogColumnId, input: HTMLInputElement) => {
    const text = input.value.trim();
    if (text === "") {
      if (widths[id] !== undefined) onWidth(id, null);
      return;
    }
    const n = Math.round(Number(text));
    if (!Number.isFinite(n)) return;
    const width = Math.min(LOG_COLUMN_WIDTH.max, Math.max(LOG_COLUMN_WIDTH.min, n));
    input.value = String(width);
    if (width !== widths[id]) onWidth(id, width);
  };
  return (
    <details className="logs-menu logs-columns">
      <summary className="btn btn-sm">
        Columns{" "}
        <span className="muted">
          ({shown} of {LOG_COLUMNS.length})
        </span>
      </summary>
      <div className="logs-menu-panel">
        <fieldset>
          <legend className="sr-only">Columns shown</legend>
          <ul>
            {LOG_COLUMNS.map((c) => {
              const required = REQUIRED_LOG_COLUMNS.includes(c.id);
              return (
                <li key={c.id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={!hidden.includes(c.id)}
                      disabled={required}
                      onChange={(e) => onToggle(c.id, e.target.checked)}
                    />
                    {c.label}
                    <span className="sr-only"> column</span>
                    {required ? <span className="muted">(always shown)</span> : null}
                  </label>
                  <input
                    key={widths[c.id] ?? "auto"}
                    type="number"
                    className="logs-column-width"
                    aria-label={`${c.label} column width (px)`}
                    min={LOG_COLUMN_WIDTH.min}
                    max={LOG_COLUMN_WIDTH.max}
                    step={10}
                    placeholder="auto"
                    defaultValue={widths[c.id] ?? ""}
                    onBlur={(e) => commit(c.id, e.currentTarget)}
                    onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
                      if (e.key === "Enter") {
                        e.preventDefault();
                        commit(c.id, e.currentTarget);
                      }
                    }}
                  />
                </li>
              );
            })}
          </ul>
        </fieldset>
        <p className="muted">
          Widths in pixels ({LOG_COLUMN_WIDTH.min} to {LOG_COLUMN_WIDTH.max}; empty: fit the content), or drag a column header&apos;s right
          edge.
        </p>
        <button type="button" className="btn btn-sm" disabled={!hasWidths} onClick={onResetWidths}>
          Reset column widths
        </button>
        <p className="muted" role="status">
          {status}
        </p>
      </div>
    </details>
  );
}
