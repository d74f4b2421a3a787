"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { TextInput } from "@/components/ui/field";
import { notify } from "@/components/ui/toast";
import { sendJson } from "@/lib/browser/submit-json";
import { providerLabel } from "@/lib/gateway/providers/catalog";
import type { PriceListRow } from "@/lib/pricing/price-list";
import { formatPrice, formatThreshold, formatTokens } from "./format";
import { PriceOverrideDialog, type PriceDraft } from "./price-override-dialog";
import { Can } from "../../_components/role";

type Action = { kind: "add" } | { kind: "override" | "edit" | "remove"; row: PriceListRow };

const draftOf = (row: PriceListRow): PriceDraft => ({
  provider: row.provider,
  model: row.model,
  input: row.input,
  output: row.output,
  cachedInput: row.cachedInput,
  cacheWrite: row.cacheWrite,
  reasoning: row.reasoning,
});

/** The words a row is found by: provider id and name, model. */
const searchText = (row: PriceListRow) => `${row.provider} ${providerLabel(row.provider)} ${row.model}`.toLowerCase();

/**
 * Every price the workspace is billed at, filtered as you type (provider or model), with the
 * actions of each row: "Override" a table's price, "Edit" or "Remove override" of the workspace's own
 * (an admin's to take: others see the prices only).
 */
export function PriceTable({ rows }: { rows: PriceListRow[] }) {
  const router = useRouter();
  const [filter, setFilter] = useState("");
  const [action, setAction] = useState<Action | null>(null);
  const close = () => setAction(null);
  const shown = useMemo(() => {
    const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
    return words.length ? rows.filter((row) => words.every((w) => searchText(row).includes(w))) : rows;
  }, [rows, filter]);
  const overrides = rows.filter((r) => r.source === "override").length;

  async function remove(row: PriceListRow): Promise<string | null> {
    const query = new URLSearchParams({ provider: row.provider, model: row.model });
    const result = await sendJson(`/v1/prices?${query}`, "DELETE");
    if (!result.ok) return result.message;
    notify(`Removed this workspace's price of ${row.model} (${providerLabel(row.provider)}).`);
    router.refresh();
    return null;
  }

  const dialogTitle =
    action?.kind === "override"
      ? `Override the price of ${action.row.model}`
      : action?.kind === "edit"
        ? `Edit the price of ${action.row.model}`
        : "Add a price override";

  return (
    <>
      <div className="list-toolbar prices-toolbar">
        <TextInput
          label="Filter"
          type="search"
          placeholder="provider or model, e.g. anthropic sonnet"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          autoComplete="off"
        />
        <span className="muted prices-count" aria-live="polite">
          {shown.length === rows.length ? `${rows.length} prices` : `${shown.length} of ${rows.length} prices`}
          {overrides ? ` · ${overrides} overridden here` : ""}
        </span>
        <Can need="admin">
          <div className="page-actions">
            <Button variant="primary" onClick={() => setAction({ kind: "add" })}>
              Add price override
            </Button>
          </div>
        </Can>
      </div>
      {shown.length === 0 ? (
        <p className="muted ui-table-empty">No price matches “{filter.trim()}”. Add an override to price a model no table lists.</p>
      ) : (
        <div className="ui-table-wrap">
          <table className="ui-table">
            <caption className="sr-only">Prices, USD per 1M tokens</caption>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Input
                </th>
                <th scope="col" className="num">
                  Cached input
                </th>
                <th scope="col" className="num">
                  Cache write
                </th>
                <th scope="col" className="num">
                  Output
                </th>
                <th scope="col" className="num">
                  Reasoning
                </th>
                <th scope="col" className="num" title="The most output tokens one answer can hold">
                  Max output
                </th>
                <th scope="col">Source</th>
                <th scope="col" className="ui-col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <PriceRow key={`${row.provider}/${row.model}`} row={row} onAction={setAction} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PriceOverrideDialog
        open={action !== null && action.kind !== "remove"}
        onClose={close}
        title={dialogTitle}
        draft={action && action.kind !== "add" ? draftOf(action.row) : null}
      />
      {action?.kind === "remove" ? (
        <ConfirmDialog
          open
          onClose={close}
          title={`Remove the override of ${action.row.model}?`}
          confirmLabel="Remove override"
          pendingLabel="Removing…"
          onConfirm={() => remove(action.row)}
        >
          <p>
            Requests of this workspace to {providerLabel(action.row.provider)} for <code>{action.row.model}</code> are priced from the price
            table again from the next request on, or have an unknown cost if no table lists the model.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function PriceRow({ row, onAction }: { row: PriceListRow; onAction: (action: Action) => void }) {
  const override = row.source === "override";
  const { above } = row;
  return (
    <tr>
      <td>{providerLabel(row.provider)}</td>
      <td className="ui-cell-main">
        <code>{row.model}</code>
        {above ? (
          <span
            className="ui-cell-sub"
            title={`Every token of a request whose prompt holds more than ${above.tokens.toLocaleString("en-US")} tokens: input ${formatPrice(above.input)}, cached input ${formatPrice(above.cachedInput ?? null)}, cache write ${formatPrice(above.cacheWrite ?? null)}, output ${formatPrice(above.output ?? null)}`}
          >
            over {formatThreshold(above.tokens)} prompt: {formatPrice(above.input)} / {formatPrice(above.output ?? null)}
          </span>
        ) : null}
      </td>
      <td className="num">{formatPrice(row.input)}</td>
      <td className="num">{formatPrice(row.cachedInput)}</td>
      <td className="num">{formatPrice(row.cacheWrite)}</td>
      <td className="num">{formatPrice(row.output)}</td>
      <td className="num">{formatPrice(row.reasoning)}</td>
      <td className="num">{formatTokens(row.maxOutputTokens)}</td>
      <td>
        {override ? <Badge tone="info">Override</Badge> : <Badge>Table</Badge>}
        <time className="ui-cell-sub" dateTime={row.date} title={override ? "Set on" : "Prices read on"}>
          {row.date}
        </time>
      </td>
      <td className="ui-col-actions">
        <Can need="admin">
          <div className="vk-actions">
            {override ? (
              <>
                <Button size="sm" onClick={() => onAction({ kind: "edit", row })}>
                  Edit<span className="sr-only"> {row.model}</span>
                </Button>
                <Button size="sm" variant="danger" onClick={() => onAction({ kind: "remove", row })}>
                  Remove<span className="sr-only"> override of {row.model}</span>
                </Button>
              </>
            ) : (
              <Button size="sm" onClick={() => onAction({ kind: "override", row })}>
                Override<span className="sr-only"> {row.model}</span>
              </Button>
            )}
          </div>
        </Can>
      </td>
    </tr>
  );
}
