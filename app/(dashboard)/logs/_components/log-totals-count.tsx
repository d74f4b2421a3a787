"use client";
/**
 * The totals line counted when asked: on SQLite, a count of raw rows runs on the server's event
 * loop with no time bound, so the log explorer does not start one on every load
 * (lib/store/log-totals.ts). The button asks `GET /v1/logs/totals` with the page's filters.
 */
import { useState } from "react";
import { type TotalsNumbers, TotalsText } from "./log-totals-text";

type State = { kind: "idle" } | { kind: "counting" } | { kind: "done"; totals: TotalsNumbers } | { kind: "failed"; message: string };

type TotalsBody = {
  requests: number | null;
  cost_usd: number | null;
  exact: boolean;
  counted: boolean;
  cap: number;
  source: "rollups" | "rows";
};

export function LogTotalsOnDemand({ queryString }: { queryString: string }) {
  const [state, setState] = useState<State>({ kind: "idle" });
  async function countNow() {
    setState({ kind: "counting" });
    try {
      const res = await fetch(`/v1/logs/totals${queryString ? `?${queryString}` : ""}`, { headers: { accept: "application/json" } });
      const body = (await res.json()) as TotalsBody & { error?: { message?: string } };
      if (!res.ok) throw new Error(body.error?.message ?? `status ${res.status}`);
      setState({
        kind: "done",
        totals: {
          requests: body.requests ?? 0,
          costUsd: body.cost_usd ?? 0,
          exact: body.exact,
          counted: body.counted,
          source: body.source,
          cap: body.cap,
        },
      });
    } catch (err) {
      setState({ kind: "failed", message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (state.kind === "done") return <TotalsText totals={state.totals} />;
  return (
    <p className="logs-totals" aria-live="polite">
      <button type="button" className="btn btn-sm" onClick={countNow} disabled={state.kind === "counting"}>
        {state.kind === "counting" ? "Counting…" : "Count the matching requests"}
      </button>
      {state.kind === "failed" ? <span role="alert"> Totals are not available right now ({state.message}).</span> : null}
    </p>
  );
}
