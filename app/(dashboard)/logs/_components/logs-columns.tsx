"use client";

/**
 * The log list's columns (docs/GATEWAY.md §9 fields). Column ids that can be sorted are the API's sort
 * fields (`created_at`, `cost`, `latency_ms`), so the table's sort state maps 1:1 onto `?sort=`.
 */
import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import type { ReactNode } from "react";
import type { DataTableColumns, DataTableFeatures } from "@/components/data-table/features";
import type { LogSortField } from "@/lib/logs/query";
import { describeEndpoint } from "./endpoints";
import { FallbackGlyph, FallbackIcon } from "./fallback-icon";
import { formatCost, formatCount, formatMs, formatTime } from "./format";
import type { LogListItem } from "./log-row";
import { StatusBadge } from "./status-badge";

const col = createColumnHelper<DataTableFeatures, LogListItem>();

export const SORTABLE_LOG_COLUMNS: readonly LogSortField[] = ["created_at", "cost", "latency_ms"];

export function logDetailHref(id: string): string {
  return `/logs/${encodeURIComponent(id)}`;
}

/** `traceHref` builds the list URL filtered by one trace (the current filters kept). */
export function createLogColumns({ traceHref }: { traceHref: (traceId: string) => string }): DataTableColumns<LogListItem> {
  return col.columns([
    col.accessor("created_at", {
      id: "created_at",
      header: "Time (UTC)",
      sortDescFirst: true,
      meta: { className: "col-time mono", description: "When the request arrived, UTC" },
      cell: ({ row }) => (
        <Link href={logDetailHref(row.original.id)} title={`${row.original.created_at} · open ${row.original.id}`}>
          {formatTime(row.original.created_at)}
        </Link>
      ),
    }),
    col.accessor("status", {
      header: "Status",
      enableSorting: false,
      meta: { className: "col-status", description: "The status Detour answered with" },
      cell: ({ row }) => {
        const r = row.original;
        const notes = [
          r.error_type ? `error: ${r.error_type}` : null,
          r.retry_count > 0 ? `${r.retry_count} ${r.retry_count === 1 ? "retry" : "retries"}` : null,
          r.retry_count < 0 ? "gave up retrying" : null,
        ].filter(Boolean);
        return (
          <span className="cell-status">
            <StatusBadge status={r.status} title={notes.join(" · ") || undefined} />
            {r.retry_count !== 0 ? (
              <span className="retry-mark" title={notes.join(" · ")}>
                ↻{r.retry_count > 0 ? r.retry_count : "!"}
              </span>
            ) : null}
            {r.cache_status === "HIT" ? (
              <span className="cache-mark" title="Answered from Detour's cache">
                cached
              </span>
            ) : null}
          </span>
        );
      },
    }),
    col.accessor("fallback_used", {
      id: "fallback",
      header: () => (
        <span title="Fallback used" className="col-icon-header">
          <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
            <FallbackGlyph />
          </svg>
          <span className="sr-only">Fallback</span>
        </span>
      ),
      enableSorting: false,
      meta: { className: "col-icon" },
      cell: ({ row }) =>
        row.original.fallback_used ? <FallbackIcon failed={row.original.failed_attempts} servedBy={row.original.provider} /> : null,
    }),
    col.accessor("path", {
      id: "endpoint",
      header: "Endpoint",
      enableSorting: false,
      meta: { className: "col-endpoint mono", description: "The method and path the request was sent to" },
      cell: ({ row }) => {
        const endpoint = describeEndpoint(row.original.method, row.original.path);
        return (
          <span title={endpoint.full}>
            {endpoint.method ? <span className="muted">{endpoint.method} </span> : null}
            {endpoint.short}
          </span>
        );
      },
    }),
    col.accessor("model", {
      header: "Model",
      enableSorting: false,
      meta: { className: "col-model" },
      cell: ({ row }) => {
        const { model, model_requested: asked } = row.original;
        const shown = model ?? asked;
        if (!shown) return <span className="muted">—</span>;
        return <span title={asked && asked !== model ? `asked for ${asked}, answered by ${model ?? "—"}` : shown}>{shown}</span>;
      },
    }),
    col.accessor("provider", {
      header: "Provider",
      enableSorting: false,
      cell: ({ getValue }) => getValue() ?? <span className="muted">—</span>,
    }),
    col.accessor("total_tokens", {
      id: "tokens",
      header: "Tokens",
      enableSorting: false,
      meta: { className: "num", description: "Total tokens (prompt + completion)", cardLabel: "Tokens" },
      cell: ({ row }) => {
        const r = row.original;
        return (
          <span
            title={
              r.total_tokens === null
                ? "no usage reported"
                : `${formatCount(r.prompt_tokens)} prompt + ${formatCount(r.completion_tokens)} completion`
            }
          >
            {formatCount(r.total_tokens)}
          </span>
        );
      },
    }),
    col.accessor("cost", {
      header: "Cost",
      meta: { className: "num", description: "USD, from the price table", cardLabel: "Cost" },
      cell: ({ getValue }) => {
        const cost = getValue();
        return <span title={cost === null ? "unknown: no usage, or a model without a price" : `$${cost}`}>{formatCost(cost)}</span>;
      },
    }),
    col.accessor("latency_ms", {
      header: "Latency",
      meta: { className: "num", description: "Total time, Detour's overhead included", cardLabel: "Latency" },
      cell: ({ row }) => <span title={`${row.original.overhead_ms} ms of it in Detour`}>{formatMs(row.original.latency_ms)}</span>,
    }),
    col.accessor("trace_id", {
      header: "Trace ID",
      enableSorting: false,
      meta: { className: "col-trace mono", cardLabel: "Trace" },
      cell: ({ getValue }) => (
        <Link href={traceHref(getValue())} title={`Show only trace ${getValue()}`}>
          {getValue()}
        </Link>
      ),
    }),
    col.accessor("config", {
      header: "Config",
      enableSorting: false,
      meta: { className: "col-slug mono", cardLabel: "Config" },
      cell: ({ row }) =>
        row.original.config ? (
          <SlugWithVersion
            slug={row.original.config}
            version={row.original.config_version}
            title={`${row.original.config}, version ${row.original.config_version ?? "?"}`}
          />
        ) : (
          <span className="muted">—</span>
        ),
    }),
    col.accessor("virtual_key", {
      header: "Virtual key",
      enableSorting: false,
      meta: { className: "col-key", cardLabel: "Virtual key" },
      cell: ({ row }) => {
        const { virtual_key: slug, virtual_key_version: version, virtual_key_name: name, virtual_key_state: state } = row.original;
        if (!slug) return <span className="muted">—</span>;
        return (
          <KeyName
            name={name}
            state={state}
            title={`${name ?? "a deleted virtual key"}: ${slug}, key version ${version ?? "?"}${stateNote(state)}`}
          >
            <SlugWithVersion slug={slug} version={version} title={`${slug}, key version ${version ?? "?"}`} />
          </KeyName>
        );
      },
    }),
    col.accessor("api_key_id", {
      id: "api_key",
      header: "API key",
      enableSorting: false,
      meta: { className: "col-key", cardLabel: "API key" },
      cell: ({ row }) => {
        const { api_key_id: id, api_key_name: name, api_key_prefix: prefix, api_key_state: state } = row.original;
        if (!id) return <span className="muted">—</span>;
        return (
          <KeyName name={name} state={state} title={`${name ?? "a deleted API key"}: ${prefix ? `${prefix}...` : id}${stateNote(state)}`}>
            <span className="mono muted">{prefix ? `${prefix}...` : id}</span>
          </KeyName>
        );
      },
    }),
  ]);
}

type KeyState = LogListItem["api_key_state"];

const stateNote = (state: KeyState) =>
  state === "revoked" ? " (revoked)" : state === "expired" ? " (expired)" : state === "deleted" ? " (deleted)" : "";

/** A key's name over what the log stores (prefix or slug); a revoked, expired or deleted key says so. */
function KeyName({ name, state, title, children }: { name: string | null; state: KeyState; title: string; children: ReactNode }) {
  return (
    <span className="key-name" title={title}>
      <span className="key-name-name">
        {name ?? <span className="muted">deleted key</span>}
        {state === "revoked" || state === "expired" ? <span className="key-name-state muted"> · {state}</span> : null}
      </span>
      {children}
    </span>
  );
}

/** A slug and its version: a long slug is cut with an ellipsis, the version never is. */
function SlugWithVersion({ slug, version, title }: { slug: string; version: number | null; title: string }) {
  return (
    <span className="slug-version" title={title}>
      <span className="slug-version-slug">{slug}</span>
      {version !== null ? <span className="slug-version-v muted">v{version}</span> : null}
    </span>
  );
}
