"use client";

import "@/lib/browser/zod-jitless"; // first: zod must not probe for eval under the CSP
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { Select } from "@/components/ui/select";
import { analyticsHref, RANGE_IDS, RANGES, SPLIT_IDS, SPLITS, type AnalyticsUrlQuery, type RangeId, type SplitId } from "./analytics-query";

const RANGE_OPTIONS = RANGE_IDS.map((id) => ({ value: id, label: RANGES[id].label }));
const SPLIT_OPTIONS = SPLIT_IDS.map((id) => ({ value: id, label: SPLITS[id] }));

/** The time range and split selects: each change is a new URL (the page re-renders on the server). */
export function AnalyticsControls({ query }: { query: AnalyticsUrlQuery }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const go = (next: Partial<AnalyticsUrlQuery>) => startTransition(() => router.push(analyticsHref({ ...query, ...next })));
  return (
    <div className="an-controls" aria-busy={pending || undefined}>
      <Select label="Time range" options={RANGE_OPTIONS} value={query.range} onChange={(e) => go({ range: e.target.value as RangeId })} />
      <Select label="Split by" options={SPLIT_OPTIONS} value={query.split} onChange={(e) => go({ split: e.target.value as SplitId })} />
      {pending ? (
        <span className="muted an-pending" role="status">
          Loading…
        </span>
      ) : null}
    </div>
  );
}
