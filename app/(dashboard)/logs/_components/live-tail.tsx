"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/** How often a live list asks the server for its first page again. */
export const LIVE_INTERVAL_MS = 2000;

/**
 * "Live" for the log explorer's first page, newest first: while on, the page is re-read from the
 * server every LIVE_INTERVAL_MS (`router.refresh()`: the same URL, so the same filters), and the
 * rows that were not on it before are marked. Paused by the button, while the tab is hidden, and
 * whenever the list is not the newest-first first page (`available`).
 */
export function LiveTail({
  available,
  rowIds,
  onNewRows,
}: {
  available: boolean;
  rowIds: readonly string[];
  /** The ids that arrived with the last refresh (empty when live is off). */
  onNewRows: (ids: ReadonlySet<string>) => void;
}) {
  const router = useRouter();
  const [live, setLive] = useState(false);
  /** When the page was last re-read (whether or not it brought rows). */
  const [checkedAt, setCheckedAt] = useState<Date | null>(null);
  const [arrived, setArrived] = useState(0);
  const known = useRef<Set<string> | null>(null);
  const on = live && available;

  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== "visible") return;
      router.refresh();
      setCheckedAt(new Date());
    }, LIVE_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [on, router]);

  // Each new set of rows (a refresh, or the first render after live was turned on): what is new.
  const key = rowIds.join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the ids' text (a new array each render)
  useEffect(() => {
    if (!on) {
      known.current = null;
      onNewRows(new Set());
      return;
    }
    if (known.current === null) {
      known.current = new Set(rowIds);
      setCheckedAt(new Date());
      return;
    }
    const fresh = new Set(rowIds.filter((id) => !known.current!.has(id)));
    for (const id of rowIds) known.current.add(id);
    if (fresh.size) {
      setArrived((n) => n + fresh.size);
      onNewRows(fresh);
    }
  }, [key, on]);

  if (!available) return null;
  return (
    <div className="live-tail">
      <button
        type="button"
        className="btn btn-sm"
        aria-pressed={live}
        onClick={() => {
          setLive((v) => !v);
          setArrived(0);
        }}
        title={live ? "Pause: stop reading new requests" : `Show new requests as they arrive (every ${LIVE_INTERVAL_MS / 1000} s)`}
      >
        <span className={live ? "live-dot is-on" : "live-dot"} aria-hidden="true" />
        {live ? "Live" : "Go live"}
      </button>
      <span className="muted" role="status">
        {live
          ? `Live${checkedAt ? `, checked ${checkedAt.toISOString().slice(11, 19)} UTC` : ""}${arrived ? `: ${arrived} new` : ""}`
          : "Paused"}
      </span>
    </div>
  );
}
