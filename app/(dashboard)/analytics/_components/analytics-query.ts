/**
 * The analytics page's URL state: `?range=24h|7d|30d&split=provider|model|endpoint|api_key|virtual_key|config|status|none`,
 * one schema for the page and the controls.
 */
import { z } from "zod";
import type { AnalyticsBucket } from "@/lib/store/analytics";

export const RANGES = {
  "24h": { label: "Last 24 hours", bucket: "hour", buckets: 24 },
  "7d": { label: "Last 7 days", bucket: "hour", buckets: 7 * 24 },
  "30d": { label: "Last 30 days", bucket: "day", buckets: 30 },
} as const satisfies Record<string, { label: string; bucket: AnalyticsBucket; buckets: number }>;
export type RangeId = keyof typeof RANGES;

export const SPLITS = {
  none: "Nothing (all requests)",
  provider: "Provider",
  model: "Model",
  endpoint: "Endpoint",
  api_key: "API key",
  virtual_key: "Virtual key",
  config: "Config",
  status: "Status class",
} as const;
export type SplitId = keyof typeof SPLITS;

export const RANGE_IDS = Object.keys(RANGES) as [RangeId, ...RangeId[]];
export const SPLIT_IDS = Object.keys(SPLITS) as [SplitId, ...SplitId[]];

export const analyticsQuerySchema = z.object({
  range: z.enum(RANGE_IDS).default("24h"),
  split: z.enum(SPLIT_IDS).default("none"),
});
export type AnalyticsUrlQuery = z.infer<typeof analyticsQuerySchema>;

export function analyticsHref(q: AnalyticsUrlQuery): string {
  return `/analytics?${new URLSearchParams({ range: q.range, split: q.split }).toString()}`;
}
