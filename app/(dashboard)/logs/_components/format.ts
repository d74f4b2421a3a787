/**
 * How log values are written on screen. Times are shown in UTC (the server renders them, and a
 * server's clock zone is not the reader's): the same text on the server and in the browser, and
 * the same zone as the `from` / `to` filters.
 */

/** `2026-01-31 12:00:01.234` (UTC). */
export function formatTime(iso: string, withMs = false): string {
  const text = iso.replace("T", " ").replace(/Z$/, "");
  return withMs ? text : text.replace(/\.\d+$/, "");
}

/** US dollars with enough digits for fractions of a cent; null means the price is unknown. */
export function formatCost(cost: number | null): string {
  if (cost === null) return "unknown"; // never $0: no usage, or a model without a price
  if (cost === 0) return "$0";
  if (cost >= 1) return `$${cost.toFixed(2)}`;
  if (cost >= 0.01) return `$${cost.toFixed(4)}`;
  return `$${cost.toFixed(6)}`;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms).toLocaleString("en-US")} ms`;
}

export function formatCount(n: number | null): string {
  return n === null ? "—" : n.toLocaleString("en-US");
}

/** `ok` (2xx/3xx), `client` (4xx), `server` (5xx): the colour of a status badge. */
export function statusTone(status: number | null): "ok" | "client" | "server" | "none" {
  if (status === null) return "none";
  if (status >= 500) return "server";
  if (status >= 400) return "client";
  return "ok";
}

/** What one attempt came to: `503`, `408 timeout`, `network` (no response), `200`. */
export function describeAttemptOutcome(status: number | null, errorClass: string | null): string {
  const cls = errorClass && errorClass !== "upstream_status" ? errorClass.replace(/_/g, " ") : null;
  if (status === null) return cls ?? "no response";
  return cls ? `${status} ${cls}` : String(status);
}
