/**
 * Detour's spans (docs/GATEWAY.md §13). Imported only when tracing is configured
 * (lib/tracing/index.ts): nothing here loads otherwise.
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
 * What the request's turn does is small: ids from a pool of random bytes, the sampler's decision,
 * and a `traceparent` per attempt. When its log row is built (after the answer was handed over), a
 * sampled request waits for a few dozen others (or 20 ms); then their spans are described and
 * encoded in one go (lib/tracing/otlp-encode.ts, a fixed span shape written straight to OTLP
 * protobuf, into an arena shared by many requests) and only those bytes wait for the batch's
 * export: no SDK span objects, and nothing of the request is kept. With every request sampled, the
 * SDK's spans and serializer cost ~14% of the gateway's throughput; this costs ~4%
 * (docs/PERFORMANCE.md). The OpenTelemetry packages still do
 * what is not Detour's shape: the sampler (OTEL_TRACES_SAMPLER, _ARG, with the SDK's samplers), the
 * `traceparent`/`tracestate` parsing, the resource (OTEL_SERVICE_NAME, default "detour";
 * OTEL_RESOURCE_ATTRIBUTES) and the OTLP/HTTP transport with its retries, timeout, headers and
 * compression (OTEL_EXPORTER_OTLP_*). Batching follows OTEL_BSP_* (lib/tracing/span-batcher.ts) and
 * the span attribute limits OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT / _VALUE_LENGTH_LIMIT (or the general
 * OTEL_ATTRIBUTE_* ones).
 *
 * No provider is registered globally and no context manager is installed, so Next.js's own
 * instrumentation (which uses the global API) stays off and nothing depends on AsyncLocalStorage.
 */
import { randomFillSync } from "node:crypto";
import { type Context, ROOT_CONTEXT, type Sampler, SamplingDecision, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { parseTraceParent, TraceState } from "@opentelemetry/core";
import { createOtlpHttpExportDelegate, convertLegacyHttpOptions } from "@opentelemetry/otlp-exporter-base/node-http";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { nodeRequestOf } from "../http/node-request";
import { logger } from "../logger";
import { observeTraceSpans } from "../metrics";
import { ENDPOINTS, type Endpoint } from "../gateway/providers/types";
import type { AttemptRecordRow, LogRecord } from "../logs/types";
import { inputMessages, operationName, outputMessages, providerName, spanName } from "./genai";
import { type OtlpProtocol, TracingConfigError, type TracingOptions } from "./index";
import {
  AttrKey,
  AttrList,
  type AttrValue,
  type Chunk,
  Double,
  encodeJson,
  FLAG_HAS_IS_REMOTE,
  FLAG_IS_REMOTE,
  KIND,
  ProtobufEncoder,
  STATUS,
  type Scope,
  SpanCollector,
  type SpanLimits,
  type SpanOut,
  type SpanSink,
} from "./otlp-encode";
import { type BatchSettings, SpanBatcher } from "./span-batcher";
import type { AttemptSpan, FinishedRequest, RequestTrace, RequestTracer } from "./types";

type Source = Record<string, string | undefined>;

// ---- configuration from the standard variables

function text(source: Source, name: string): string | undefined {
  const v = source[name]?.trim();
  return v ? v : undefined;
}

/** A number variable, or `fallback` when unset; anything else not a number stops the start, naming it. */
function numberVar(source: Source, name: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const raw = text(source, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new TracingConfigError(`${name}=${JSON.stringify(raw)} is not valid: ${what}`);
  return n;
}

const positive = (n: number) => n > 0;
const wholePositive = (n: number) => Number.isInteger(n) && n > 0;

function samplerName(source: Source): string {
  return text(source, "OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on";
}

/**
 * Whether the sampler keeps every request that continues no trace, as always_on and
 * parentbased_always_on (the default) do: a new trace is then sampled without asking it (what it
 * would answer: RECORD_AND_SAMPLED, no trace state).
 */
export function samplesEveryRoot(source: Source): boolean {
  const name = samplerName(source);
  return name === "always_on" || name === "parentbased_always_on";
}

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on), with the SDK's samplers. */
export function samplerFromEnv(source: Source): Sampler {
  const name = samplerName(source);
  const ratio = () => numberVar(source, "OTEL_TRACES_SAMPLER_ARG", 1, (n) => n >= 0 && n <= 1, "a sampling ratio from 0 to 1 (e.g. 0.1)");
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio());
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new TracingConfigError(
        `OTEL_TRACES_SAMPLER=${JSON.stringify(name)} is not supported: use always_on, always_off, traceidratio, parentbased_always_on (the default), parentbased_always_off or parentbased_traceidratio`,
      );
  }
}

/** OTEL_BSP_*, with the SDK's defaults; a batch larger than the queue is cut to the queue. */
export function batchSettingsFromEnv(source: Source): BatchSettings {
  const maxQueueSize = numberVar(source, "OTEL_BSP_MAX_QUEUE_SIZE", 2048, wholePositive, "a whole number of spans above 0");
  const maxExportBatchSize = numberVar(source, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, wholePositive, "a whole number of spans above 0");
  return {
    scheduleDelayMs: numberVar(source, "OTEL_BSP_SCHEDULE_DELAY", 5000, (n) => n >= 0, "milliseconds, 0 or more"),
    exportTimeoutMs: numberVar(source, "OTEL_BSP_EXPORT_TIMEOUT", 30_000, positive, "milliseconds above 0"),
    maxQueueSize,
    maxExportBatchSize: Math.min(maxExportBatchSize, maxQueueSize),
  };
}

/** The span limits: OTEL_SPAN_ATTRIBUTE_* first, then the general OTEL_ATTRIBUTE_*; 128 attributes, no length limit. */
export function spanLimitsFromEnv(source: Source): SpanLimits {
  const limit = (span: string, general: string, fallback: number) =>
    numberVar(
      source,
      span,
      numberVar(source, general, fallback, (n) => Number.isInteger(n) && n >= 0, "a whole number, 0 or more"),
      (n) => Number.isInteger(n) && n >= 0,
      "a whole number, 0 or more",
    );
  return {
    attributeCountLimit: limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT", 128),
    attributeValueLengthLimit: limit(
      "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
      "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
      Number.POSITIVE_INFINITY,
    ),
  };
}

/** The resource's attributes: service.name "detour" unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. */
function resourceAttributes(): AttrList {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: "detour" }).merge(detectResources({ detectors: [envDetector] }));
  const list = new AttrList();
  for (const [key, value] of Object.entries(resource.attributes)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") list.add(new AttrKey(key), value);
    else if (Array.isArray(value)) list.add(new AttrKey(key), value.map(String));
  }
  return list;
}

// ---- ids

/**
 * Random bytes for ids, refilled 8 KiB at a time (one system call per ~340 requests) and written
 * out as hex once per refill: an id is a slice of that text.
 */
const pool = Buffer.allocUnsafe(8192);
let poolHex = "";
let poolAt = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolAt + bytes > pool.length) {
      randomFillSync(pool);
      poolHex = pool.toString("hex");
      poolAt = 0;
    }
    const at = poolAt;
    poolAt += bytes;
    // An id of all zeros is invalid (W3C Trace Context): draw again.
    for (let i = at; i < at + bytes; i++) if (pool[i] !== 0) return poolHex.slice(2 * at, 2 * (at + bytes));
  }
}

/** A header of Node's request as the Web Headers' `get` gives it: repeated values joined. */
function joined(value: string | string[] | undefined): string | null {
  return value === undefined ? null : typeof value === "string" ? value : value.join(", ");
}

/** `http.route` of each endpoint. */
const ROUTES = Object.fromEntries(ENDPOINTS.map((e) => [e, `/v1/${e}`])) as Record<Endpoint, string>;

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** `performance.timeOrigin`, read once (a getter): the epoch ms of `performance.now()`'s zero. */
const TIME_ORIGIN = performance.timeOrigin;

/** Epoch ms with sub-ms precision (span times). */
function nowMs(): number {
  return TIME_ORIGIN + performance.now();
}

// ---- the request path

/**
 * A finished request's spans as they wait for their export: protobuf, already encoded (while the
 * log row it is read from is fresh in the CPU's caches; nothing of the request is kept) into an
 * arena shared by the requests around it; for OTLP/JSON, the spans themselves.
 */
type Finished = { spanCount: number; protobuf: Chunk | null; spans: SpanOut[] | null };

type Shared = {
  sampler: Sampler;
  /** `samplesEveryRoot`: a request that continues no trace is sampled without asking the sampler. */
  everyRoot: boolean;
  /** Describes and encodes a finished request's spans, and queues them. */
  finished: (t: DetourTrace) => void;
};

class DetourAttempt implements AttemptSpan {
  readonly spanId = randomHex(8);
  model: string | null = null;
  url: string | null = null;
  constructor(
    private readonly owner: DetourTrace,
    readonly startedAt: number,
  ) {}

  sending(headers: Record<string, string>, url: string, model: string | null): void {
    this.model = model;
    this.url = url;
    const owner = this.owner;
    headers.traceparent = `00-${owner.traceId}-${this.spanId}-${owner.sampled ? "01" : "00"}`;
    if (owner.traceState) headers.tracestate = owner.traceState;
  }
}

class DetourTrace implements RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly sampled: boolean;
  readonly startedAt = nowMs();
  readonly operation: string;
  readonly method: string;
  readonly route: string;
  readonly attempts: DetourAttempt[] = [];
  end: FinishedRequest | null = null;

  constructor(
    private readonly shared: Shared,
    request: Request,
    endpoint: Endpoint,
  ) {
    this.operation = operationName(endpoint);
    this.method = request.method;
    this.route = ROUTES[endpoint];
    // Read from Node's request when Detour's server made it: the same text, without the Web Headers' checks.
    const node = nodeRequestOf(request)?.headers;
    const header = node ? joined(node.traceparent) : request.headers.get("traceparent");
    const caller = header ? parseTraceParent(header) : null;
    let state: TraceState | undefined;
    let context: Context = ROOT_CONTEXT;
    if (caller) {
      const tracestate = node ? joined(node.tracestate) : request.headers.get("tracestate");
      if (tracestate) state = new TraceState(tracestate);
      caller.traceState = state;
      context = trace.setSpanContext(ROOT_CONTEXT, caller);
    }
    if (caller) {
      this.traceId = caller.traceId;
      this.spanId = randomHex(8);
    } else {
      // A new trace's id and its root span's id from one draw (neither may be all zeros).
      let ids = randomHex(24);
      while (ids.startsWith(ZERO_TRACE) || ids.endsWith(ZERO_SPAN)) ids = randomHex(24);
      this.traceId = ids.slice(0, 32);
      this.spanId = ids.slice(32);
    }
    this.parentSpanId = caller?.spanId ?? "";
    if (!caller && shared.everyRoot) {
      this.sampled = true;
      this.traceState = "";
      return;
    }
    const decision = shared.sampler.shouldSample(context, this.traceId, this.operation, SpanKind.SERVER, {}, []);
    // RECORD without SAMPLED records spans no exporter receives (the SDK's batch processor skips them): nothing to do here.
    this.sampled = decision.decision === SamplingDecision.RECORD_AND_SAMPLED;
    this.traceState = (decision.traceState ?? state)?.serialize() ?? "";
  }

  get recording(): boolean {
    return this.sampled;
  }

  get parentIsRemote(): boolean {
    return this.parentSpanId !== "";
  }

  now(): number {
    return nowMs();
  }

  attempt(): AttemptSpan {
    const attempt = new DetourAttempt(this, nowMs());
    this.attempts.push(attempt);
    return attempt;
  }

  finish(end: FinishedRequest): void {
    if (!this.sampled || this.end) return;
    this.end = end;
    this.shared.finished(this);
  }
}

// ---- describing a finished request as spans (when its log row is built)

/** Every attribute Detour writes (docs/GATEWAY.md §13), each with its encoded key and kept values. */
const K = {
  detourAttemptIndex: new AttrKey("detour.attempt.index"),
  detourAttemptRetry: new AttrKey("detour.attempt.retry"),
  detourCacheStatus: new AttrKey("detour.cache.status"),
  detourConfigId: new AttrKey("detour.config.id"),
  detourConfigVersion: new AttrKey("detour.config.version"),
  detourCostUsd: new AttrKey("detour.cost_usd"),
  detourErrorClass: new AttrKey("detour.error.class"),
  detourFallbackUsed: new AttrKey("detour.fallback_used"),
  detourLogId: new AttrKey("detour.log_id"),
  detourRequestBody: new AttrKey("detour.request.body"),
  detourResponseBody: new AttrKey("detour.response.body"),
  detourRetryCount: new AttrKey("detour.retry_count"),
  detourStream: new AttrKey("detour.stream"),
  detourTargetPath: new AttrKey("detour.target.path"),
  detourTraceId: new AttrKey("detour.trace_id"),
  detourUsageEstimated: new AttrKey("detour.usage.estimated"),
  detourVirtualKeySlug: new AttrKey("detour.virtual_key.slug"),
  detourWorkspaceId: new AttrKey("detour.workspace.id"),
  errorType: new AttrKey("error.type"),
  genAiInputMessages: new AttrKey("gen_ai.input.messages"),
  genAiOperationName: new AttrKey("gen_ai.operation.name"),
  genAiOutputMessages: new AttrKey("gen_ai.output.messages"),
  genAiProviderName: new AttrKey("gen_ai.provider.name"),
  genAiRequestModel: new AttrKey("gen_ai.request.model"),
  genAiResponseFinishReasons: new AttrKey("gen_ai.response.finish_reasons"),
  genAiResponseId: new AttrKey("gen_ai.response.id"),
  genAiResponseModel: new AttrKey("gen_ai.response.model"),
  genAiUsageCacheCreationInputTokens: new AttrKey("gen_ai.usage.cache_creation.input_tokens"),
  genAiUsageCacheReadInputTokens: new AttrKey("gen_ai.usage.cache_read.input_tokens"),
  genAiUsageInputTokens: new AttrKey("gen_ai.usage.input_tokens"),
  genAiUsageOutputTokens: new AttrKey("gen_ai.usage.output_tokens"),
  httpRequestMethod: new AttrKey("http.request.method"),
  httpResponseStatusCode: new AttrKey("http.response.status_code"),
  httpRoute: new AttrKey("http.route"),
  serverAddress: new AttrKey("server.address"),
  serverPort: new AttrKey("server.port"),
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

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Writes the spans of one finished request into `sink`: its attempts' in the row's order, then its
 * own. Returns how many.
 */
function describe(t: DetourTrace, sink: SpanSink, captureBodies: boolean): number {
  const end = t.end!;
  const record = end.record;
  const rows = record?.attempts ?? [];
  const sampledFlag = t.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
  const localChild = sampledFlag | FLAG_HAS_IS_REMOTE;
  let count = 0;
  let next = 0;
  let answered = false;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const answering = i === rows.length - 1 && record !== null && ok(record.status);
    const failed = failure(row);
    if (row.errorClass === "circuit_open") {
      const at = row.startedAt.getTime();
      const name = spanName(t.operation, record?.modelRequested ?? null);
      sink.begin(t.traceId, randomHex(8), t.spanId, t.traceState, localChild, name, KIND.CLIENT, at, at);
      attemptAttributes(sink, t.operation, row, null, end, false, failed);
    } else {
      const started = t.attempts[next++];
      if (!started) continue;
      const model = started.model ?? record?.modelRequested ?? null;
      // A stream's answering attempt lasts as long as the stream; the others as the router timed them.
      const endMs = answering && record?.stream ? end.endedAt : started.startedAt + row.latencyMs;
      sink.begin(
        t.traceId,
        started.spanId,
        t.spanId,
        t.traceState,
        localChild,
        spanName(t.operation, model),
        KIND.CLIENT,
        started.startedAt,
        endMs,
      );
      attemptAttributes(sink, t.operation, row, started, end, answering, failed);
      answered ||= answering;
    }
    sink.end(failed === null ? STATUS.UNSET : STATUS.ERROR, failed ?? "");
    count++;
  }
  // Attempts the row does not list (none expected: the router records every call) end with the request.
  for (; next < t.attempts.length; next++) {
    const started = t.attempts[next]!;
    const name = spanName(t.operation, started.model);
    sink.begin(t.traceId, started.spanId, t.spanId, t.traceState, localChild, name, KIND.CLIENT, started.startedAt, end.endedAt);
    sink.attr(K.genAiOperationName, t.operation);
    if (started.model) sink.attr(K.genAiRequestModel, started.model);
    addServer(sink, started);
    sink.end(STATUS.UNSET, "");
    count++;
  }
  const flags = sampledFlag | FLAG_HAS_IS_REMOTE | (t.parentIsRemote ? FLAG_IS_REMOTE : 0);
  const name = spanName(t.operation, record?.modelRequested ?? null);
  sink.begin(t.traceId, t.spanId, t.parentSpanId, t.traceState, flags, name, KIND.SERVER, t.startedAt, end.endedAt);
  requestAttributes(sink, t, end, captureBodies, !answered);
  // A server span is an error when Detour answered 5xx; a 4xx is the caller's (error.type still says why).
  if (end.status >= 500) sink.end(STATUS.ERROR, end.errorType ?? "");
  else sink.end(STATUS.UNSET, "");
  return count + 1;
}

/** The attempt span's status message when it failed, else null. */
function failure(row: AttemptRecordRow): string | null {
  const failed = row.errorClass !== null || row.status === null || !ok(row.status);
  return failed ? (row.errorMessage ?? "") : null;
}

function addServer(sink: SpanSink, started: DetourAttempt): void {
  const server = started.url ? serverOf(started.url) : null;
  if (server) {
    sink.attr(K.serverAddress, server.address);
    sink.attr(K.serverPort, server.port);
  }
}

function attemptAttributes(
  sink: SpanSink,
  operation: string,
  row: AttemptRecordRow,
  started: DetourAttempt | null,
  end: FinishedRequest,
  answering: boolean,
  failed: string | null,
): void {
  sink.attr(K.genAiOperationName, operation);
  if (started?.model) sink.attr(K.genAiRequestModel, started.model);
  if (started) addServer(sink, started);
  sink.attr(K.detourAttemptIndex, row.index);
  sink.attr(K.detourAttemptRetry, row.retry);
  sink.attr(K.detourTargetPath, row.targetPath);
  if (row.provider) sink.attr(K.genAiProviderName, providerName(row.provider));
  if (row.virtualKeySlug) sink.attr(K.detourVirtualKeySlug, row.virtualKeySlug);
  if (row.status !== null) sink.attr(K.httpResponseStatusCode, row.status);
  if (failed !== null) {
    // An upstream's own error status is its number (the conventions' HTTP error.type); Detour's verdicts by their class.
    const byStatus = row.errorClass === null || row.errorClass === "upstream_status";
    sink.attr(K.errorType, byStatus ? (row.status !== null ? String(row.status) : "_OTHER") : row.errorClass!);
    if (row.errorClass) sink.attr(K.detourErrorClass, row.errorClass);
  }
  if (answering) addAnswerAttributes(sink, end);
}

/**
 * The request span's attributes. The answer's (model, id, finish reasons, token usage) only when no
 * attempt span carries them (a cache hit): a trace holds them once, so a backend that sums
 * `gen_ai.usage.*` over a trace's spans counts a request's tokens once.
 */
function requestAttributes(sink: SpanSink, t: DetourTrace, end: FinishedRequest, captureBodies: boolean, withAnswer: boolean): void {
  const r = end.record;
  sink.attr(K.genAiOperationName, t.operation);
  sink.attr(K.httpRequestMethod, t.method);
  sink.attr(K.httpRoute, t.route);
  sink.attr(K.httpResponseStatusCode, end.status);
  if (r?.modelRequested) sink.attr(K.genAiRequestModel, r.modelRequested);
  if (!ok(end.status)) sink.attr(K.errorType, end.errorType ?? String(end.status));
  if (!r) return;
  sink.attr(K.detourLogId, r.id);
  sink.attr(K.detourTraceId, r.traceId);
  sink.attr(K.detourWorkspaceId, r.workspaceId);
  if (r.configSlug) sink.attr(K.detourConfigId, r.configSlug);
  if (r.configVersion !== null) sink.attr(K.detourConfigVersion, r.configVersion);
  if (r.virtualKeySlug) sink.attr(K.detourVirtualKeySlug, r.virtualKeySlug);
  if (r.provider) sink.attr(K.genAiProviderName, providerName(r.provider));
  sink.attr(K.detourFallbackUsed, r.fallbackUsed);
  sink.attr(K.detourRetryCount, r.retryCount);
  sink.attr(K.detourCacheStatus, r.cacheStatus);
  sink.attr(K.detourStream, r.stream);
  if (r.cost !== null) sink.attr(K.detourCostUsd, new Double(r.cost));
  if (r.usageEstimated) sink.attr(K.detourUsageEstimated, true);
  if (withAnswer) addAnswerAttributes(sink, end);
  if (captureBodies) addBodyAttributes(sink, r);
}

/** Adds the answer's model, id, finish reasons and token counts (to the answering attempt's span, else the request's). */
function addAnswerAttributes(sink: SpanSink, end: FinishedRequest): void {
  const r = end.record!;
  const responseModel = end.answer?.responseModel ?? r.model;
  if (responseModel) sink.attr(K.genAiResponseModel, responseModel);
  const responseId = end.answer?.responseId ?? r.responseId;
  if (responseId) sink.attr(K.genAiResponseId, responseId);
  if (end.answer?.finishReasons) sink.attr(K.genAiResponseFinishReasons, end.answer.finishReasons);
  if (r.promptTokens !== null) sink.attr(K.genAiUsageInputTokens, r.promptTokens);
  if (r.completionTokens !== null) sink.attr(K.genAiUsageOutputTokens, r.completionTokens);
  if (r.cacheReadTokens !== null) sink.attr(K.genAiUsageCacheReadInputTokens, r.cacheReadTokens);
  if (r.cacheWriteTokens !== null) sink.attr(K.genAiUsageCacheCreationInputTokens, r.cacheWriteTokens);
}

/** DETOUR_OTEL_CAPTURE_BODIES: adds the bodies as the log row holds them (redacted, bounded), and as GenAI messages. */
function addBodyAttributes(sink: SpanSink, r: LogRecord): void {
  const add = (key: AttrKey, value: AttrValue | null) => {
    if (value !== null) sink.attr(key, value);
  };
  add(K.detourRequestBody, r.requestBody);
  add(K.detourResponseBody, r.responseBody);
  add(K.genAiInputMessages, inputMessages(r.requestBody));
  add(K.genAiOutputMessages, outputMessages(r.responseBody));
}

// ---- export

/**
 * Finished requests wait until this many have ended, or `ENCODE_DELAY_MS`, and are then described
 * and encoded in one go. Run once per request between everything else a request does, the same
 * code costs two to three times what it costs in a loop (its code and data out of the CPU's caches
 * each time; docs/PERFORMANCE.md). Until then a request keeps its log row, which the log writer
 * holds anyway.
 */
const ENCODE_BATCH = 32;
const ENCODE_DELAY_MS = 20;

/** Export failures are logged at most once a minute, with the spans lost since the last line. */
const FAILURE_LOG_EVERY_MS = 60_000;

export function createTracing(
  options: TracingOptions & { protocol: OtlpProtocol },
  source: Source = process.env,
): {
  tracer: RequestTracer;
  shutdown: (timeoutMs: number) => Promise<void>;
} {
  const sampler = samplerFromEnv(source);
  const settings = batchSettingsFromEnv(source);
  const limits = spanLimitsFromEnv(source);
  const resource = resourceAttributes();
  const scope: Scope = { name: "detour", ...(options.serviceVersion ? { version: options.serviceVersion } : {}) };
  const json = options.protocol === "http/json";
  const protobuf = new ProtobufEncoder(resource, scope, limits);
  const captureBodies = options.captureBodies;
  const spanCount = (items: Finished[]) => items.reduce((n, f) => n + f.spanCount, 0);
  /** The protobuf body the transport was last given (the delegate serializes as `export` is called). */
  let serialized: Uint8Array | null = null;
  const serializer = {
    serializeRequest: (items: Finished[]): Uint8Array => {
      if (json)
        return encodeJson(
          items.flatMap((f) => f.spans!),
          resource,
          scope,
          limits,
        );
      serialized = protobuf.request(items.map((f) => f.protobuf!));
      return serialized;
    },
    // The collector's answer (a partial success names rejected spans) is read by the SDK's own decoders.
    deserializeResponse: json ? JsonTraceSerializer.deserializeResponse : ProtobufTraceSerializer.deserializeResponse,
  };
  // The SDK's OTLP/HTTP transport, configured by OTEL_EXPORTER_OTLP_* exactly as its trace exporters are.
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({}, "TRACES", "v1/traces", { "Content-Type": json ? "application/json" : "application/x-protobuf" }),
    serializer,
    "otlp_http_span_exporter",
    { name: "span", countItems: spanCount },
    undefined,
  );
  let lost = 0;
  let lastFailureLog = 0;
  const lose = (spans: number, reason: "dropped" | "failed", error?: Error) => {
    observeTraceSpans(reason, spans);
    lost += spans;
    const now = Date.now();
    if (now - lastFailureLog < FAILURE_LOG_EVERY_MS) return;
    lastFailureLog = now;
    logger.warn({ spans: lost, reason, error: error?.message }, "OpenTelemetry spans were not exported");
    lost = 0;
  };
  const batcher = new SpanBatcher<Finished>(
    settings,
    (items, done) => {
      const spans = spanCount(items);
      serialized = null;
      let body: Uint8Array | null = null;
      delegate.export(items, (result) => {
        // Sent and answered: its buffer is the encoder's to reuse (not after a failure: a socket may still read it).
        if (result.code === 0 && body !== null) protobuf.exported(body);
        if (result.code === 0) observeTraceSpans("exported", spans);
        else lose(spans, "failed", result.error);
        done(result.code === 0);
      });
      body = serialized;
    },
    (spans) => lose(spans, "dropped"),
  );
  const encode = (t: DetourTrace) => {
    if (json) {
      const collector = new SpanCollector();
      batcher.add({ spanCount: describe(t, collector, captureBodies), protobuf: null, spans: collector.spans });
      return;
    }
    protobuf.open();
    const spanCount = describe(t, protobuf, captureBodies);
    batcher.add({ spanCount, protobuf: protobuf.close(), spans: null });
  };
  // Finished requests are described and encoded a few dozen at a time (see ENCODE_BATCH).
  let pending: DetourTrace[] = [];
  let pendingTimer: NodeJS.Timeout | null = null;
  const encodePending = () => {
    if (pendingTimer) clearTimeout(pendingTimer);
    pendingTimer = null;
    const traces = pending;
    pending = [];
    for (const t of traces) encode(t);
  };
  const finished = (t: DetourTrace) => {
    pending.push(t);
    if (pending.length >= ENCODE_BATCH) encodePending();
    else if (pendingTimer === null) {
      pendingTimer = setTimeout(encodePending, ENCODE_DELAY_MS);
      pendingTimer.unref();
    }
  };
  const shared: Shared = { sampler, everyRoot: samplesEveryRoot(source), finished };
  return {
    tracer: { start: (request, endpoint) => new DetourTrace(shared, request, endpoint) },
    shutdown: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      encodePending();
      await batcher.shutdown(timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      await Promise.race([delegate.shutdown().catch(() => {}), late]).finally(() => clearTimeout(timer));
    },
  };
}
