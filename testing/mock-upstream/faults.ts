// Writing answers: the normal one, and each injected fault.
import { randomUUID } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import {
  ANTHROPIC_ERROR_MESSAGES,
  ANTHROPIC_ERROR_STATUS,
  ANTHROPIC_SSE_GARBAGE,
  anthropicError,
  anthropicErrorEvent,
  anthropicHeaders,
} from "./anthropic-format";
import { retryHeaders, statusErrorBody, type StatusContext } from "./errors";
import type { Exchange } from "./exchange";
import type { StreamPlan } from "./formats";
import { isNamedProvider, namedHeaders } from "./named-providers";
import type { Fault, Provider } from "./types";

export const JSON_TYPE = "application/json";
export const SSE_TYPE = "text/event-stream; charset=utf-8";

/** The normal answer, built lazily (a fault may need only part of it). */
export interface Reply {
  /** The request asked for an SSE stream (and the route can stream). */
  stream: boolean;
  json(): string;
  plan(): StreamPlan;
  /** The Responses API's own shapes for the faults that end an answer early (responses-format.ts). */
  responses?: ResponsesFaultShapes;
  /** Called once a stream was written in full (a background response then reaches its final state). */
  delivered?(): void;
}

/** How a Responses API answer ends when a fault cuts it: its own events, numbered after what was sent. */
export interface ResponsesFaultShapes {
  /** An `error` event `{type: "error", code, message, param: null, sequence_number}`. */
  errorEvent(sequenceNumber: number, code: string, message: string): string;
  /** The `response.failed` event (the stored response turns failed too). */
  failedEvent(sequenceNumber: number): string;
  /** The answer as a failed response (JSON). */
  failedJson(): string;
  /** The answer with the key appended to its text and an `echo: {api_key}` field (JSON). */
  echoJson(key: string): string;
}

const SERVER_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!";

export interface ResponseContext {
  ex: Exchange;
  provider: Provider;
  chunkDelayMs: number;
  status: StatusContext;
}

let served = 0;
const RPM_LIMIT = 10_000;

/** Headers like the real APIs send (request ids, processing time, rate-limit counters). */
export function apiHeaders(provider: Provider, started: number, contentType: string): OutgoingHttpHeaders {
  if (provider === "anthropic") return anthropicHeaders(contentType);
  if (isNamedProvider(provider)) return namedHeaders(contentType);
  const remaining = String(RPM_LIMIT - 1 - (served++ % RPM_LIMIT));
  if (provider === "azure") {
    const id = randomUUID();
    return {
      "content-type": contentType,
      "apim-request-id": id,
      "x-request-id": id,
      "x-ms-region": "East US",
      "x-ratelimit-remaining-requests": remaining,
      "x-ratelimit-remaining-tokens": "29999000",
    };
  }
  return {
    "content-type": contentType,
    "x-request-id": `req_${randomUUID().replaceAll("-", "")}`,
    "openai-organization": "org-mockupstream",
    "openai-processing-ms": String(Date.now() - started),
    "openai-version": "2020-10-01",
    "x-ratelimit-limit-requests": String(RPM_LIMIT),
    "x-ratelimit-remaining-requests": remaining,
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-tokens": "29999000",
    "x-ratelimit-reset-tokens": "0s",
  };
}

const headersFor = (ctx: ResponseContext, contentType: string) => apiHeaders(ctx.provider, ctx.ex.started, contentType);

const allFrames = (p: StreamPlan): string[] => [...p.head, ...p.content, ...p.tail];

/**
 * Normal answer; `slowMs` (slow_chunks) spaces stream frames, or 5 JSON body pieces when not
 * streaming; `endAfterMs` (late_end) ends a stream's body that long after its last frame.
 */
export function deliver(ctx: ResponseContext, reply: Reply, slowMs?: number, endAfterMs = 0): void {
  const { ex } = ctx;
  if (reply.stream) {
    ex.head(200, headersFor(ctx, SSE_TYPE));
    ex.writeFrames(allFrames(reply.plan()), slowMs ?? ctx.chunkDelayMs, () => {
      const end = () => {
        ex.res.end();
        reply.delivered?.();
      };
      if (endAfterMs > 0) ex.later(endAfterMs, end);
      else end();
    });
    return;
  }
  const json = reply.json();
  if (slowMs === undefined || slowMs <= 0) {
    ex.send(200, headersFor(ctx, JSON_TYPE), json);
    return;
  }
  const buf = Buffer.from(json);
  const size = Math.ceil(buf.length / 5);
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) pieces.push(buf.subarray(i, i + size));
  const headers = headersFor(ctx, JSON_TYPE);
  headers["content-length"] = buf.length;
  ex.head(200, headers);
  ex.writeFrames(pieces, slowMs, () => ex.res.end());
}

const GARBAGE =
  "data: this is not json\n\n" +
  'data: {"id":"chatcmpl-garbage","object":"chat.completion.chunk","choices":[{"delta":\n\n' +
  "data: <html><body>502 Bad Gateway</body></html>\n\n";

export function applyFault(ctx: ResponseContext, fault: Fault, reply: Reply): void {
  const { ex } = ctx;
  switch (fault.kind) {
    case "status": {
      const { status, retryAfterSeconds, retryAfterMs } = fault;
      const headers = { ...headersFor(ctx, JSON_TYPE), ...retryHeaders(ctx.provider, retryAfterSeconds, retryAfterMs) };
      const requestId = headers["request-id"] as string | undefined;
      const body = fault.body
        ? JSON.stringify(fault.body)
        : statusErrorBody(status, { ...ctx.status, retryAfterSeconds, retryAfterMs, requestId });
      ex.send(status, headers, body);
      return;
    }
    case "hang":
      return; // released by the client closing or by server close()
    case "delay":
      ex.later(fault.ms, () => deliver(ctx, reply));
      return;
    case "reset":
      ex.kill(true);
      return;
    case "stream_break_before_first_chunk":
      ex.head(200, headersFor(ctx, reply.stream ? SSE_TYPE : JSON_TYPE));
      ex.res.flushHeaders();
      ex.kill(false);
      return;
    case "stream_break_after_chunks": {
      if (reply.stream) {
        const plan = reply.plan();
        ex.head(200, headersFor(ctx, SSE_TYPE));
        const frames = [...plan.head, ...plan.content.slice(0, fault.chunks)];
        ex.writeFrames(frames, ctx.chunkDelayMs, () => ex.kill(false));
        return;
      }
      // Not streaming: announce the full length, send half of the body, then close.
      const buf = Buffer.from(reply.json());
      const headers = headersFor(ctx, JSON_TYPE);
      headers["content-length"] = buf.length;
      ex.head(200, headers);
      ex.res.write(buf.subarray(0, Math.floor(buf.length / 2)));
      ex.kill(false);
      return;
    }
    case "stream_break_after_role_chunk":
      // The real APIs' first events (Azure's prompt_filter_results, the chat role chunk), then the break.
      ex.head(200, headersFor(ctx, reply.stream ? SSE_TYPE : JSON_TYPE));
      ex.res.flushHeaders();
      ex.writeFrames(reply.stream ? reply.plan().head : [], ctx.chunkDelayMs, () => ex.kill(false));
      return;
    case "malformed_json": {
      const json = reply.json();
      ex.send(200, headersFor(ctx, JSON_TYPE), json.slice(0, Math.max(1, Math.floor(json.length / 2))));
      return;
    }
    case "sse_garbage":
      ex.head(200, headersFor(ctx, SSE_TYPE));
      ex.res.end(ctx.provider === "anthropic" ? ANTHROPIC_SSE_GARBAGE : GARBAGE);
      return;
    case "slow_chunks":
      deliver(ctx, reply, fault.delayMs);
      return;
    case "late_end":
      deliver(ctx, reply, undefined, fault.ms);
      return;
    case "echo_key":
      echoKey(ctx, reply);
      return;
    case "sse_error_event":
      sseErrorEvent(ctx, reply, fault.afterChunks, fault.errorType ?? (ctx.provider === "anthropic" ? "overloaded_error" : "server_error"));
      return;
    case "response_failed":
      if (reply.responses) responseFailed(ctx, reply, reply.responses, fault.afterChunks);
      else sseErrorEvent(ctx, reply, fault.afterChunks, ctx.provider === "anthropic" ? "api_error" : "server_error");
      return;
    case "tool_use":
      // The reply already holds the tool call (the handlers build it when this rule matched).
      deliver(ctx, reply);
      return;
    case "redirect": {
      // Like a web server or load balancer in front of the API: a short HTML body and a location.
      const location = fault.location ?? `http://redirected.invalid${ex.req.url ?? "/"}`;
      const body = `<html><body>Moved: <a href="${location}">${location}</a></body></html>`;
      ex.send(fault.status ?? 302, { "content-type": "text/html", location }, body);
      return;
    }
  }
}

/**
 * `sse_error_event`: a 200 stream cut by the provider's error event after `afterChunks` content
 * chunks (the stream then ends, as Anthropic's does); not streaming, that error's status and body.
 */
function sseErrorEvent(ctx: ResponseContext, reply: Reply, afterChunks: number, errorType: string): void {
  const { ex } = ctx;
  const anthropic = ctx.provider === "anthropic";
  if (!reply.stream) {
    const status = ANTHROPIC_ERROR_STATUS[errorType] ?? 500;
    const headers = headersFor(ctx, JSON_TYPE);
    const body = anthropic
      ? anthropicError(errorType, ANTHROPIC_ERROR_MESSAGES[errorType] ?? "Mock upstream error", headers["request-id"] as string)
      : statusErrorBody(status, ctx.status);
    ex.send(status, headers, body);
    return;
  }
  const plan = reply.plan();
  const sent = [...plan.head, ...plan.content.slice(0, afterChunks)];
  const error = anthropic
    ? anthropicErrorEvent(errorType)
    : reply.responses
      ? reply.responses.errorEvent(sent.length, errorType, SERVER_ERROR_MESSAGE)
      : `data: ${JSON.stringify({ error: { message: SERVER_ERROR_MESSAGE, type: errorType, param: null, code: null } })}\n\n`;
  ex.head(200, headersFor(ctx, SSE_TYPE));
  ex.writeFrames([...sent, error], ctx.chunkDelayMs, () => ex.res.end());
}

/** `response_failed`: a 200 stream ending in `response.failed` after `afterChunks` deltas; not streaming, a 200 failed response. */
function responseFailed(ctx: ResponseContext, reply: Reply, shapes: ResponsesFaultShapes, afterChunks: number): void {
  const { ex } = ctx;
  if (!reply.stream) {
    ex.send(200, headersFor(ctx, JSON_TYPE), shapes.failedJson());
    return;
  }
  const plan = reply.plan();
  const sent = [...plan.head, ...plan.content.slice(0, afterChunks)];
  ex.head(200, headersFor(ctx, SSE_TYPE));
  ex.writeFrames([...sent, shapes.failedEvent(sent.length)], ctx.chunkDelayMs, () => ex.res.end());
}

/** `echo_key`: the request's key in a 200 answer (JSON: an `echo` field and the text; stream: an error event after the first content chunk). */
function echoKey(ctx: ResponseContext, reply: Reply): void {
  const { ex } = ctx;
  const key = ctx.status.key ?? "";
  if (reply.stream) {
    const plan = reply.plan();
    const sent = [...plan.head, ...plan.content.slice(0, 1)];
    const message = `Incorrect API key provided: ${key}.`;
    const error = { error: { message, type: "invalid_request_error", param: null, code: "invalid_api_key" } };
    const frame =
      ctx.provider === "anthropic"
        ? anthropicErrorEvent("authentication_error", `invalid x-api-key: ${key}`)
        : reply.responses
          ? reply.responses.errorEvent(sent.length, "invalid_api_key", message)
          : `data: ${JSON.stringify(error)}\n\n`;
    ex.head(200, headersFor(ctx, SSE_TYPE));
    ex.writeFrames([...sent, frame], ctx.chunkDelayMs, () => ex.res.end());
    return;
  }
  if (reply.responses) {
    ex.send(200, headersFor(ctx, JSON_TYPE), reply.responses.echoJson(key));
    return;
  }
  const answer = JSON.parse(reply.json()) as Record<string, unknown>;
  if (ctx.provider === "anthropic") {
    const blocks = Array.isArray(answer.content) ? (answer.content as { type?: string; text?: string }[]) : [];
    const text = blocks.find((b) => b.type === "text");
    if (text) text.text = `${text.text ?? ""} Your key is ${key}.`;
    answer.echo = { api_key: key };
    ex.send(200, headersFor(ctx, JSON_TYPE), JSON.stringify(answer));
    return;
  }
  const choices = answer.choices as { message?: { content?: string }; text?: string }[] | undefined;
  const first = choices?.[0];
  if (first?.message) first.message.content = `${first.message.content ?? ""} Your key is ${key}.`;
  else if (first && typeof first.text === "string") first.text += ` Your key is ${key}.`;
  answer.echo = { api_key: key };
  ex.send(200, headersFor(ctx, JSON_TYPE), JSON.stringify(answer));
}
