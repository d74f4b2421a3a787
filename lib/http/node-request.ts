/**
 * Detour's HTTP server (scripts/server.ts) hands the inference handlers a Web `Request` and, under
 * this symbol on it, Node's own request: the engine reads the body straight from Node's stream
 * (lib/gateway/request/body.ts), without building a Web stream over it. On Node's request, under
 * REQUEST_START, the `performance.now()` at which the server took the request: Detour's own time
 * (served.ts: ownMs) counts from there, the adapter's work included. Registered symbols: the server
 * and the engine (in the Next build) load this module separately. Dependency-free.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

export const NODE_REQUEST = Symbol.for("detour.nodeRequest");
export const REQUEST_START = Symbol.for("detour.requestStart");
/** On Node's request: Node's response to it (the client's connection, for `clientSignal`). */
export const NODE_RESPONSE = Symbol.for("detour.nodeResponse");

/** Node's request behind a Web request, when Detour's server made it. */
export function nodeRequestOf(request: Request): IncomingMessage | undefined {
  return (request as unknown as { [NODE_REQUEST]?: IncomingMessage })[NODE_REQUEST];
}

/** Node's response to a Web request, when Detour's server made the request. */
export function nodeResponseOf(request: Request): ServerResponse | undefined {
  const node = nodeRequestOf(request) as { [NODE_RESPONSE]?: ServerResponse } | undefined;
  return node?.[NODE_RESPONSE];
}

/** When Detour's server took the request (`performance.now()`), when it did. */
export function requestStartOf(request: Request): number | undefined {
  const node = nodeRequestOf(request) as { [REQUEST_START]?: number } | undefined;
  return node?.[REQUEST_START];
}

const WEB_BODY = Symbol("detour.webBody");

/**
 * The adapter's requests share one prototype: its `body` becomes, for a request that carries Node's
 * (NODE_REQUEST) and is not a GET, a Web stream straight from Node's request, made when first read;
 * any other request keeps the adapter's own. Set once on the prototype: an accessor defined on each
 * request (with its own closure) gave every request a map of its own (~0.9 us, and each later read of
 * the request missed its inline caches). Returns true once done.
 */
export function serveBodyFromNode(proto: object): boolean {
  const own = Object.getOwnPropertyDescriptor(proto, "body");
  const adapters = own?.get;
  if (!own || !adapters) throw new Error("the HTTP adapter's requests have no `body` getter to serve from Node's request");
  Object.defineProperty(proto, "body", {
    configurable: true,
    enumerable: own.enumerable,
    get(this: Record<symbol, unknown>) {
      const incoming = this[NODE_REQUEST] as IncomingMessage | undefined;
      if (incoming === undefined || incoming.method === "GET") return adapters.call(this);
      this[WEB_BODY] ??= Readable.toWeb(incoming) as ReadableStream<Uint8Array>;
      return this[WEB_BODY];
    },
  });
  return true;
}

/** HTTP whitespace (tab, LF, CR, space) at a value's ends, which a Web Headers strips. */
function trimHttpWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  const ws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  while (start < end && ws(value.charCodeAt(start))) start++;
  while (end > start && ws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * `fn(value, name)` for each of the request's headers, as a Web Headers' `forEach` gives them:
 * names in lower case and in order, the values of a repeated name joined by ", ", each value
 * without HTTP whitespace at its ends. Read off Node's raw headers when Detour's server made the
 * request: the adapter's `headers` makes a whole Web Headers (every name and value through web-IDL
 * checks) the first time it is iterated.
 */
export function forEachRequestHeader(request: Request, fn: (value: string, name: string) => void): void {
  const raw = nodeRequestOf(request)?.rawHeaders;
  if (raw === undefined) {
    request.headers.forEach(fn);
    return;
  }
  const merged = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(":")) continue; // HTTP/2 pseudo-headers, which the adapter leaves out too
    const value = trimHttpWhitespace(raw[i + 1]!);
    const had = merged.get(name);
    merged.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  for (const name of [...merged.keys()].sort()) fn(merged.get(name)!, name);
}
