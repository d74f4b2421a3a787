/**
 * `GET /v1/analytics?from&to&bucket&split_by` (docs/MANAGEMENT-API.md, "Analytics"): the caller's
 * workspace's requests, errors, cost, tokens, rescued requests and latency p50/p95/p99 per hour or
 * day, optionally split by provider, model, endpoint, API key, virtual key, config or status
 * class: the figures of the /analytics page (lib/store/analytics.ts), read only from the hourly
 * rollups. The range is aligned to whole UTC hours (`from` down, `to` up; the answer says which
 * range it read) and percentiles carry the histogram's stated error (`latency_relative_error`).
 */
import { z } from "zod";
import { getDb } from "../db";
import { issuesError } from "../errors";
import { LATENCY_ERROR } from "../logs/rollup";
import { dateTimeFilter } from "../logs/query";
import { alignedRange, type Counts, getAnalytics, type Pct } from "../store/analytics";
import { zodIssues } from "./errors";
import type { ApiContext } from "./handler";

/** Most buckets one answer holds (83 days by hour, 5 years by day). */
export const MAX_BUCKETS = 2000;
const DEFAULT_SPAN_MS = 24 * 3_600_000;
const SPLITS = ["none", "provider", "model", "endpoint", "api_key", "virtual_key", "config", "status"] as const;

const DATE_HINT = "an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z";

export const analyticsQuerySchema = z
  .strictObject({
    from: dateTimeFilter(DATE_HINT).optional(),
    to: dateTimeFilter(DATE_HINT).optional(),
    bucket: z.enum(["hour", "day"], { error: "must be hour or day" }).default("hour"),
    split_by: z.enum(SPLITS, { error: `must be one of ${SPLITS.join(", ")}` }).default("none"),
  })
  .transform((q, ctx) => {
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - DEFAULT_SPAN_MS);
    if (from >= to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "must be before to" });
      return z.NEVER;
    }
    const range = alignedRange(from, to);
    const step = q.bucket === "hour" ? 3_600_000 : 86_400_000;
    const buckets = Math.ceil((range.to.getTime() - Math.floor(range.from.getTime() / step) * step) / step);
    if (buckets > MAX_BUCKETS) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: `the range holds ${buckets} ${q.bucket} buckets; at most ${MAX_BUCKETS} (a shorter range, or bucket=day)`,
      });
      return z.NEVER;
    }
    return { from, to, bucket: q.bucket, splitBy: q.split_by === "none" ? null : q.split_by };
  });

const counts = (c: Counts) => ({
  requests: c.requests,
  errors: c.errors,
  cost: c.cost,
  unpriced: c.unpriced,
  cost_saved: c.saved,
  rescued: c.rescued,
  prompt_tokens: c.promptTokens,
  completion_tokens: c.completionTokens,
  total_tokens: c.totalTokens,
});
const pct = (p: Pct) => ({ p50: p.p50, p95: p.p95, p99: p.p99 });

export async function analyticsHandler({ url, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const parsed = analyticsQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw issuesError("bad_request", zodIssues(parsed.error));
  const a = await getAnalytics(getDb(), { workspaceId: principal.workspaceId, ...parsed.data });
  return Response.json({
    object: "analytics",
    from: a.from,
    to: a.to,
    bucket: a.bucket,
    split_by: a.splitBy,
    latency_relative_error: LATENCY_ERROR,
    keys: a.keys.map((key) => ({ key, label: a.labels[key] ?? key })),
    totals: { ...counts(a.totals), error_rate: a.totals.errorRate, ...pct(a.totals) },
    by_key: a.byKey.map((k) => ({ key: k.key, ...counts(k), ...pct(k) })),
    series: a.series.map((p) => ({
      start: p.start,
      ...counts(p),
      ...pct(p),
      by_key: Object.fromEntries(a.keys.map((k) => [k, { ...counts(p.byKey[k]!), ...pct(p.latencyByKey[k]!) }])),
    })),
  });
}
