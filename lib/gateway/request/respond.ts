/**
 * The three answers of an inference request, each with Detour's headers (gateway-headers.ts) and a
 * queued log row: the router's (JSON, a relayed stream, or an error), a cached one, and Detour's own
 * error for anything a stage threw.
 */
import { errorDetail, logger } from "../../logger";
import { observeRateLimited } from "../../metrics";
import { getResponseCache, type CachedAnswer } from "../cache/response-cache";
import { DetourError, ERROR_CATALOG } from "../../errors";
import { gatewayError } from "../errors";
import { RouteError } from "../router";
import { setGatewayHeaders } from "./gateway-headers";
import { usageFields, type LogInput } from "./log-record";
import { enqueueLog, modelRequested, ownMs, type Resolved, type Routed, type Served } from "./served";
import { type Endpoint, type TokenUsage, wireOf } from "../providers/types";
import { errorText } from "./wire-errors";
import { forgetAffinity } from "../affinity";

/**
 * Endpoints whose answers the provider does not bill: token counting (Anthropic's, the Responses
 * API's), and the calls on a stored response (reading, deleting, cancelling it: the usage a read
 * shows was billed, and logged, when the response was created).
 */
const FREE_ENDPOINTS: ReadonlySet<Endpoint> = new Set([
  "messages/count_tokens",
  "responses/input_tokens",
  "responses/{id}",
  "responses/{id}/cancel",
  "responses/{id}/input_items",
]);

/** The usage a log row counts: none for a call on a stored response (it was counted at its create). */
function countedUsage(s: Served, served: { usage: TokenUsage | null; model: string | null }) {
  return s.call ? { usage: null, model: served.model } : served;
}

/** Requests the client abandoned are logged with nginx's "client closed request". */
const CLIENT_CLOSED = ERROR_CATALOG.client_closed.status;

/** The router's answer: JSON (stored in the response cache when the request is cached), a relayed stream, or an error. */
export function respond(s: Routed): Response {
  const result = s.result;
  const payload = result.outcome.response;
  const headers = payload && payload.kind !== "error" ? new Headers(payload.headers) : new Headers(payload?.headers ?? undefined);
  const own = ownMs(s);
  const gatewayError = payload?.kind === "error" && payload.gateway;
  setGatewayHeaders(headers, s, own, result, gatewayError);

  if (payload?.kind === "stream") {
    headers.set("content-type", "text/event-stream; charset=utf-8");
    headers.set("cache-control", "no-cache");
    const streamBody = payload.relay.toReadableStream((summary) => {
      const fields = usageFields(
        countedUsage(s, { usage: summary.usage, model: summary.model }),
        modelRequested(s),
        result.target.provider,
      );
      if (FREE_ENDPOINTS.has(s.endpoint)) fields.cost = 0;
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

  // A deleted response is gone: so is its record (local, Redis, database).
  if (s.call?.method === "DELETE" && result.outcome.status === 200) forgetAffinity(s.key.workspaceId, s.call.id);

  if (payload?.kind === "json") {
    const served = { usage: payload.usage, model: typeof payload.json.model === "string" ? payload.json.model : null };
    const fields = usageFields(countedUsage(s, served), modelRequested(s), result.target.provider);
    // Counting tokens generates nothing and is free: its cost is known to be 0, not unknown.
    if (FREE_ENDPOINTS.has(s.endpoint)) fields.cost = 0;
    if (s.cache) {
      void getResponseCache()
        .set(
          s.cache.key,
          {
            status: result.outcome.status,
            text: payload.text,
            contentType: "application/json",
            provider: result.target.provider,
            path: result.path,
            ...served,
          },
          s.cache.ttlMs,
        )
        .catch((err: unknown) => logger.warn({ err: String(err) }, "response cache write failed"));
    }
    enqueueLog(s, { status: result.outcome.status, errorType: null, result, overheadMs: own, usage: fields, responseText: payload.text });
    headers.set("content-type", "application/json");
    return new Response(payload.text, { status: result.outcome.status, headers });
  }

  const errorBody =
    payload?.kind === "error" ? payload.body : { error: { message: "upstream failed", type: "server_error", param: null, code: null } };
  const text = errorText(wireOf(s.endpoint), result.outcome.status, errorBody, payload?.kind === "error" ? payload.raw : undefined);
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

/** A fresh cached answer: no upstream call, so it costs 0 (not "unknown"). */
export function respondFromCache(s: Resolved, hit: CachedAnswer): Response {
  s.cacheStatus = "HIT";
  const own = ownMs(s);
  const headers = new Headers({ "content-type": hit.contentType });
  setGatewayHeaders(headers, s, own, { path: hit.path, retryCount: 0, fallbackUsed: false, target: { provider: hit.provider } }, false);
  const usage = usageFields({ usage: hit.usage, model: hit.model }, modelRequested(s), hit.provider);
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

/** Detour's error answer for whatever a stage threw; logged once the API key is known. */
export function errorResponse(s: Served, err: unknown): Response {
  let error = gatewayError(err);
  const attempts: NonNullable<LogInput["result"]>["attempts"] =
    error && err instanceof RouteError ? (err.attempts as NonNullable<LogInput["result"]>["attempts"]) : [];
  if (!error) {
    logger.error({ err: errorDetail(err), traceId: s.ctx?.traceId }, "unexpected gateway error");
    error = new DetourError(
      "internal_error",
      "Detour hit an unexpected error while handling this request; it is logged with the request id.",
    );
  }
  const own = ownMs(s);
  const headers = new Headers({ "content-type": "application/json" });
  setGatewayHeaders(headers, s, own, null, true);
  if (error.headers) for (const name in error.headers) headers.set(name, error.headers[name]!);
  if (error.rateLimitScope) observeRateLimited(error.rateLimitScope);
  const text = errorText(wireOf(s.endpoint), error.status, error.toBody());
  const last = attempts[attempts.length - 1];
  if (s.key) {
    enqueueLog(s, {
      status: error.status,
      errorType: error.code,
      result: last ? { attempts, fallbackUsed: false, retryCount: 0, target: last.target } : null,
      overheadMs: own,
      usage: usageFields({ usage: null, model: null }, modelRequested(s)),
      responseText: text,
    });
  }
  return new Response(text, { status: error.status, headers });
}
