/**
 * The line above the log list: how many requests the filters match and what they cost (a server
 * component, streamed after the rows: lib/store/log-totals.ts). Exact numbers say so plainly;
 * a capped count says "at least" and what the cost covers; a count given up says so. On SQLite a
 * count of raw rows (filters the rollups cannot answer) is made only when asked.
 */
import { getDb } from "@/lib/db";
import { dialectOf } from "@/lib/db/dialect";
import type { LogFilters } from "@/lib/logs/query";
import { logTotals, rollupSlice, TOTALS_CAP } from "@/lib/store/log-totals";
import { LogTotalsOnDemand } from "./log-totals-count";
import { TotalsText } from "./log-totals-text";

export async function LogTotalsLine({
  workspaceId,
  filters,
  queryString,
}: {
  workspaceId: string;
  filters: LogFilters;
  queryString: string;
}) {
  const db = getDb();
  if (dialectOf(db) === "sqlite" && !rollupSlice(filters)) return <LogTotalsOnDemand queryString={queryString} />;
  let totals: Awaited<ReturnType<typeof logTotals>>;
  try {
    totals = await logTotals(db, workspaceId, filters);
  } catch {
    return <p className="logs-totals">Totals are not available right now.</p>;
  }
  return <TotalsText totals={{ ...totals, cap: TOTALS_CAP }} />;
}

export function LogTotalsPending() {
  return <p className="logs-totals">Counting the matching requests…</p>;
}
