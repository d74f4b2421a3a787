import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import type { ConfigTestResult } from "@/lib/gateway/request/config-test";
import { AttemptTimeline } from "../logs/[id]/_components/attempt-timeline";
import { formatMs } from "../logs/_components/format";
import { StatusBadge } from "../logs/_components/status-badge";

/**
 * What a request run from the dashboard answered: a config test's (`POST /v1/configs/test`) or a
 * replay's (`POST /v1/logs/{id}/replay`, the same fields and more). The pieces below show it the same way in both panels.
 */
export type RunResult = Omit<ConfigTestResult, "object">;

/**
 * The result's first line: the status a client would have got, "Answered"/"Failed" in how long,
 * `via` (what ran it: " by <model>", " with <config>"), fallback and retry badges, and a link to the run's log.
 */
export function RunResultHeader({ result, via, logLabel }: { result: RunResult; via: ReactNode; logLabel: string }) {
  const ok = result.status >= 200 && result.status < 300;
  return (
    <p className="cfg-test-answer">
      <StatusBadge status={result.status} />
      <span>
        {ok ? "Answered" : "Failed"} in {formatMs(result.latency_ms)}
        {via}
      </span>
      {result.fallback_used ? <Badge tone="info">fallback used</Badge> : null}
      {result.retry_count > 0 ? <Badge tone="warn">retried</Badge> : null}
      <Link href={`/logs/${encodeURIComponent(result.log_id)}`}>{logLabel}</Link>
    </p>
  );
}

/** The error a client would have got (its code, then its message), when there is one. */
export function RunResultError({ result }: { result: RunResult }) {
  if (!result.error) return null;
  return (
    <p className="field-error">
      {result.error.code ? <code>{result.error.code}</code> : null} {result.error.message}
    </p>
  );
}

/** The run's attempts on the log detail's timeline (a run never answers from the cache). */
export function RunResultTimeline({ result }: { result: RunResult }) {
  return (
    <AttemptTimeline
      log={{
        attempts: result.attempts,
        created_at: result.created_at,
        latency_ms: result.latency_ms,
        cache_status: "DISABLED",
        error_type: result.error?.code ?? null,
      }}
    />
  );
}
