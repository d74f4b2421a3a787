"use client";

/**
 * "Columns": which of the log list's columns are shown (the time stays: it is each row's link),
 * and a way back to every column's own width. The explorer keeps the layout and stores it for
 * the user (`PUT /v1/log-columns`), so it follows them to another browser.
 */
import { LOG_COLUMNS, REQUIRED_LOG_COLUMNS, type LogColumnId } from "@/lib/logs/views";

export function ColumnChooser({
  hidden,
  hasWidths,
  onToggle,
  onResetWidths,
  status,
}: {
  hidden: readonly string[];
  hasWidths: boolean;
  onToggle: (id: LogColumnId, shown: boolean) => void;
  onResetWidths: () => void;
  /** Whether the last change is stored ("Saved", "Could not save: ..."). */
  status: string;
}) {
  const shown = LOG_COLUMNS.length - hidden.length;
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
                </li>
              );
            })}
          </ul>
        </fieldset>
        <p className="muted">
          Drag a column header&apos;s right edge to resize it, or focus that edge and use the Left and Right arrow keys.
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
