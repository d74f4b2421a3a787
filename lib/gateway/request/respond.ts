/**
 * The three answers of an inference request, each with Detour's headers (gateway-headers.ts) and a
 * queued log row: the router's (JSON, a relayed stream, or an error), a cached one, and Detour's own
 * error for anything a stage threw.
 */
import { type DeferredBodyResponse, WRITTEN } from "../../http/deferred-body-response";
import { HeaderList } from "../../http/header-list";
import { StreamResponse } from "../../http/stream-response";
import { TextResponse } from "../../http/text-response";
import { errorDetail, logger } from "../../logger";
import { observeRateLimited } from "../../metrics";
import { getResponseCache, type CachedAnswer } from "../cache/response-cache";
import { DetourError, ERROR_CATALOG } from "../../errors";
import { gatewayError } from "../errors";
import { RouteError } from "../router";
import { serverTiming, setGatewayHeaders, type Times } from "./gateway-headers";
import { usageFields, type LogInput } from "./log-record";
import { enqueueLog, modelRequested, ownMs, type Resolved, type Routed, type Served, upstreamMs } from "./served";
import { type Endpoint, type TokenUsage, wireOf } from "../providers/types";
import { errorText } from "./wire-errors";
import { claimBackgroundUsage, forgetAffinity } from "../affinity";
import { withChanges } from "../../object";

/** Endpoints whose answers the provider does not bill: token counting (Anthropic's, the Responses API's). */
const FREE_ENDPOINTS: ReadonlySet<Endpoint> = new Set(["messages/count_tokens", "responses/input_tokens"]);

/** The states a Responses API response ends in. */
const FINISHED = new Set(["completed", "incomplete", "failed", "cancelled"]);

type ServedUsage = { usage: TokenUsage | null; model: string | null };

/**
 * The usage and cost a log row counts, handed to `then` (at once, or once a claim is settled). A
 * create counts its answer's usage. A call on a stored response (read, delete, cancel) counts none,
 * at cost 0: the create counted it. Except a background response (`finishedInBackground`: its id
 * when this answer shows it finished, with usage): its create answered before it ran, so the first
 * answer to show it finished, on any instance, counts it (`claimBackgroundUsage`), and no other.
 */
function withCountedUsage(
  s: Routed,
  served: ServedUsage,
  finishedInBackground: string | null,
  then: (fields: ReturnType<typeof usageFields>) => void,
): void {
  const { adapter, creds, provider } = s.result.target;
  // A read names no model: an answer naming a deployment is priced by the model it stands for.
  const asked = modelRequested(s) ?? (served.model ? (adapter.modelOfDeployment?.(served.model, creds) ?? null) : null);
  const count = (counted: boolean) => {
    const fields = usageFields(counted ? served : { usage: null, model: served.model }, asked, provider, s.prices ?? undefined);
    // Counting tokens generates nothing and is free; a call that counts nothing costs nothing: known to be 0, not unknown.
    if (FREE_ENDPOINTS.has(s.endpoint) || (s.call && !counted)) fields.cost = 0;
    then(fields);
  };
  if (finishedInBackground && served.usage) {
    void claimBackgroundUsage(s.key.workspaceId, finishedInBackground).then(count);
  } else {
    count(!s.call);
  }
}

/** A Responses JSON answer's id when it shows a background response finished. */
function finishedBackgroundId(json: Record<string, unknown>): string | null {
  return json.object === "response" && json.background === true && typeof json.id === "string" && FINISHED.has(json.status as string)
    ? json.id
    : null;
}

/**
 * A stream cut before its usage arrived (the client left, or the upstream broke), under a budget:
 * the provider bills what it generated until then, which Detour estimates (never below what it can bill): the prompt at its
 * reserved upper bound, and one output token per event relayed (providers stream about one token
 * per event). Without a budget the usage stays unknown.
 */
function cutStreamUsage(s: Routed, events: number): TokenUsage | null {
  if (!s.budget) return null;
  return {
    promptTokens: s.budget.promptTokens,
    completionTokens: events,
    totalTokens: s.budget.promptTokens + events,
    cacheReadTokens: null,
    cacheWriteTokens: null,
  };
}

/**
 * The answer, told how long Detour's server took to write its last bytes (a JSON answer's head and
 * body, a stream's end): after `server-timing` went out, so only the log row counts it. The row is
 * built on the next turn (enqueueLog), after the write.
 */
function handOver<R extends DeferredBodyResponse>(s: Served, response: R): R {
  response[WRITTEN] = (ms) => {
    s.writeMs += ms;
  };
  return response;
}

/** Requests the client abandoned are logged with nginx's "client closed request". */
const CLIENT_CLOSED = ERROR_CATALOG.client_closed.status;

/** The router's answer: JSON (stored in the response cache when the request is cached), a relayed stream, or an error. */
export function respond(s: Routed): Response {
  const result = s.result;
  const payload = result.outcome.response;
  const headers = payload?.headers ? HeaderList.from(payload.headers) : new HeaderList();
  const own = ownMs(s);
  const gatewayError = payload?.kind === "error" && payload.gateway;
  setGatewayHeaders(headers, s, { own, upstream: upstreamMs(s) }, result, gatewayError);

  if (payload?.kind === "stream") {
    headers.set("content-type", "text/event-stream; charset=utf-8");
    headers.set("cache-control", "no-cache");
    // The stream's own time runs on until its last chunk is written: its log row and its trailer
    // (`server-timing` to a client that accepts trailers) say the whole of it.
    const times = (): Times => ({ own: ownMs(s), upstream: upstreamMs(s) });
    const source = payload.relay.source((summary) => {
      const whole = ownMs(s);
      const background = summary.background ? summary.responseId : null;
      const estimated = summary.usage === null && summary.end !== "done" ? cutStreamUsage(s, summary.events) : null;
      withCountedUsage(s, { usage: estimated ?? summary.usage, model: summary.model }, background, (fields) =>
        enqueueLog(s, {
          usageEstimated: estimated !== null,
          status: summary.end === "client_closed" ? CLIENT_CLOSED : result.outcome.status,
          errorType: summary.end === "done" ? null : summary.end === "broken" ? "upstream_stream_broken" : "client_closed",
          result,
          overheadMs: whole,
          usage: fields,
          responseText: summary.logText,
          responseTruncated: summary.logTruncated,
        }),
      );
    });
    source.waited = (ms) => {
      s.timing.clientMs += ms;
    };
    source.trailers = { names: "server-timing", values: () => ({ "server-timing": serverTiming(times()) }) };
    return handOver(s, new StreamResponse(source, { status: result.outcome.status, headers }));
  }

  // A deleted response is gone: so is its record (local, Redis, database).
  if (s.call?.method === "DELETE" && result.outcome.status === 200) forgetAffinity(s.key.workspaceId, s.call.id);

  if (payload?.kind === "json") {
    const served = { usage: payload.usage, model: typeof payload.json.model === "string" ? payload.json.model : null };
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
    withCountedUsage(s, served, finishedBackgroundId(payload.json), (fields) =>
      enqueueLog(s, { status: result.outcome.status, errorType: null, result, overheadMs: own, usage: fields, responseText: payload.text }),
    );
    headers.set("content-type", "application/json");
    return handOver(s, new TextResponse(payload.text, { status: result.outcome.status, headers }));
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
  return handOver(s, new TextResponse(text, { status: result.outcome.status, headers }));
}

/**
 * A fresh cached answer: no upstream call, so it costs 0 (not "unknown"); what it saved is its
 * stored usage priced as its answer was (provider, model, the workspace's overrides), at today's prices.
 */
export function respondFromCache(s: Resolved, hit: CachedAnswer): Response {
  s.cacheStatus = "HIT";
  const own = ownMs(s);
  const headers = new HeaderList({ "content-type": hit.contentType });
  setGatewayHeaders(
    headers,
    s,
    { own, upstream: 0 },
    { path: hit.path, retryCount: 0, fallbackUsed: false, target: { provider: hit.provider } },
    false,
  );
  const usage = usageFields({ usage: hit.usage, model: hit.model }, modelRequested(s), hit.provider, s.prices ?? undefined);
  enqueueLog(s, {
    status: hit.status,
    errorType: null,
    result: null,
    provider: hit.provider,
    overheadMs: own,
    usage: withChanges(usage, { cost: 0 }),
    costSaved: usage.cost,
    responseText: hit.text,
  });
  return handOver(s, new TextResponse(hit.text, { status: hit.status, headers }));
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
  const headers = new HeaderList({ "content-type": "application/json" });
  setGatewayHeaders(headers, s, { own, upstream: upstreamMs(s) }, null, true);
  if (error.headers) for (const name in error.headers) headers.set(name, error.headers[name]!);
  if (error.rateLimitScope) observeRateLimited(error.rateLimitScope);
  const text = errorText(wireOf(s.endpoint), error.status, error.toBody());
  const last = attempts[attempts.length - 1];
  // Without an API key nothing is logged (enqueueLog): only the request's span ends.
  enqueueLog(s, {
    status: error.status,
    errorType: error.code,
    result: last ? { attempts, fallbackUsed: false, retryCount: 0, target: last.target } : null,
    overheadMs: own,
    usage: usageFields({ usage: null, model: null }, modelRequested(s)),
    responseText: text,
  });
  return handOver(s, new TextResponse(text, { status: error.status, headers }));
}
