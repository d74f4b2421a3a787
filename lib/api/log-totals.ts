/**
 * `GET /v1/logs/totals?<filters of GET /v1/logs>` (docs/GATEWAY.md §8): how many logs the filters
 * match and their summed cost, exact where lib/store/log-totals.ts can say so (`exact: true`) and
 * lower bounds otherwise, or `counted: false` with no numbers when counting took longer than
 * TOTALS_TIMEOUT_MS (PostgreSQL). `sort` and `limit` are accepted (they change nothing); `cursor` is
 * refused, since totals are of the whole query, not of a page.
 */
import { getDb } from "../db";
import { issuesError } from "../errors";
import { parseLogQuery } from "../logs/query";
import { logTotals, TOTALS_CAP, type LogTotals } from "../store/log-totals";
import { zodIssues } from "./errors";
import type { ApiContext } from "./handler";

export function logTotalsView(t: LogTotals) {
  return {
    object: "log_totals",
    // Not counted (the count ran out of time): no numbers rather than misleading ones.
    requests: t.counted ? t.requests : null,
    cost_usd: t.counted ? Math.round(t.costUsd * 1e9) / 1e9 : null,
    exact: t.exact,
    counted: t.counted,
    cap: TOTALS_CAP,
    source: t.source,
  };
}

export async function logTotalsHandler({ url, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  if (url.searchParams.has("cursor"))
    throw issuesError("bad_request", [{ path: "cursor", message: "is not accepted: totals are of the whole query, not of one page" }]);
  const parsed = parseLogQuery(url.searchParams);
  if (!parsed.success) throw issuesError("bad_request", zodIssues(parsed.error));
  return Response.json(logTotalsView(await logTotals(getDb(), principal.workspaceId, parsed.data.filters)));
}
