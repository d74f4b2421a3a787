"use client";

/**
 * The log explorer's Export control: a format (CSV or JSONL), "Include bodies", and a download link
 * to `GET /v1/logs/export` with the filters and sort the page shows (the URL's, applied: not what is
 * typed in the filter form and not yet applied). No limit or cursor: the export holds every
 * matching log, streamed by the server (docs/MANAGEMENT-API.md, "Log export").
 */
import { useState } from "react";
import { logQueryToSearchParams, type LogFilters, type LogRange, type LogSort } from "@/lib/logs/query";

export type ExportFormat = "csv" | "jsonl";

/** The export URL of a query (a relative range stays relative: the export resolves it when it starts). */
export function logExportHref(filters: LogFilters, sort: LogSort, format: ExportFormat, bodies: boolean, range?: LogRange): string {
  const params = logQueryToSearchParams({ filters, sort, range });
  params.set("format", format);
  if (bodies) params.set("bodies", "true");
  return `/v1/logs/export?${params.toString()}`;
}

export function LogExport({ filters, sort, range }: { filters: LogFilters; sort: LogSort; range?: LogRange }) {
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [bodies, setBodies] = useState(false);
  return (
    <fieldset className="log-export" aria-label="Export logs">
      <div className="dt-field dt-field-inline">
        <label htmlFor="logs-export-format">Export as</label>
        <select id="logs-export-format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          <option value="csv">CSV</option>
          <option value="jsonl">JSONL</option>
        </select>
      </div>
      <label className="dt-field-inline log-export-bodies">
        <input type="checkbox" checked={bodies} onChange={(e) => setBodies(e.target.checked)} /> Include bodies
      </label>
      <a className="btn btn-sm" href={logExportHref(filters, sort, format, bodies, range)} download>
        Export
      </a>
    </fieldset>
  );
}
