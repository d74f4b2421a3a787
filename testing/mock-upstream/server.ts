// Mock OpenAI / Azure OpenAI / Anthropic upstream on node:http, with scripted faults and a request record.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleControl, type ControlTarget } from "./control";
import { openAiInvalidUrl, AZURE_NOT_FOUND } from "./errors";
import { handleApi, type ApiRoute, type ServerState } from "./handler";
import { RequestLog } from "./record";
import { matchNamedRoute, namedNotFound } from "./named-providers";
import { matchResponsesRoute } from "./responses";
import { ResponsesStore } from "./responses-store";
import { RuleBook, seededRandom } from "./rules";
import type { ApiPath, MockUpstream, MockUpstreamOptions } from "./types";

export type * from "./types";

const OPENAI_ROUTES: Record<string, { method: string; path: ApiPath }> = {
  "/v1/chat/completions": { method: "POST", path: "chat/completions" },
  "/v1/completions": { method: "POST", path: "completions" },
  "/v1/embeddings": { method: "POST", path: "embeddings" },
  "/v1/models": { method: "GET", path: "models" },
};
// Anthropic's routes share /v1 with OpenAI's (GET /v1/models too: told apart by its x-api-key header).
const ANTHROPIC_ROUTES: Record<string, ApiPath> = { "/v1/messages": "messages", "/v1/messages/count_tokens": "messages/count_tokens" };
const AZURE_ROUTE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;
// Azure's v1 API: OpenAI's paths below /openai/v1, the deployment in the body's model.
const AZURE_V1_ROUTES: Record<string, { method: string; path: ApiPath }> = {
  "/openai/v1/chat/completions": { method: "POST", path: "chat/completions" },
  "/openai/v1/completions": { method: "POST", path: "completions" },
  "/openai/v1/embeddings": { method: "POST", path: "embeddings" },
  "/openai/v1/models": { method: "GET", path: "models" },
};

function matchApiRoute(method: string, pathname: string, req: IncomingMessage): ApiRoute | undefined {
  const named = matchNamedRoute(method, pathname);
  if (named) return named.path ? { provider: named.provider, path: named.path } : undefined;
  const responses = matchResponsesRoute(method, pathname);
  if (responses) return responses;
  const a = ANTHROPIC_ROUTES[pathname];
  if (a) return method === "POST" ? { provider: "anthropic", path: a } : undefined;
  if (pathname === "/v1/models" && req.headers["x-api-key"] !== undefined && req.headers.authorization === undefined) {
    return method === "GET" ? { provider: "anthropic", path: "models" } : undefined;
  }
  const o = OPENAI_ROUTES[pathname];
  if (o) return o.method === method ? { provider: "openai", path: o.path } : undefined;
  const v1 = AZURE_V1_ROUTES[pathname];
  if (v1) return v1.method === method ? { provider: "azure", path: v1.path, v1: true } : undefined;
  const m = AZURE_ROUTE.exec(pathname);
  if (!m || method !== "POST") return undefined;
  let deployment: string;
  try {
    deployment = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return { provider: "azure", path: m[2] as ApiPath, deployment };
}

function notFound(res: ServerResponse, method: string, pathname: string): void {
  const named = matchNamedRoute(method, pathname);
  const body = named
    ? namedNotFound(named.provider, method, pathname)
    : pathname.startsWith("/openai/")
      ? AZURE_NOT_FOUND
      : openAiInvalidUrl(method, pathname);
  res.writeHead(404, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function checkNumber(name: string, v: number | undefined, min: number): number | undefined {
  if (v !== undefined && (!Number.isFinite(v) || v < min)) throw new RangeError(`${name} must be a number >= ${min}`);
  return v;
}

export async function startMockUpstream(opts: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const host = opts.host ?? "127.0.0.1";
  const maxRecords = checkNumber("maxRecords", opts.maxRecords, 1) ?? 10_000;
  const makeRandom = () => (opts.seed === undefined ? Math.random : seededRandom(opts.seed));
  const state: ServerState = {
    latencyMs: checkNumber("latencyMs", opts.latencyMs, 0) ?? 0,
    chunkDelayMs: checkNumber("chunkDelayMs", opts.chunkDelayMs, 0) ?? 0,
    azurePromptFilterChunk: opts.azurePromptFilterChunk ?? true,
    azureDeployments: opts.azureDeployments ? { ...opts.azureDeployments } : undefined,
    rules: new RuleBook(makeRandom()),
    log: new RequestLog(maxRecords),
    promptCache: new Set(),
    responses: new ResponsesStore(),
    inflight: new Set(),
    closing: false,
  };

  const control: ControlTarget = {
    script: (rule) => state.rules.add(rule),
    clearScript: () => state.rules.clear(),
    rules: () => state.rules.list(),
    reset: () => {
      state.rules.clear();
      state.rules.setRandom(makeRandom());
      state.log.clear();
      state.promptCache.clear();
      state.responses.clear();
    },
    requests: (filter) => state.log.list(filter),
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
    const method = req.method ?? "GET";
    if (pathname.startsWith("/__mock/")) {
      handleControl(control, req, res, pathname.slice(8), query);
      return;
    }
    const route = matchApiRoute(method, pathname, req);
    if (route) {
      handleApi(state, req, res, route, query);
      return;
    }
    req.resume();
    notFound(res, method, pathname);
  };

  const server = createServer({ keepAlive: true, noDelay: true }, onRequest);
  server.keepAliveTimeout = 65_000; // outlive typical client pools (undici: 4s, agentkeepalive: 15s)
  server.headersTimeout = 66_000;
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve, reject) => {
      state.closing = true;
      for (const ex of state.inflight) ex.dispose();
      state.log.rejectWaiters("mock upstream closed");
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }));

  return {
    url: `http://${urlHost}:${port}`,
    port,
    ...control,
    waitForRequest: (match, waitOpts) => state.log.wait(match, waitOpts),
    close,
  };
}
