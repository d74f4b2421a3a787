/**
 * The attempts of one request in order: which target was tried, with which key, what came back,
 * how long it took (a bar on the request's time axis), which retry it was, and why Detour moved on.
 */
import type { toLogDetail } from "@/lib/api/logs";
import { StatusBadge } from "../../_components/status-badge";
import { describeAttemptOutcome, formatMs } from "../../_components/format";

type Detail = ReturnType<typeof toLogDetail>;
type Attempt = Omit<Detail["attempts"][number], "model">;

/** What the timeline reads of a request: a log's detail, or a config test's answer (the builder's "Test this config"). */
export type TimelineRequest = Pick<Detail, "created_at" | "latency_ms" | "cache_status" | "error_type"> & { attempts: Attempt[] };

function isSuccess(a: Attempt): boolean {
  return a.status !== null && a.status >= 200 && a.status < 300 && (a.error === null || a.error === undefined);
}

export function AttemptTimeline({ log }: { log: TimelineRequest }) {
  const attempts = log.attempts;
  if (attempts.length === 0) {
    const why =
      log.cache_status === "HIT"
        ? "Answered from Detour's cache: no provider was called."
        : log.error_type
          ? `Detour answered itself (${log.error_type}) before calling a provider.`
          : "No provider was called.";
    return <p className="muted">{why}</p>;
  }
  const start = new Date(log.created_at).getTime();
  const span = Math.max(log.latency_ms, ...attempts.map((a) => new Date(a.started_at).getTime() - start + a.latency_ms), 1);
  const last = attempts[attempts.length - 1]!;
  return (
    <ol className="timeline" aria-label="Attempt timeline">
      {attempts.map((a) => {
        const offset = Math.max(0, new Date(a.started_at).getTime() - start);
        const ok = isSuccess(a);
        const final = a === last;
        const verdict = final ? (ok ? "answered" : "final answer (failed)") : a.error_message ? "moved on" : ok ? "answered" : "failed";
        return (
          <li key={a.index} className={`timeline-item ${ok ? "is-ok" : "is-failed"}`}>
            <div className="timeline-head">
              <span className="timeline-index">
                <span className="sr-only">Attempt {a.index + 1}</span>
                <span aria-hidden="true">#{a.index + 1}</span>
              </span>
              <code className="timeline-target">{a.target_path}</code>
              <span>{a.provider ?? "—"}</span>
              {a.virtual_key ? (
                <span className="muted mono">
                  {a.virtual_key}
                  {a.virtual_key_version !== null ? ` v${a.virtual_key_version}` : ""}
                </span>
              ) : null}
              <span className="timeline-outcome">
                <StatusBadge status={a.status} />
                {a.error && a.error !== "upstream_status" ? <span className="badge">{a.error.replace(/_/g, " ")}</span> : null}
              </span>
              <span className="mono" title={`started ${formatMs(offset)} after the request arrived`}>
                {formatMs(a.latency_ms)} <span className="muted">at +{formatMs(offset)}</span>
              </span>
              <span className="muted">{a.retry > 0 ? `retry ${a.retry}` : "first try"}</span>
              <span className={`timeline-verdict ${ok ? "ok" : "failed"}`}>{verdict}</span>
            </div>
            <div className="timeline-bar" aria-hidden="true">
              <span style={{ left: `${(offset / span) * 100}%`, width: `${Math.max(0.5, (a.latency_ms / span) * 100)}%` }} />
            </div>
            {a.error_message ? (
              <p className="timeline-why">
                <span className="muted">Why Detour moved on:</span> {a.error_message}
              </p>
            ) : !ok && !final ? (
              <p className="timeline-why">
                <span className="muted">Outcome:</span> {describeAttemptOutcome(a.status, a.error)}
              </p>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
