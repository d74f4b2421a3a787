/**
 * Detour's HTTP server (scripts/server.ts) hands the inference handlers a Web `Request` and, under
 * this symbol on it, Node's own request: the engine reads the body straight from Node's stream
 * (lib/gateway/request/body.ts), without building a Web stream over it. A registered symbol: the
 * server and the engine (in the Next build) load this module separately. Dependency-free.
 */
import type { IncomingMessage } from "node:http";

export const NODE_REQUEST = Symbol.for("detour.nodeRequest");

/** Node's request behind a Web request, when Detour's server made it. */
export function nodeRequestOf(request: Request): IncomingMessage | undefined {
  return (request as unknown as { [NODE_REQUEST]?: IncomingMessage })[NODE_REQUEST];
}
