/**
 * The words of the totals line above the log list, from a count's numbers: shared by the server's
 * line (log-totals.tsx) and the count made on demand in the browser (log-totals-count.tsx).
 */
const count = new Intl.NumberFormat("en-US");

function usd(n: number): string {
  if (n === 0) return "$0.00";
  if (n < 0.01) return `$${n.toPrecision(2)}`;
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export type TotalsNumbers = {
  requests: number;
  costUsd: number;
  exact: boolean;
  counted: boolean;
  source: "rollups" | "rows";
  cap: number;
};

export function TotalsText({ totals }: { totals: TotalsNumbers }) {
  if (!totals.counted) {
    return (
      <p className="logs-totals" data-exact="false" data-counted="false">
        Not counted: counting these logs took too long. Narrow the filters or the time range for a total.
      </p>
    );
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
      title={`Counted up to ${count.format(totals.cap)} rows; narrow the filters for an exact count`}
    >
      At least <strong>{count.format(totals.requests)}</strong> {noun} match, costing at least <strong>{usd(totals.costUsd)}</strong>
      {totals.source === "rows" ? ` (the newest ${count.format(totals.cap)})` : ""}
    </p>
  );
}
