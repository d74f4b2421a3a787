/**
 * One inference request, end to end: API key -> headers -> body -> config and targets -> router
 * (with the upstream attempt) -> response with Detour's headers -> one log row, queued (never
 * written on the request path).
 */
import { getEnv } from "../../env";
import { errorDetail, logger } from "../../logger";
import { getLogWriter } from "../../logs/writer";
import { observeRateLimited, observeRequest } from "../../metrics";
import { newLogId } from "../../logs/types";
import { presentedApiKey } from "../../auth/api-key";
import type { AuthenticatedKey } from "../../store/api-keys";
import { createAttempt, type AttemptTiming, type UpstreamPayload } from "./attempt";
import { bodyLimits, readJsonBody } from "./body";
import { circuitRouteOptions } from "../circuit/hooks";
import { attemptBudgetExhausted, GatewayError, RateLimitError, timeoutErrorBody, unauthorized } from "../errors";
import { apiKeySubjects, countTokens, enforceRateLimits, virtualKeySubjects } from "../rate-limit/checks";
import { buildLogRecord, usageFields, type LogInput } from "./log-record";
import type { Endpoint } from "../providers/types";
import { parseRequestContext, type RequestContext } from "./headers";
import { setGatewayHeaders } from "./gateway-headers";
import { resolveRouting, type ResolvedTarget, type Routing } from "./resolve-targets";
import { route, AttemptBudgetError, RouteAbortedError, NoMatchingConditionError, type RouteResult } from "../router";
import { DEFAULT_MAX_AGE_S, getResponseCache, responseCacheKey, type CachedAnswer } from "../cache/response-cache";
import { readUsage } from "./sse-relay";
import { lookupApiKey, markUsed } from "../cache/lookups";
import { isRecord } from "../../is-record";

/** Requests the client abandoned are logged with nginx's "client closed request". */
const CLIENT_CLOSED = 499;

type Served = {
  t0: number;
  startedAt: Date;
  logId: string;
  request: Request;
  endpoint: Endpoint;
  ctx: RequestContext | null;
  key: AuthenticatedKey | null;
  requestText: string | null;
  body: Record<string, unknown> | null;
  routing: Routing | null;
  timing: AttemptTiming;
  sleptMs: number;
  cacheStatus: "HIT" | "MISS" | "REFRESH" | "DISABLED";
};

type CachePlan = { key: string; ttlMs: number };

export async function handleInference(request: Request, endpoint: Endpoint): Promise<Response> {
  const s: Served = {
    t0: performance.now(),
    startedAt: new Date(),
    logId: newLogId(),
    request,
    endpoint,
    ctx: null,
    key: null,
    requestText: null,
    body: null,
    routing: null,
    timing: { upstreamMs: 0 },
    sleptMs: 0,
    cacheStatus: "DISABLED",
  };
  try {
    s.key = await authenticate(request.headers);
    s.ctx = parseRequestContext(request.headers);
    await enforceRateLimits(apiKeySubjects(s.key));
    const { body, text } = await readJsonBody(request, bodyLimits());
    s.body = body;
    s.requestText = text;
    s.routing = await resolveRouting(s.ctx, s.key.workspaceId);
    await enforceRateLimits(virtualKeySubjects(s.routing));
    const cache = planCache(s, s.routing, body);
    if (cache && s.cacheStatus === "MISS") {
      const hit = await getResponseCache().get(cache.key);
      if (hit) return respondFromCache(s, hit);
    }
    return await routeAndRespond(s, s.routing, body, cache);
  } catch (err) {
    return errorResponse(s, err);
  }
}

async function authenticate(headers: Headers): Promise<AuthenticatedKey> {
  const presented = presentedApiKey(headers);
  if (!presented) throw unauthorized("missing_api_key", "Missing Detour API key: send it in the x-portkey-api-key header.");
  const key = await lookupApiKey(presented);
  if (!key) throw unauthorized("invalid_api_key", "Invalid or revoked Detour API key.");
  return key;
}

/** Caching applies to non-streaming requests whose config sets `cache` at its top level. */
function planCache(s: Served, routing: Routing, body: Record<string, unknown>): CachePlan | null {
  const settings = routing.tree.settings.cache;
  if (!settings || body.stream === true || !s.key || !s.ctx) return null;
  s.cacheStatus = s.ctx.cacheForceRefresh ? "REFRESH" : "MISS";
  const config = routing.config
    ? `${routing.config.slug}@${routing.config.version}`
    : s.ctx.config?.kind === "inline"
      ? s.ctx.config.text
      : "";
  return {
    key: responseCacheKey({ workspaceId: s.key.workspaceId, endpoint: s.endpoint, config: `${config}\0${s.ctx.virtualKey ?? ""}`, body }),
    ttlMs: (settings.maxAgeSeconds ?? DEFAULT_MAX_AGE_S) * 1000,
  };
}

function respondFromCache(s: Served, hit: CachedAnswer): Response {
  s.cacheStatus = "HIT";
  const own = ownMs(s);
  const headers = new Headers({ "content-type": hit.contentType });
  setGatewayHeaders(headers, s, own, { path: hit.path, retryCount: 0, fallbackUsed: false, target: { provider: hit.provider } }, false);
  const usage = usageFields({ usage: hit.usage, model: hit.model }, modelRequested(s));
  // Nothing was spent upstream: a cache hit costs 0 (not "unknown").
  enqueueLog(s, {
    status: hit.status,
    errorType: null,
    result: null,
    provider: hit.provider,
    overheadMs: own,
    usage: { ...usage, cost: 0 },
    responseText: hit.text,
  });
  return new Response(hit.text, { status: hit.status, headers });
}

async function routeAndRespond(s: Served, routing: Routing, body: Record<string, unknown>, cache: CachePlan | null): Promise<Response> {
  const stream = body.stream === true && s.endpoint !== "embeddings";
  const callerWantsUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const result = await route<ResolvedTarget, UpstreamPayload>(routing.tree, {
    attempt: createAttempt({
      endpoint: s.endpoint,
      body,
      stream,
      stripUsageChunk: stream && !callerWantsUsage,
      maxLogBytes: 32 * 1024,
      timing: s.timing,
    }),
    signal: s.request.signal,
    metadata: s.ctx?.metadata ?? {},
    params: body,
    maxAttempts: getEnv().DETOUR_MAX_UPSTREAM_ATTEMPTS,
    ...circuitRouteOptions(s.key?.workspaceId ?? ""),
    sleep: (ms, signal) => trackedSleep(s, ms, signal),
    timeoutResponse: ({ timeoutMs }) => {
      const errorBody = timeoutErrorBody(timeoutMs);
      return { kind: "error", body: errorBody, headers: null, gateway: true, message: errorBody.error.message };
    },
  });
  markUsed(s.key?.id ?? null, [...new Set(result.attempts.flatMap((a) => (a.target.virtualKey ? [a.target.virtualKey.id] : [])))]);

  const payload = result.outcome.response;
  const headers = payload && payload.kind !== "error" ? new Headers(payload.headers) : new Headers(payload?.headers ?? undefined);
  const own = ownMs(s);
  const gatewayError = payload?.kind === "error" && payload.gateway;
  setGatewayHeaders(headers, s, own, result, gatewayError);

  if (payload?.kind === "stream") {
    headers.set("content-type", "text/event-stream; charset=utf-8");
    headers.set("cache-control", "no-cache");
    const streamBody = payload.relay.toReadableStream((summary) => {
      const fields = usageFields({ usage: summary.usage, model: summary.model }, modelRequested(s));
      enqueueLog(s, {
        status: summary.end === "client_closed" ? CLIENT_CLOSED : result.outcome.status,
        errorType: summary.end === "done" ? null : summary.end === "broken" ? "upstream_stream_broken" : "client_closed",
        result,
        overheadMs: own,
        usage: fields,
        responseText: summary.logText,
        responseTruncated: summary.logTruncated,
      });
    });
    return new Response(streamBody, { status: result.outcome.status, headers });
  }

  if (payload?.kind === "json") {
    const served = { usage: readUsage(payload.json.usage), model: typeof payload.json.model === "string" ? payload.json.model : null };
    const fields = usageFields(served, modelRequested(s));
    if (cache) {
      void getResponseCache()
        .set(
          cache.key,
          {
            status: result.outcome.status,
            text: payload.text,
            contentType: "application/json",
            provider: result.target.provider,
            path: result.path,
            ...served,
          },
          cache.ttlMs,
        )
        .catch((err: unknown) => logger.warn({ err: String(err) }, "response cache write failed"));
    }
    enqueueLog(s, { status: result.outcome.status, errorType: null, result, overheadMs: own, usage: fields, responseText: payload.text });
    headers.set("content-type", "application/json");
    return new Response(payload.text, { status: result.outcome.status, headers });
  }

  const errorBody =
    payload?.kind === "error" ? payload.body : { error: { message: "upstream failed", type: "server_error", param: null, code: null } };
  const text = JSON.stringify(errorBody);
  enqueueLog(s, {
    status: result.outcome.status,
    errorType: gatewayError ? (errorBody.error.code ?? "gateway_error") : null,
    result,
    overheadMs: own,
    usage: usageFields({ usage: null, model: null }, modelRequested(s)),
    responseText: text,
  });
  headers.set("content-type", "application/json");
  return new Response(text, { status: result.outcome.status, headers });
}

function errorResponse(s: Served, err: unknown): Response {
  let error: GatewayError;
  let attempts: RouteResult<ResolvedTarget, UpstreamPayload>["attempts"] = [];
  if (err instanceof GatewayError) {
    error = err;
  } else if (err instanceof NoMatchingConditionError) {
    error = new GatewayError(
      400,
      "no_matching_condition",
      `No condition of the conditional strategy at ${err.path} matched this request, and it has no default.`,
    );
    attempts = err.attempts as typeof attempts;
  } else if (err instanceof AttemptBudgetError) {
    error = attemptBudgetExhausted(err.limit, err.lastStatus);
    attempts = err.attempts as typeof attempts;
  } else if (err instanceof RouteAbortedError) {
    error = new GatewayError(CLIENT_CLOSED, "client_closed", "The client closed the request.");
    attempts = err.attempts as typeof attempts;
  } else {
    logger.error({ err: errorDetail(err), traceId: s.ctx?.traceId }, "unexpected gateway error");
    error = new GatewayError(
      500,
      "internal_error",
      "Detour hit an unexpected error while handling this request; it is logged with the request id.",
    );
  }
  const own = ownMs(s);
  const headers = new Headers({ "content-type": "application/json" });
  setGatewayHeaders(headers, s, own, null, true);
  if (error.closeConnection) headers.set("connection", "close");
  if (error instanceof RateLimitError) {
    headers.set("retry-after", String(error.retryAfterSeconds));
    observeRateLimited(error.scope);
  }
  const text = JSON.stringify(error.toBody());
  // Unauthenticated requests belong to no workspace: they are not logged.
  if (s.key) {
    enqueueLog(s, {
      status: error.status,
      errorType: error.code,
      result: attempts.length ? { attempts, fallbackUsed: false, retryCount: 0, target: attempts[attempts.length - 1]!.target } : null,
      overheadMs: own,
      usage: usageFields({ usage: null, model: null }, modelRequested(s)),
      responseText: text,
    });
  }
  return new Response(text, { status: error.status, headers });
}

/**
 * Queues the request's log row. The row is built (bodies bounded and redacted, attempts, metrics,
 * token counts) on the next turn of the event loop, after the answer has been handed to the
 * client: none of that work delays the response. Times are taken now.
 */
function enqueueLog(s: Served, input: LogInput): void {
  const key = s.key;
  if (!key) return;
  const latencyMs = Math.round(performance.now() - s.t0);
  setImmediate(() => {
    try {
      const record = buildLogRecord(s, key, input, latencyMs);
      observeRequest(record);
      countTokens(record, input.result?.target ?? null, key);
      getLogWriter().enqueue(record);
    } catch (err) {
      logger.error({ err: errorDetail(err), logId: s.logId }, "could not build a request log row");
    }
  });
}

function modelRequested(s: Served): string | null {
  return typeof s.body?.model === "string" ? s.body.model : null;
}

/** Detour's own time so far: elapsed minus time spent waiting on upstreams and retry back-off. */
function ownMs(s: Served): number {
  return Math.max(0, performance.now() - s.t0 - s.timing.upstreamMs - s.sleptMs);
}

function trackedSleep(s: Served, ms: number, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      s.sleptMs += performance.now() - started;
      signal.removeEventListener("abort", onAbort);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      done();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
