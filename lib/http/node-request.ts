/**
 * Detour's HTTP server (scripts/server.ts) hands the inference handlers a Web `Request` and, under
 * this symbol on it, Node's own request: the engine reads the body straight from Node's stream
 * (lib/gateway/request/body.ts), without building a Web stream over it. On Node's request, under
 * REQUEST_START, the `performance.now()` at which the server took the request: Detour's own time
 * (served.ts: ownMs) counts from there, the adapter's work included. Registered symbols: the server
 * and the engine (in the Next build) load this module separately. Dependency-free.
 */
import type { IncomingMessage } from "node:http";

export const NODE_REQUEST = Symbol.for("detour.nodeRequest");
export const REQUEST_START = Symbol.for("detour.requestStart");

/** Node's request behind a Web request, when Detour's server made it. */
export function nodeRequestOf(request: Request): IncomingMessage | undefined {
  return (request as unknown as { [NODE_REQUEST]?: IncomingMessage })[NODE_REQUEST];
}

/** When Detour's server took the request (`performance.now()`), when it did. */
export function requestStartOf(request: Request): number | undefined {
  const node = nodeRequestOf(request) as { [REQUEST_START]?: number } | undefined;
  return node?.[REQUEST_START];
}
