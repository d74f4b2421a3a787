"use client";

import { useEffect, useState } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { type Curl, curlCommand, type LoggedRequest } from "@/lib/logs/curl";

/**
 * "Copy as curl" for a logged request (lib/logs/curl.ts): the command against this Detour (the
 * page's origin), with credentials as shell variables and what it cannot repeat said beside it.
 * Built after hydration: the origin is the browser's.
 */
export function CopyCurl({ request }: { request: LoggedRequest }) {
  const [curl, setCurl] = useState<Curl | null>(null);
  useEffect(() => setCurl(curlCommand(window.location.origin, request)), [request]);
  if (!curl) return null;
  return (
    <div className="copy-curl">
      <CopyButton value={curl.command} label="Copy as curl">
        Copy as curl
      </CopyButton>
      <details className="copy-curl-details">
        <summary>Show the command</summary>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region; focusable so the keyboard can scroll it */}
        <section className="code-block copy-curl-command" tabIndex={0} aria-label="curl command">
          <pre>{curl.command}</pre>
        </section>
        {curl.notes.length ? (
          <ul className="copy-curl-notes muted">
            {curl.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        ) : null}
      </details>
    </div>
  );
}
