/**
 * The list's fallback marker: an icon named "Fallback used" whose tooltip (on hover and on keyboard
 * focus; also its accessible description) names the targets that failed first and how.
 */
import { useId } from "react";
import { describeAttemptOutcome } from "./format";
import type { FailedAttempt } from "./log-row";

export function fallbackSummary(failed: readonly FailedAttempt[], servedBy: string | null): string {
  const parts = failed.map((a) => {
    const who = [a.provider, a.virtual_key ? `key ${a.virtual_key}` : null].filter(Boolean).join(", ");
    return `${a.target_path}${who ? ` (${who})` : ""} failed: ${describeAttemptOutcome(a.status, a.error)}`;
  });
  const head = parts.length ? parts.join("; ") : "an earlier target failed";
  return `Fallback used: ${head}${servedBy ? `; served by ${servedBy}` : ""}`;
}

/** The icon's drawing: a path that bends around an obstacle (the request took a detour). */
export function FallbackGlyph() {
  return (
    <>
      <path d="M2 13V8.5a3 3 0 0 1 3-3h6.5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      <path
        d="M9.5 2.8 12.3 5.5 9.5 8.2"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
      <circle cx="2" cy="13.2" r="1.4" fill="currentColor" />
    </>
  );
}

export function FallbackIcon({ failed, servedBy }: { failed: readonly FailedAttempt[]; servedBy: string | null }) {
  const tipId = useId();
  const summary = fallbackSummary(failed, servedBy);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so a keyboard user can open the tooltip (shown on focus), as on hover
    <span className="fallback-icon" tabIndex={0}>
      <svg role="img" aria-label="Fallback used" aria-describedby={tipId} width="16" height="16" viewBox="0 0 16 16" focusable="false">
        <FallbackGlyph />
      </svg>
      <span role="tooltip" id={tipId} className="tooltip">
        {summary}
      </span>
    </span>
  );
}
