/**
 * What the request path sees of OpenTelemetry tracing (docs/GATEWAY.md §13): plain interfaces, no
 * SDK types, so the gateway's modules import nothing of the SDK. The implementation
 * (lib/tracing/otel.ts) is loaded only when tracing is configured (lib/tracing/index.ts).
 */
import type { LogRecord } from "../logs/types";
import type { Endpoint } from "../gateway/providers/types";

/** Starts one request's span: called once per inference request, only when tracing is on. */
export interface RequestTracer {
  start(request: Request, endpoint: Endpoint): RequestTrace;
}

/** What the answer tells beyond the log row: read from the upstream's JSON answer when there is one. */
export type AnswerFacts = {
  responseId: string | null;
  responseModel: string | null;
  finishReasons: string[] | null;
};

/** A request as it ended: the log row (null for a request without an API key), or just its status. */
export type FinishedRequest = {
  /** Epoch ms (sub-ms precision) when the answer ended: the last stream chunk, or the JSON handed over. */
  endedAt: number;
  status: number;
  errorType: string | null;
  record: LogRecord | null;
  answer: AnswerFacts | null;
};

/** One request's trace: its SERVER span, the CLIENT spans of its attempts, ended together with the log row. */
export interface RequestTrace {
  /** Whether the sampler kept this request: its spans are exported (else `finish` does nothing). */
  readonly recording: boolean;
  /** An upstream attempt begins (every call of the router's `attempt()`, in order): its span starts now. */
  attempt(): AttemptSpan;
  /** Epoch ms now, with the precision of `performance.now()`. */
  now(): number;
  /** Ends the request's span and its attempts' spans, described by the log row (same order, status, error class). */
  finish(end: FinishedRequest): void;
}

export interface AttemptSpan {
  /**
   * The attempt's request is built: `traceparent` (and `tracestate`) are added to its headers with
   * this span as the parent; the URL gives `server.address`/`server.port`, `model` the model sent.
   */
  sending(headers: Record<string, string>, url: string, model: string | null): void;
}
