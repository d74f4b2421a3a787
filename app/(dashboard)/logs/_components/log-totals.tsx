/**
 * The line above the log list: how many requests the filters match and what they cost (a server
 * component, streamed after the rows: lib/store/log-totals.ts). Exact numbers say so plainly;
 * a capped count says "at least" and what the cost covers.
 */
import { getDb } from "@/lib/db";
import type { LogFilters } from "@/lib/logs/query";
import { logTotals, TOTALS_CAP } from "@/lib/store/log-totals";

const count = new Intl.NumberFormat("en-US");

function usd(n: number): string {
  if (n === 0) return "$0.00";
  if (n < 0.01) return `$${n.toPrecision(2)}`;
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export async function LogTotalsLine({ workspaceId, filters }: { workspaceId: string; filters: LogFilters }) {
  let totals: Awaited<ReturnType<typeof logTotals>>;
  try {
    totals = await logTotals(getDb(), workspaceId, filters);
  } catch {
    return <p className="logs-totals">Totals are not available right now.</p>;
  }
  const noun = totals.requests === 1 ? "request" : "requests";
  if (totals.exact) {
    return (
      <p className="logs-totals" data-exact="true">
        <strong>{count.format(totals.requests)}</strong> {noun} match, costing <strong>{usd(totals.costUsd)}</strong> in total
      </p>
    );
  }
  return (
    <p
      className="logs-totals"
      data-exact="false"
      title={`Counted up to ${count.format(TOTALS_CAP)} rows; narrow the filters for an exact count`}
    >
      At least <strong>{count.format(totals.requests)}</strong> {noun} match, costing at least <strong>{usd(totals.costUsd)}</strong>
      {totals.source === "rows" ? ` (the newest ${count.format(TOTALS_CAP)})` : ""}
    </p>
  );
}

export function LogTotalsPending() {
  return <p className="logs-totals">Counting the matching requests…</p>;
}
