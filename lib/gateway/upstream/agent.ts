/**
 * Upstream HTTP: one undici Agent per process with keep-alive pooling, shared by every request.
 * `undici.request` is used rather than fetch: it is markedly cheaper per call (STACK.md).
 * Its connections resolve names with `upstream-lookup.ts`, which refuses non-public addresses at
 * connect time (DNS rebinding), and it never follows redirects (`attempt.ts` answers 502).
 */
import type { LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import { Agent, Dispatcher, errors } from "undici";
import { getEnv } from "../../env";
import { getRuntime } from "../../runtime";
import type { UpstreamRequest } from "../providers/types";
import { createGuardedLookup } from "./lookup";
import { HeaderList } from "../../http/header-list";
import type { CancelSignal } from "../router/cancel";

/** The process's agent (kept in the runtime), created on first use. */
export function getUpstreamAgent(): Agent {
  const rt = getRuntime();
  rt.upstreamAgent ??= createUpstreamAgent({ lookup: createGuardedLookup({ allowedHosts: getEnv().allowedPrivateHosts }) });
  return rt.upstreamAgent;
}

/** The agent's settings; `lookup` resolves names for its connections (tests inject their own resolver). */
export function createUpstreamAgent(options: { lookup: LookupFunction }): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // No cap per origin: each connection carries one in-flight request (no pipelining), so their
    // number follows the callers' concurrency. A cap queues streams behind streams that last
    // minutes, and the queue time would count against request_timeout (issue 6: 1,500 streams).
    connections: null,
    pipelining: 1,
    // Detour bounds the wait for headers itself (request_timeout); bodies of long streams may idle.
    headersTimeout: 600_000,
    bodyTimeout: 300_000,
    connect: { timeout: 10_000, lookup: options.lookup },
  });
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** Told when the request's write starts (its socket's turn) and when it has been written. */
export type SendHooks = { writing(): void; written(): void };

/** The origin and path of each upstream URL seen (a target's URLs repeat), parsed once each. */
const destinations = new Map<string, { origin: string; path: string }>();
const MAX_DESTINATIONS = 1000;

/** `url`'s origin, and its path with the query (no fragment): what undici's `request(url)` sends. */
export function destinationOf(url: string): { origin: string; path: string } {
  let known = destinations.get(url);
  if (known === undefined) {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new errors.InvalidArgumentError("Invalid URL protocol: the URL must start with `http:` or `https:`.");
    }
    known = { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
    if (destinations.size >= MAX_DESTINATIONS) destinations.clear();
    destinations.set(url, known);
  }
  return known;
}

/**
 * The dispatcher's `request` with the options as one literal. Not undici's `request(url, options)`:
 * it parses the URL on every call, and spreads the options into a copy it adds the origin, the
 * path and the method to, which gives each request's options a map of their own (lib/object.ts),
 * read by all of undici's dispatch.
 */
const dispatch = Dispatcher.prototype.request as (
  this: Pick<Dispatcher, "dispatch">,
  options: Dispatcher.RequestOptions,
) => Promise<UpstreamResponse>;

export async function sendUpstream(
  req: UpstreamRequest,
  signal: CancelSignal,
  dispatcher: Dispatcher = getUpstreamAgent(),
  hooks?: SendHooks,
): Promise<UpstreamResponse> {
  const { origin, path } = destinationOf(req.url);
  return dispatch.call(hooks ? withSendHooks(dispatcher, hooks) : dispatcher, {
    origin,
    path,
    method: req.method,
    headers: req.headers,
    body: req.body,
    // undici takes any object with addEventListener (an AbortSignal, a Cancel) as an EventTarget.
    signal: signal as AbortSignal,
  });
}

/** undici's (legacy) handler methods the hooks wrap: `undici.request` hands its dispatcher such a handler. */
type HookedHandler = {
  onConnect?: (abort: (err?: Error) => void, context?: object) => void;
  onRequestSent?: () => void;
};

/**
 * `dispatcher`, with the hooks told about the request's write: undici calls its handler's
 * `onConnect` as the request's socket takes it (right before the head is built and written), and
 * `onRequestSent` once it is written.
 */
function withSendHooks(dispatcher: Dispatcher, hooks: SendHooks): Dispatcher {
  return {
    dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const h = handler as unknown as HookedHandler;
      const connect = h.onConnect;
      h.onConnect = (abort, context) => {
        hooks.writing();
        connect?.call(h, abort, context);
      };
      h.onRequestSent = hooks.written;
      return dispatcher.dispatch(opts, handler);
    },
  } as Dispatcher;
}

const ignore = () => {};

/**
 * Drops an upstream body Detour will not read (a redirect's, a failed model list's). Destroying an
 * unread undici body emits a RequestAbortedError as its 'error' event; without a listener that is an
 * uncaught exception, which ends the process (Next.js's server happened to swallow it; the
 * gateway-only role has no such handler and must not need one).
 */
export function discardBody(body: Readable): void {
  body.on("error", ignore);
  body.destroy();
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "content-encoding",
  "set-cookie",
]);

/** Upstream response headers a caller may see (hop-by-hop, length and encoding removed). */
export function passThroughHeaders(headers: Dispatcher.ResponseData["headers"]): HeaderList {
  const out = new HeaderList();
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, value);
  }
  return out;
}

/** Lower-case single-valued headers, for Retry-After and friends. */
export function flatHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
