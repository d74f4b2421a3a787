/** Detour's response headers on an inference answer (docs/GATEWAY.md §3): the x-portkey-* ones and `server-timing`. */
import type { HeaderList } from "../../http/header-list";
import { type RequestContext, toHeaderValue } from "./headers";

/** What the headers are made of: the request's ids, its parsed headers (null before they are parsed) and its cache status. */
export type HeaderSource = {
  logId: string;
  request: Request;
  ctx: RequestContext | null;
  cacheStatus: string;
  /** Responses API conversation affinity (`x-detour-affinity`), when the request continued a known response. */
  affinity?: string | null;
};

/** What answered a routed request: the router's result, or a cached answer (its path, `0`, `false`). */
export type Answered = { path: string; retryCount: number; fallbackUsed: boolean; target: { provider: string } };

/** Detour's own time and the upstream waits so far, in ms (served.ts: `ownMs`, `upstreamMs`). */
export type Times = { own: number; upstream: number };

/** `server-timing`'s value: `gateway` is Detour's own time, `upstream` the waits on providers (docs/GATEWAY.md §3). */
export function serverTiming(t: Times): string {
  return `gateway;dur=${t.own.toFixed(2)}, upstream;dur=${t.upstream.toFixed(2)}`;
}

/**
 * Sets Detour's headers on `headers` (after any upstream headers, so these win). `answered` null: an
 * error Detour raised before or outside routing, which carries no routing headers. `exception`:
 * Detour's own error (`x-portkey-gateway-exception: true`). `times`: for `server-timing`.
 */
export function setGatewayHeaders(headers: HeaderList, s: HeaderSource, times: Times, answered: Answered | null, exception: boolean): void {
  // Refused before its headers were parsed (401, a bad header): the trace id as sent, else the request id.
  headers.set(
    "x-portkey-trace-id",
    s.ctx ? toHeaderValue(s.ctx.traceId) : (s.request.headers.get("x-portkey-trace-id")?.trim() ?? s.logId),
  );
  headers.set("x-portkey-request-id", s.logId);
  if (answered) {
    headers.set("x-portkey-last-used-option-index", answered.path);
    headers.set("x-portkey-retry-attempt-count", String(answered.retryCount));
    headers.set("x-portkey-provider", answered.target.provider);
    headers.set("x-portkey-fallback", String(answered.fallbackUsed));
  }
  headers.set("x-portkey-cache-status", s.cacheStatus);
  if (exception) headers.set("x-portkey-gateway-exception", "true");
  if (s.affinity) headers.set("x-detour-affinity", s.affinity);
  headers.set("server-timing", serverTiming(times));
}
