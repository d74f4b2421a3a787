"use client";

/** The audit table's columns: when, actor, action, target, address, and a button showing the change. */
import { createColumnHelper } from "@tanstack/react-table";
import type { DataTableColumns, DataTableFeatures } from "@/components/data-table/features";
import type { AuditEventView } from "@/lib/api/audit";

const col = createColumnHelper<DataTableFeatures, AuditEventView>();

/** `2026-01-31T12:00:00.123Z` -> `2026-01-31 12:00:00` (UTC). */
function formatTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

export function createAuditColumns({ onShowChange }: { onShowChange: (event: AuditEventView) => void }): DataTableColumns<AuditEventView> {
  return col.columns([
    col.accessor("at", {
      header: "When (UTC)",
      enableSorting: false,
      meta: { className: "col-time mono", description: "When the change was made, UTC" },
      cell: ({ row }) => <span title={row.original.at}>{formatTime(row.original.at)}</span>,
    }),
    col.display({
      id: "actor",
      header: "Actor",
      meta: { description: "Who made the change: a user (email) or an API key (name and prefix)" },
      cell: ({ row }) => {
        const { actor } = row.original;
        return (
          <span title={actor.id ? `${actor.type} ${actor.id}` : actor.type}>
            {actor.label ?? actor.id ?? actor.type}
            {actor.type === "api_key" ? <span className="muted"> · API key</span> : null}
          </span>
        );
      },
    }),
    col.accessor("action", {
      header: "Action",
      enableSorting: false,
      meta: { className: "mono", description: "What happened: <target type>.<verb>" },
      cell: ({ row }) => <code>{row.original.action}</code>,
    }),
    col.display({
      id: "target",
      header: "Target",
      meta: { description: "What was changed" },
      cell: ({ row }) => {
        const { target } = row.original;
        if (!target.type && !target.id) return <span className="muted">—</span>;
        return (
          <span title={target.id ? `${target.type} ${target.id}` : (target.type ?? undefined)}>
            <span className="muted">{target.type}</span> {target.label ?? target.id}
          </span>
        );
      },
    }),
    col.accessor("address", {
      header: "Address",
      enableSorting: false,
      meta: { className: "mono", description: "The client's address (behind a trusted proxy: the forwarded one)" },
      cell: ({ row }) => <span title={row.original.user_agent ?? undefined}>{row.original.address ?? "—"}</span>,
    }),
    col.display({
      id: "change",
      header: "Change",
      meta: { description: "The target before and after, secrets removed" },
      cell: ({ row }) =>
        row.original.before === null && row.original.after === null ? (
          <span className="muted">—</span>
        ) : (
          <button
            type="button"
            className="btn btn-sm"
            aria-label={`Before and after of ${row.original.action} at ${formatTime(row.original.at)}`}
            onClick={() => onShowChange(row.original)}
          >
            Before / after
          </button>
        ),
    }),
  ]);
}
