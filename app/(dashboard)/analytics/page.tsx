/**
 * `/analytics`: requests, error rate, cost, latency p50/p95/p99 and requests rescued by fallback over
 * a time range, optionally split by provider, model, endpoint, API key, virtual key or config (the
 * last three shown by name). The URL is the state (`?range=&split=`),
 * parsed here with one zod schema; an invalid parameter shows an error naming it, with the
 * controls to pick a valid value. The figures come from the hourly rollups only
 * (lib/store/analytics.ts): ranges are aligned to whole hours and percentiles carry the latency
 * histogram's stated error (±2.5%); the client components only draw.
 */
import type { Metadata } from "next";
import { EmptyState } from "@/components/ui/empty-state";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { bucketStart, getAnalytics, type Analytics } from "@/lib/store/analytics";
import { AnalyticsCharts } from "./_components/analytics-charts";
import { AnalyticsControls } from "./_components/analytics-controls";
import { analyticsQuerySchema, RANGES, type AnalyticsUrlQuery } from "./_components/analytics-query";

export const metadata: Metadata = { title: "Analytics" };

type SearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The range's cost: the sum of the known costs; "unknown" (never $0) when every answered request's cost is unknown. */
function costText(t: Analytics["totals"]): string {
  if (t.cost === 0 && t.unpriced > 0) return "unknown";
  return `$${t.cost.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: t.cost < 1 ? 4 : 2 })}`;
}

/** What cache hits saved (their answers' cost at the time of the hit). */
function savedText(usd: number): string {
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: usd < 1 ? 4 : 2 })}`;
}

/** Says how many answered requests the cost leaves out (no price for their model, or no usage). */
function unpricedText(n: number): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? "request" : "requests"} of unknown cost not included`;
}

function SummaryCards({ data }: { data: Analytics }) {
  const t = data.totals;
  const stats = [
    { label: "Requests", value: t.requests.toLocaleString("en-US") },
    { label: "Error rate", value: t.errorRate === null ? "–" : `${(t.errorRate * 100).toFixed(1)}%` },
    {
      label: "Cost",
      value: costText(t),
      note:
        [t.unpriced ? unpricedText(t.unpriced) : null, t.saved > 0 ? `${savedText(t.saved)} saved by the response cache` : null]
          .filter(Boolean)
          .join("; ") || undefined,
    },
    { label: "Latency p50", value: t.p50 === null ? "–" : `${Math.round(t.p50).toLocaleString("en-US")} ms` },
    { label: "Latency p95", value: t.p95 === null ? "–" : `${Math.round(t.p95).toLocaleString("en-US")} ms` },
    { label: "Latency p99", value: t.p99 === null ? "–" : `${Math.round(t.p99).toLocaleString("en-US")} ms` },
    { label: "Rescued by fallback", value: t.rescued.toLocaleString("en-US") },
  ];
  return (
    <section className="cards an-cards" aria-label="Totals for the range">
      {stats.map((s) => (
        <div className="card" key={s.label} data-testid={`total-${s.label.toLowerCase().replaceAll(" ", "-")}`}>
          <div className="label">{s.label}</div>
          <div className="value">{s.value}</div>
          {"note" in s && s.note ? <div className="an-card-note">{s.note}</div> : null}
        </div>
      ))}
    </section>
  );
}

export default async function AnalyticsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requireSession("/analytics");
  const params = await searchParams;
  const parsed = analyticsQuerySchema.safeParse({ range: first(params.range), split: first(params.split) });
  const header = (
    <div className="page-header">
      <div>
        <h1>Analytics</h1>
        <p className="page-sub">
          Requests through the gateway over time, in UTC buckets, from hourly rollups: ranges are aligned to whole hours, and latency
          percentiles are within ±2.5% of the exact values. Errors are responses with status 400 and above; rescued requests succeeded on a
          fallback target.
        </p>
      </div>
    </div>
  );

  if (!parsed.success) {
    const fallback: AnalyticsUrlQuery = analyticsQuerySchema.parse({
      range: parsed.error.issues.some((i) => i.path[0] === "range") ? undefined : first(params.range),
      split: parsed.error.issues.some((i) => i.path[0] === "split") ? undefined : first(params.split),
    });
    return (
      <>
        {header}
        <AnalyticsControls query={fallback} />
        <div className="alert-error" role="alert">
          <p>
            <strong>The URL has an invalid parameter.</strong>
          </p>
          <ul>
            {parsed.error.issues.map((i) => (
              <li key={String(i.path[0])}>
                <code>{String(i.path[0])}</code>: {i.message}
              </li>
            ))}
          </ul>
          <p>Pick a value above to continue.</p>
        </div>
      </>
    );
  }

  const query = parsed.data;
  const range = RANGES[query.range];
  const now = new Date();
  const step = range.bucket === "hour" ? 3_600_000 : 86_400_000;
  const from = new Date(bucketStart(now, range.bucket).getTime() - (range.buckets - 1) * step);
  const data = await getAnalytics(getDb(), {
    workspaceId: user.workspaceId,
    from,
    to: new Date(now.getTime() + 1),
    bucket: range.bucket,
    splitBy: query.split === "none" ? null : query.split,
  });

  return (
    <>
      {header}
      <AnalyticsControls query={query} />
      {data.totals.requests === 0 ? (
        <EmptyState title="No requests in this range">
          Requests sent through the gateway appear here within a second. Try a longer time range, or send a request with a Detour API key.
        </EmptyState>
      ) : (
        <>
          <SummaryCards data={data} />
          <AnalyticsCharts data={data} rangeLabel={range.label} />
        </>
      )}
    </>
  );
}
