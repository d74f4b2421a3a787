/**
 * Detour's spans with the OpenTelemetry JS SDK (docs/GATEWAY.md §13). Imported only when tracing is
 * configured (lib/tracing/index.ts): nothing here loads otherwise.
 *
 * One SERVER span per inference request, started when the request arrives (continuing the caller's
 * W3C `traceparent` when it sends a valid one; a malformed one is ignored: a new trace), and one
 * CLIENT child span per upstream attempt, started when the router calls `attempt()`; its id is the
 * parent id of the `traceparent` sent upstream. Both end with the request's log row
 * (lib/gateway/request/served.ts): the attempt spans are described by the row's attempt list, so
 * they show what the log explorer shows (order, status, error class, target path); a target the
 * circuit breaker skipped is a span of no length. A stream's request span (and its answering
 * attempt's) ends after its last chunk.
 *
 * The provider is not registered globally and no context manager is installed: the spans travel
 * in the request's context object, so Next.js's own instrumentation (which uses the global API)
 * stays off and nothing depends on AsyncLocalStorage. The standard variables configure the rest:
 * the exporter (OTEL_EXPORTER_OTLP_*: endpoint, headers, timeout, compression), the sampler
 * (OTEL_TRACES_SAMPLER, _ARG), the batch processor (OTEL_BSP_*), the resource
 * (OTEL_SERVICE_NAME, default "detour"; OTEL_RESOURCE_ATTRIBUTES) and the span limits.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Endpoint } from "../gateway/providers/types";
import type { AttemptRecordRow, LogRecord } from "../logs/types";
import { inputMessages, operationName, outputMessages, providerName, spanName } from "./genai";
import type { OtlpProtocol, TracingOptions } from "./index";
import type { AttemptSpan, FinishedRequest, RequestTrace, RequestTracer } from "./types";

const propagator = new W3CTraceContextPropagator();

const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** `server.address` and `server.port` of the upstream URLs seen (a target's URL repeats): parsed once each. */
const servers = new Map<string, { address: string; port: number } | null>();
const MAX_SERVERS = 1000;

function serverOf(url: string): { address: string; port: number } | null {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  const origin = slash === -1 ? url : url.slice(0, slash);
  let server = servers.get(origin);
  if (server === undefined) {
    const parsed = URL.canParse(origin) ? new URL(origin) : null;
    server = parsed
      ? { address: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port) || (parsed.protocol === "https:" ? 443 : 80) }
      : null;
    if (servers.size >= MAX_SERVERS) servers.clear();
    servers.set(origin, server);
  }
  return server;
}

/** Epoch ms with sub-ms precision (span times). */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function createTracing(options: TracingOptions & { protocol: OtlpProtocol }): {
  tracer: RequestTracer;
  shutdown: (timeoutMs: number) => Promise<void>;
} {
  const exporter = options.protocol === "http/json" ? new JsonTraceExporter() : new ProtobufTraceExporter();
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over Detour's default name.
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: "detour" }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer("detour", options.serviceVersion);
  return {
    tracer: { start: (request, endpoint) => new OtelRequestTrace(tracer, request, endpoint, options.captureBodies) },
    shutdown: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([provider.shutdown().catch(() => {}), late]).finally(() => clearTimeout(timer));
    },
  };
}

/** One attempt's CLIENT span, started when `attempt()` is called; described and ended with the request. */
class OtelAttemptSpan implements AttemptSpan {
  model: string | null = null;
  constructor(
    readonly span: Span,
    readonly startedAt: number,
  ) {}

  sending(headers: Record<string, string>, url: string, model: string | null): void {
    this.model = model;
    // A span the sampler left out records nothing: only its `traceparent` is sent.
    if (this.span.isRecording()) {
      if (model) this.span.setAttribute("gen_ai.request.model", model);
      const server = serverOf(url);
      if (server) {
        this.span.setAttribute("server.address", server.address);
        this.span.setAttribute("server.port", server.port);
      }
    }
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.span), headers, recordSetter);
  }
}

class OtelRequestTrace implements RequestTrace {
  private readonly span: Span;
  private readonly parent: Context;
  private readonly attempts: OtelAttemptSpan[] = [];
  private readonly operation: string;

  constructor(
    private readonly tracer: Tracer,
    request: Request,
    endpoint: Endpoint,
    private readonly captureBodies: boolean,
  ) {
    this.operation = operationName(endpoint);
    const caller = propagator.extract(ROOT_CONTEXT, request.headers, headersGetter);
    this.span = tracer.startSpan(
      this.operation,
      {
        kind: SpanKind.SERVER,
        attributes: { "gen_ai.operation.name": this.operation, "http.request.method": request.method, "http.route": `/v1/${endpoint}` },
      },
      caller,
    );
    this.parent = trace.setSpan(ROOT_CONTEXT, this.span);
  }

  now(): number {
    return nowMs();
  }

  attempt(): AttemptSpan {
    const startedAt = nowMs();
    const span = this.tracer.startSpan(
      this.operation,
      { kind: SpanKind.CLIENT, startTime: startedAt, attributes: { "gen_ai.operation.name": this.operation } },
      this.parent,
    );
    const attempt = new OtelAttemptSpan(span, startedAt);
    this.attempts.push(attempt);
    return attempt;
  }

  finish(end: FinishedRequest): void {
    // A request the sampler left out: its spans record nothing, ending them does nothing.
    if (!this.span.isRecording()) return;
    const rows = end.record?.attempts ?? [];
    let next = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const answering = i === rows.length - 1 && end.record !== null && ok(end.record.status);
      if (row.errorClass === "circuit_open") {
        const at = row.startedAt.getTime();
        const skipped = this.tracer.startSpan(
          spanName(this.operation, end.record?.modelRequested ?? null),
          { kind: SpanKind.CLIENT, startTime: at, attributes: { "gen_ai.operation.name": this.operation } },
          this.parent,
        );
        this.describeAttempt(skipped, row, null, end, false);
        skipped.end(at);
        continue;
      }
      const started = this.attempts[next++];
      if (!started) continue;
      this.describeAttempt(started.span, row, started.model ?? end.record?.modelRequested ?? null, end, answering);
      // A stream's answering attempt lasts as long as the stream; the others as the router timed them.
      started.span.end(answering && end.record?.stream ? end.endedAt : started.startedAt + row.latencyMs);
    }
    // Attempts the row does not list (none expected: the router records every call) end as they are.
    for (; next < this.attempts.length; next++) this.attempts[next]!.span.end(end.endedAt);
    this.describeRequest(end);
    this.span.end(end.endedAt);
  }

  private describeAttempt(span: Span, row: AttemptRecordRow, model: string | null, end: FinishedRequest, answering: boolean): void {
    span.updateName(spanName(this.operation, model));
    const attrs: Attributes = {
      "detour.attempt.index": row.index,
      "detour.attempt.retry": row.retry,
      "detour.target.path": row.targetPath,
    };
    if (row.provider) attrs["gen_ai.provider.name"] = providerName(row.provider);
    if (row.virtualKeySlug) attrs["detour.virtual_key.slug"] = row.virtualKeySlug;
    if (row.status !== null) attrs["http.response.status_code"] = row.status;
    const failed = row.errorClass !== null || row.status === null || !ok(row.status);
    if (failed) {
      // An upstream's own error status is its number (the conventions' HTTP error.type); Detour's verdicts by their class.
      const byStatus = row.errorClass === null || row.errorClass === "upstream_status";
      attrs["error.type"] = byStatus ? (row.status !== null ? String(row.status) : "_OTHER") : row.errorClass!;
      if (row.errorClass) attrs["detour.error.class"] = row.errorClass;
      span.setStatus({ code: SpanStatusCode.ERROR, ...(row.errorMessage ? { message: row.errorMessage } : {}) });
    }
    if (answering && end.record) addAnswerAttributes(attrs, end);
    span.setAttributes(attrs);
  }

  private describeRequest(end: FinishedRequest): void {
    const r = end.record;
    const model = r?.modelRequested ?? null;
    this.span.updateName(spanName(this.operation, model));
    const attrs: Attributes = { "http.response.status_code": end.status };
    if (model) attrs["gen_ai.request.model"] = model;
    const failed = !ok(end.status);
    if (failed) attrs["error.type"] = end.errorType ?? String(end.status);
    if (r) {
      attrs["detour.log_id"] = r.id;
      attrs["detour.trace_id"] = r.traceId;
      attrs["detour.workspace.id"] = r.workspaceId;
      if (r.configSlug) attrs["detour.config.id"] = r.configSlug;
      if (r.configVersion !== null) attrs["detour.config.version"] = r.configVersion;
      if (r.virtualKeySlug) attrs["detour.virtual_key.slug"] = r.virtualKeySlug;
      if (r.provider) attrs["gen_ai.provider.name"] = providerName(r.provider);
      attrs["detour.fallback_used"] = r.fallbackUsed;
      attrs["detour.retry_count"] = r.retryCount;
      attrs["detour.cache.status"] = r.cacheStatus;
      attrs["detour.stream"] = r.stream;
      if (r.cost !== null) attrs["detour.cost_usd"] = r.cost;
      if (r.usageEstimated) attrs["detour.usage.estimated"] = true;
      addAnswerAttributes(attrs, end);
      if (this.captureBodies) addBodyAttributes(attrs, r);
    }
    this.span.setAttributes(attrs);
    // A server span is an error when Detour answered 5xx; a 4xx is the caller's (error.type still says why).
    if (end.status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR, ...(end.errorType ? { message: end.errorType } : {}) });
  }
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Adds the answer's model, id, finish reasons and token counts (the request span and the answering attempt's). */
function addAnswerAttributes(attrs: Attributes, end: FinishedRequest): void {
  const r = end.record!;
  const responseModel = end.answer?.responseModel ?? r.model;
  if (responseModel) attrs["gen_ai.response.model"] = responseModel;
  const responseId = end.answer?.responseId ?? r.responseId;
  if (responseId) attrs["gen_ai.response.id"] = responseId;
  if (end.answer?.finishReasons) attrs["gen_ai.response.finish_reasons"] = end.answer.finishReasons;
  if (r.promptTokens !== null) attrs["gen_ai.usage.input_tokens"] = r.promptTokens;
  if (r.completionTokens !== null) attrs["gen_ai.usage.output_tokens"] = r.completionTokens;
  if (r.cacheReadTokens !== null) attrs["gen_ai.usage.cache_read.input_tokens"] = r.cacheReadTokens;
  if (r.cacheWriteTokens !== null) attrs["gen_ai.usage.cache_creation.input_tokens"] = r.cacheWriteTokens;
}

/** DETOUR_OTEL_CAPTURE_BODIES: adds the bodies as the log row holds them (redacted, bounded), and as GenAI messages. */
function addBodyAttributes(attrs: Attributes, r: LogRecord): void {
  if (r.requestBody !== null) attrs["detour.request.body"] = r.requestBody;
  if (r.responseBody !== null) attrs["detour.response.body"] = r.responseBody;
  const input = inputMessages(r.requestBody);
  if (input) attrs["gen_ai.input.messages"] = input;
  const output = outputMessages(r.responseBody);
  if (output) attrs["gen_ai.output.messages"] = output;
}
