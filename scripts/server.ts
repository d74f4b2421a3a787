/**
 * Detour's HTTP server: the production build of the Next.js app, behind one node:http listener
 * that answers the /v1 inference routes with the gateway's handlers directly and hands every
 * other request (pages, management API, auth, health, metrics) to Next.js.
 *
 * Why: a Next.js route handler costs ~0.7 ms of CPU per request before any of its own code runs
 * (its router, the route-module wrapper, the Web/Node conversions); Detour's whole gateway work is
 * ~0.1-0.2 ms. The inference routes run the same handlers the route files in `app/v1/` export,
 * published in the process's runtime by the start sequence inside the Next build
 * (lib/server-start.ts, lib/gateway/endpoints/handler-table.ts) and read here from the runtime's
 * global slot (lib/runtime-slot.ts), so there is one copy of the engine and its state. Node's
 * request and response are converted to and from the Web `Request`/`Response` by
 * @hono/node-server, which streams both ways and aborts `request.signal` when the client goes away.
 *
 * `npm run build` bundles it into `<build>/detour-server/server.cjs` (scripts/build-server.ts); run
 * that with plain `node` (one process, as `npm start` and the tests do: `serverNodeArgs()` in
 * scripts/server-build-files.ts). `node --require tsx/cjs scripts/server.ts` runs the same source
 * (tsx's loader costs ~8 MiB and a few hundred ms of start).
 * Environment: PORT (default 3000), DETOUR_HOST (default every interface), DETOUR_NEXT_DIST_DIR
 * (the build to serve, read by next.config.ts); the rest is read by the app (lib/env.ts). Only
 * lib/env.ts (parseEnv; its module also loads lib/runtime.ts, types and the slot only, and creates
 * nothing), two dependency-free tables of constants (security headers, body limits), the symbol
 * that hands the engine Node's request and the Web body made from it (lib/http/node-request.ts),
 * the answers Detour writes itself (text: lib/http/text-response.ts; relayed streams:
 * lib/http/stream-response.ts), the lingering close (lib/http/lingering-close.ts), the runtime's
 * slot (lib/runtime-slot.ts) and the runtime's types are imported here: the engine itself comes
 * from the build, never a second copy.
 *
 * Besides routing, this listener sets the API security headers on the inference answers (a
 * precomputed list; Next sets them on everything else, next.config.ts and proxy.ts) and refuses a
 * non-inference request whose declared body is over its limit (lib/api/body-limits.ts) with a 413
 * before Next.js reads a byte of it; such an answer closes lingering (lib/http/lingering-close.ts).
 * `next dev` (`npm run dev`) does not use this file: there the route files answer the inference
 * routes, with the same handlers.
 *
 * DETOUR_ROLE=gateway (docs/GATEWAY.md §11.1): Next.js is not loaded at all. The engine comes from
 * the role's own build (`<build>/detour-server/engine.mjs`, lib/gateway-role.ts bundled by
 * scripts/build-server.ts), which runs the start sequence before the server listens and answers the
 * inference routes, GET /api/health and GET /metrics; anything else is a 404 (405 for another
 * method on an inference path) naming the role.
 */
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getRequestListener } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { bodyLimitFor, tooLargeBody } from "../lib/api/body-limits";
import { EnvError, parseEnv } from "../lib/env";
import { NODE_REQUEST, NODE_RESPONSE, REQUEST_START, serveBodyFromNode } from "../lib/http/node-request";
import { lingerOnUnreadBody } from "../lib/http/lingering-close";
import { API_SECURITY_HEADER_OBJECT, API_SECURITY_HEADERS } from "../lib/http/security-headers";
import { acceptsTrailers, chunkSourceOf, pumpChunks } from "../lib/http/stream-response";
import { headerItemsOf, writtenHookOf } from "../lib/http/deferred-body-response";
import { textBodyOf } from "../lib/http/text-response";
import { peekRuntime } from "../lib/runtime-slot";
import { handleClientError } from "./client-error";
import { settleHeap, settleWhenIdle } from "../lib/settle-heap";
import { distDirOf, GATEWAY_ENGINE_FILE, GATEWAY_SINK_WORKER_FILE, SERVER_BUILD_DIR } from "./server-build-files";
import type { InferenceHandler, InferenceRoutes } from "../lib/gateway/endpoints/handler-table";

// Under tsx, source maps are on; Node then keeps the map of every module loaded after, Next's
// included (~60 MiB of resident memory). `next start` runs without them: so does this server.
process.setSourceMapsEnabled(false);

const root = appRoot(__dirname);

/**
 * The app's directory (where package.json, the build and the migrations are): up from this file,
 * which is `scripts/server.ts` under tsx or `<build>/detour-server/server.cjs` when built.
 */
function appRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "detour") return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Detour package.json above ${from}`);
  }
}

/** What the listener answers with, per role. */
type Role = {
  /** The routes it answers itself (inference; in the gateway-only role also health and metrics). */
  routes(): InferenceRoutes | undefined;
  /** Any other request. */
  otherwise(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void;
  /** Once listening (the default role's start-up check). */
  listening(self: string): Promise<void>;
  close(): Promise<void>;
};

/**
 * A reader of stdout or stderr that went away (a closed pipe: EPIPE) loses what is written there
 * from then on; the server goes on serving. Without a listener the write's error ended the start
 * sequence (a hang: the first admin's banner) or the process. Any other error is thrown, as before.
 */
function survivingClosedOutput(err: NodeJS.ErrnoException): void {
  if (err.code !== "EPIPE") throw err;
}

/** On Node's request: the inference handler chosen for it. */
const CHOSEN_HANDLER = Symbol("detour.chosenHandler");

async function main(): Promise<void> {
  process.stdout.on("error", survivingClosedOutput);
  process.stderr.on("error", survivingClosedOutput);
  // The full check runs again inside the server (instrumentation.ts); this one only needs the address and the role.
  const { PORT: port, DETOUR_HOST: host, DETOUR_ROLE: roleName } = parseEnv();
  // Production build, production mode (as `next start` sets it).
  Object.assign(process.env, { NODE_ENV: "production" });
  // The handler chosen below rides on the Node request to the listener's callback, as a property
  // (a WeakMap entry per request cost an ephemeron for the collector to trace).
  type Chosen = { [CHOSEN_HANDLER]?: InferenceHandler };
  let bodyFromNode = false;
  const handleChosen = getRequestListener(
    (request: Request, env) => {
      const incoming = env.incoming as http.IncomingMessage;
      // The engine reads the body from Node's request itself (lib/http/node-request.ts): no Web
      // stream (each costs a transferable object and a reader's promises per chunk). `body`, for
      // any other reader, is a Web stream straight from Node's request (set once on the adapter's
      // request prototype): the adapter's own builds a complete Web Request first (~8% of the CPU
      // of a proxied request).
      (request as unknown as Record<symbol, unknown>)[NODE_REQUEST] = incoming;
      if (!bodyFromNode) bodyFromNode = serveBodyFromNode(Object.getPrototypeOf(request) as object);
      const res = env.outgoing as http.ServerResponse;
      return (incoming as Chosen)[CHOSEN_HANDLER]!(request).then((response) => {
        if (writeDirect(response, res)) return RESPONSE_ALREADY_SENT;
        for (const [name, value] of API_SECURITY_HEADERS) res.setHeader(name, value);
        return response;
      });
    },
    {
      // Next.js shares the default role's process: keep the global Request and Response as they are.
      overrideGlobalObjects: false,
      // A request the adapter cannot read (400) or a handler that throws (500): an empty answer,
      // with the security headers, as the adapter's own would be without them.
      errorHandler: (err: unknown) => {
        const requestError = err instanceof Error && err.name === "RequestError";
        if (!requestError)
          process.stderr.write(
            `[detour] an inference handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
          );
        return new Response(null, { status: requestError ? 400 : 500, headers: API_SECURITY_HEADER_OBJECT });
      },
    },
  );
  // The security headers go out with each answer's head (writeDirect, or set just before the adapter
  // writes one), never set on the response first: a header set before writeHead() makes Node merge
  // the head into a kept table of every header (an array each) that a stream holds for its whole life.
  const answerWith = (handler: InferenceHandler, req: http.IncomingMessage, res: http.ServerResponse) => {
    (req as Chosen)[CHOSEN_HANDLER] = handler;
    void handleChosen(req, res);
  };
  const role = roleName === "gateway" ? await gatewayRole(answerWith) : await defaultRole(port, host);

  const server = http.createServer((req, res) => {
    const start = performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    const handler = role.routes()?.get(`${req.method} ${pathname}`);
    if (handler) {
      // Detour's own time (server-timing) counts from here, the request's headers just read.
      (req as unknown as Record<symbol, number>)[REQUEST_START] = start;
      // The client's connection, for the router's cancellation (lib/gateway/request/client-signal.ts).
      (req as unknown as Record<symbol, http.ServerResponse>)[NODE_RESPONSE] = res;
      answerWith(handler, req, res);
    } else role.otherwise(req, res, pathname);
  });
  // Requests the HTTP parser refuses (oversized headers: 431, malformed: 400): a JSON error, then close.
  server.on("clientError", (err: Error, socket) => handleClientError(err, socket, http.maxHeaderSize));
  server.on("error", (err: NodeJS.ErrnoException) => {
    const why =
      err.code === "EADDRINUSE"
        ? `port ${port} is already in use (set PORT)`
        : err.code === "EADDRNOTAVAIL"
          ? `DETOUR_HOST ${host} is not an address of this machine`
          : err.message;
    process.stderr.write(`Detour cannot start: ${why}\n`);
    process.exit(1);
  });
  // The start is done: its garbage collected now, so that an idle instance gives back what the start
  // grew; and the same once a burst of load is over (lib/settle-heap.ts).
  settleHeap();
  settleWhenIdle();
  server.listen(port, host, () => {
    const self = !host || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    role.listening(`http://${self}:${port}`).then(
      () =>
        process.stdout.write(
          `[detour] ready on http://${host ?? "localhost"}:${port}${roleName === "gateway" ? " (DETOUR_ROLE=gateway)" : ""}\n`,
        ),
      (err: unknown) => process.stderr.write(`[detour] start-up health check failed: ${String(err)}\n`),
    );
  });

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close Next (default role), then
  // exit with 128 + signal (the shutdown hooks defer that exit until the runtime's shutdown sequence
  // has run: log writer, then Redis and database connections; lib/server-start.ts).
  let closing = false;
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      server.close(() => {
        void role.close().finally(() => process.exit(code));
      });
      // close() drops the connections idle now; a keep-alive connection whose request ends later
      // would hold the exit for its keep-alive timeout: drop those as they become idle.
      setInterval(() => server.closeIdleConnections(), 100).unref();
    });
  }
}

/** Everything: the inference routes here, every other request to the Next.js build. */
async function defaultRole(port: number, host: string | undefined): Promise<Role> {
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: root, port, hostname: host ?? "localhost" });
  await app.prepare();
  const handleWithNext = app.getRequestHandler();
  // The inference handlers, once the start sequence has published them in the runtime. Until the
  // first request has run instrumentation.ts (Next does that lazily), Next's route files answer
  // them, with the same handlers.
  let inferenceRoutes: InferenceRoutes | undefined;
  return {
    routes: () => (inferenceRoutes ??= peekRuntime()?.inferenceHandlers),
    otherwise(req, res, pathname) {
      // A 413 before the body's end (here, or from a route past its limit) closes without a reset.
      lingerOnUnreadBody(req, res);
      if (refuseDeclaredOversize(req, res, pathname)) return;
      // The peer's address for sign-in throttling, always overwritten (lib/auth/client-address.ts).
      // Not on the inference path: it would be stored with the request log's headers.
      req.headers["x-detour-client-address"] = req.socket.remoteAddress ?? "";
      void handleWithNext(req, res);
    },
    async listening(self) {
      // Next runs instrumentation.ts on the first request it handles: ask for /api/health at once, so
      // the start-up checks run (and a misconfigured Detour exits) now, not at a user's first request.
      await (await fetch(`${self}/api/health`)).arrayBuffer();
      if (!peekRuntime()?.inferenceHandlers) {
        // Next would answer them through the route files, correctly but at several times the cost.
        process.stderr.write("Detour cannot start: instrumentation.ts ran but did not publish the inference routes.\n");
        process.exit(1);
      }
    },
    close: () => app.close(),
  };
}

/**
 * DETOUR_ROLE=gateway: the inference routes, GET /api/health and GET /metrics from the role's own
 * build (lib/gateway-role.ts, bundled by scripts/build-server.ts); Next.js is never loaded. The
 * start sequence runs before the server listens, so the first answer to /api/health is the real one.
 */
async function gatewayRole(
  answerWith: (handler: InferenceHandler, req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Role> {
  const dir = path.resolve(root, distDirOf(), SERVER_BUILD_DIR);
  const engineFile = path.join(dir, GATEWAY_ENGINE_FILE);
  if (!existsSync(engineFile)) {
    process.stderr.write(
      `Detour cannot start: DETOUR_ROLE=gateway needs the gateway-only build (${path.relative(root, engineFile)} is missing): run \`npm run build\`\n`,
    );
    process.exit(1);
  }
  const engine = (await import(pathToFileURL(engineFile).href)) as typeof import("../lib/gateway-role");
  const routes = await engine.startGatewayRole({ sinkWorkerFile: path.join(dir, GATEWAY_SINK_WORKER_FILE) });
  return {
    routes: () => routes,
    otherwise(req, res, pathname) {
      const method = req.method ?? "GET";
      answerWith(async () => engine.notServedHere(routes, method, pathname), req, res);
    },
    listening: async () => {},
    close: async () => {},
  };
}

/**
 * Detour's own answers, written here: a text body (lib/http/text-response.ts: JSON answers, errors)
 * head and text in one write; a relayed stream (lib/http/stream-response.ts) chunk by chunk as it
 * comes. The adapter would read either back from a Web stream. False for any other answer, which
 * the adapter writes.
 */
function writeDirect(response: Response, res: http.ServerResponse): boolean {
  const text = textBodyOf(response);
  const source = text === undefined ? chunkSourceOf(response) : undefined;
  if (text === undefined && source === undefined) return false;
  // Trailer fields (server-timing over the whole stream) to a client that asked for them.
  const te = source === undefined ? undefined : res.req.headers.te;
  const trailers = source?.trailers !== undefined && acceptsTrailers(typeof te === "string" ? te : undefined);
  // The head as a flat list (name, value, name, value...), which writeHead takes as it is: an object
  // given a dozen names one by one turns into a dictionary, on every answer. The answer's own headers
  // (but the length or trailer set here), then the security headers the answer does not set itself.
  // The answer's headers as Detour built them (lib/http/header-list.ts), unless someone made a Web
  // Headers of them (then that one, which may have been changed).
  const items = headerItemsOf(response) ?? [...response.headers].flat();
  const head: string[] = [];
  let own = 0;
  for (let n = 0; n < items.length; n += 2) {
    const name = items[n]!;
    const i = SECURITY_NAMES.indexOf(name);
    if (i !== -1) own |= 1 << i;
    if ((text !== undefined && name === "content-length") || (trailers && name === "trailer")) continue;
    head.push(name, items[n + 1]!);
  }
  for (let i = 0; i < SECURITY_NAMES.length; i++) if ((own & (1 << i)) === 0) head.push(SECURITY_NAMES[i]!, SECURITY_VALUES[i]!);
  if (text !== undefined) {
    // As bytes: with a string, Node sends the head and the body in one write encoded as the body
    // (UTF-8), which would re-encode a header value's bytes (a UTF-8 trace id is sent as Latin-1).
    const from = performance.now();
    const body = Buffer.from(text, "utf8");
    head.push("content-length", String(body.byteLength));
    res.writeHead(response.status, head);
    res.end(body);
    writtenHookOf(response)?.(performance.now() - from);
  } else {
    if (trailers) head.push("trailer", source!.trailers!.names);
    res.writeHead(response.status, head);
    void pumpChunks(source!, res, trailers, writtenHookOf(response));
  }
  return true;
}

/** The API security headers' lower-case names and their values, as writeDirect sends them. */
const SECURITY_NAMES = API_SECURITY_HEADERS.map(([name]) => name.toLowerCase());
const SECURITY_VALUES = API_SECURITY_HEADERS.map(([, value]) => value);

/**
 * A declared body over its route's limit (sign-in 64 KiB, management API 1 MiB): 413 at once in the
 * management API's error shape, before Next.js reads a byte, and `connection: close`: once the
 * answer is out the connection closes, lingering (lib/http/lingering-close.ts): the rest of the
 * upload is dropped until the client closes, so that it reads the 413 rather than a reset. A
 * chunked body is counted by the route that reads it (lib/api/read-body.ts).
 */
function refuseDeclaredOversize(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean {
  const declared = req.headers["content-length"];
  if (declared === undefined) return false;
  const limit = bodyLimitFor(pathname);
  if (limit === null || !(Number(declared) > limit)) return false;
  const body = tooLargeBody(limit);
  for (const [name, value] of API_SECURITY_HEADERS) res.setHeader(name, value);
  res.writeHead(413, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    connection: "close",
  });
  res.end(body);
  return true;
}

main().catch((err: unknown) => {
  if (err instanceof EnvError) process.stderr.write(`Detour cannot start: ${err.message}\n`);
  else process.stderr.write(`Detour cannot start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
