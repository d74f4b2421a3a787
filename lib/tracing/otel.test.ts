/**
 * The tracing module with the real SDK and exporters against the real OTLP receiver
 * (testing/otlp-receiver.ts), protobuf and JSON: spans, parents, the traceparent sent upstream,
 * the attempt spans as the log row lists them, the opt-in bodies. The gateway's own end-to-end
 * test is tests/gateway/otel-traces.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AttemptRecordRow } from "@/lib/logs/types";
import { testLogRecord } from "@/testing/sample-log-record";
import { type OtlpReceiver, SPAN_KIND, STATUS_CODE, startOtlpReceiver } from "@/testing/otlp-receiver";
import { otlpProtocol, requestTracer, startTracing, stopTracing, TracingConfigError, tracingWanted } from "./index";
import { batchSettingsFromEnv, samplerFromEnv, samplesEveryRoot, spanLimitsFromEnv } from "./otel";

function row(index: number, overrides: Partial<AttemptRecordRow> = {}): AttemptRecordRow {
  return {
    index,
    targetPath: `config.targets[${index}]`,
    provider: "openai",
    virtualKeySlug: `vk-${index}`,
    virtualKeyVersion: 1,
    model: null,
    status: 200,
    errorClass: null,
    errorMessage: null,
    latencyMs: 5,
    retry: 0,
    startedAt: new Date(),
    ...overrides,
  };
}

let receiver: OtlpReceiver | null = null;

afterEach(async () => {
  await stopTracing(2000);
  vi.unstubAllEnvs();
  await receiver?.close();
  receiver = null;
});

async function on(protocol: "http/protobuf" | "http/json", captureBodies = false) {
  receiver = await startOtlpReceiver();
  vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
  vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);
  vi.stubEnv("OTEL_BSP_SCHEDULE_DELAY", "50");
  vi.stubEnv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test");
  expect(await startTracing({ captureBodies })).toBe(protocol);
  const tracer = requestTracer();
  if (!tracer) throw new Error("tracing did not start");
  return { tracer, receiver };
}

/** The answer's attributes: on the answering attempt's span, or the request's when no attempt answered. */
const ANSWER_KEYS = [
  "gen_ai.response.model",
  "gen_ai.response.id",
  "gen_ai.response.finish_reasons",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.output_tokens",
];

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

describe.each(["http/protobuf", "http/json"] as const)("tracing over %s", (protocol) => {
  it("exports a SERVER span and CLIENT attempt spans in the log row's order, continuing the caller's trace", async () => {
    const { tracer, receiver } = await on(protocol);
    const request = new Request("http://detour/v1/chat/completions", {
      method: "POST",
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    const trace = tracer.start(request, "chat/completions");
    const sent: Record<string, string>[] = [];
    for (const url of ["https://api.openai.com/v1/chat/completions", "http://127.0.0.1:8080/v1/chat/completions"]) {
      const headers: Record<string, string> = {};
      trace.attempt().sending(headers, url, "gpt-4o");
      sent.push(headers);
    }
    const record = testLogRecord({
      status: 200,
      fallbackUsed: true,
      configSlug: "pc-prod",
      configVersion: 3,
      virtualKeySlug: "vk-1",
      promptTokens: 12,
      completionTokens: 7,
      cost: 0.00042,
      attempts: [
        row(0, { status: 503, errorMessage: "fallback: status 503" }),
        row(1, { errorClass: "circuit_open", status: null, errorMessage: "skipped: circuit open", latencyMs: 0 }),
        row(2, { status: 200 }),
      ],
    });
    trace.finish({
      endedAt: trace.now(),
      status: 200,
      errorType: null,
      record,
      answer: { responseId: "chatcmpl-1", responseModel: "gpt-4o-2024-08-06", finishReasons: ["stop"] },
    });

    const [server] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER);
    const clients = await receiver.waitFor((s) => s.kind === SPAN_KIND.CLIENT, 3);
    expect(server!.traceId).toBe(CALLER_TRACE);
    expect(server!.parentSpanId).toBe(CALLER_SPAN);
    expect(server!.name).toBe("chat gpt-4o");
    expect(server!.resource["service.name"]).toBe("detour");
    expect(server!.resource["deployment.environment.name"]).toBe("test");
    expect(server!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "detour.cost_usd": 0.00042,
      "detour.config.id": "pc-prod",
      "detour.config.version": 3,
      "detour.virtual_key.slug": "vk-1",
      "detour.fallback_used": true,
      "detour.trace_id": record.traceId,
      "detour.log_id": record.id,
      "http.response.status_code": 200,
    });
    expect(server!.attributes["detour.request.body"]).toBeUndefined();
    // The answer and its usage are the answering attempt's alone: a trace counts a request's tokens once.
    for (const key of ANSWER_KEYS) expect(server!.attributes[key]).toBeUndefined();

    const ordered = clients.sort((a, b) => Number(a.attributes["detour.attempt.index"]) - Number(b.attributes["detour.attempt.index"]));
    expect(ordered.map((c) => c.parentSpanId)).toEqual([server!.spanId, server!.spanId, server!.spanId]);
    expect(ordered.map((c) => c.traceId)).toEqual([CALLER_TRACE, CALLER_TRACE, CALLER_TRACE]);
    expect(ordered.map((c) => c.attributes["detour.target.path"])).toEqual(["config.targets[0]", "config.targets[1]", "config.targets[2]"]);
    expect(ordered.map((c) => c.attributes["error.type"] ?? null)).toEqual(["503", "circuit_open", null]);
    expect(ordered.map((c) => c.status.code)).toEqual([STATUS_CODE.ERROR, STATUS_CODE.ERROR, STATUS_CODE.UNSET]);
    expect(ordered[0]!.status.message).toBe("fallback: status 503");
    expect(ordered[0]!.attributes).toMatchObject({ "server.address": "api.openai.com", "server.port": 443 });
    expect(ordered[2]!.attributes).toMatchObject({
      "server.address": "127.0.0.1",
      "server.port": 8080,
      "gen_ai.response.model": "gpt-4o-2024-08-06",
      "gen_ai.response.id": "chatcmpl-1",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 7,
    });
    for (const key of ANSWER_KEYS) expect(ordered[0]!.attributes[key]).toBeUndefined();
    // Summed over the trace, as a backend that totals usage would: the request's counts, once.
    const sum = (key: string) => [server!, ...ordered].reduce((n, s) => n + Number(s.attributes[key] ?? 0), 0);
    expect([sum("gen_ai.usage.input_tokens"), sum("gen_ai.usage.output_tokens")]).toEqual([12, 7]);
    // The skipped target made no call: no traceparent went anywhere for it, its span has no length.
    expect(ordered[1]!.endNs).toBe(ordered[1]!.startNs);
    // Each traceparent names its attempt's span as the parent, in the caller's trace.
    expect(sent.map((h) => h.traceparent)).toEqual([
      `00-${CALLER_TRACE}-${ordered[0]!.spanId}-01`,
      `00-${CALLER_TRACE}-${ordered[2]!.spanId}-01`,
    ]);
    expect(receiver.contentTypes()[0]).toContain(protocol === "http/json" ? "application/json" : "application/x-protobuf");
  });
});

describe("tracing, the edges", () => {
  it("puts a cache hit's answer and usage on the request span, which has no attempt span", async () => {
    const { tracer, receiver } = await on("http/protobuf");
    const trace = tracer.start(new Request("http://detour/v1/chat/completions", { method: "POST" }), "chat/completions");
    const record = testLogRecord({ status: 200, cacheStatus: "HIT", promptTokens: 12, completionTokens: 7, cost: 0, attempts: [] });
    trace.finish({
      endedAt: trace.now(),
      status: 200,
      errorType: null,
      record,
      answer: { responseId: "chatcmpl-9", responseModel: "gpt-4o-2024-08-06", finishReasons: ["stop"] },
    });
    const spans = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({
      "detour.cache.status": "HIT",
      "gen_ai.response.model": "gpt-4o-2024-08-06",
      "gen_ai.response.id": "chatcmpl-9",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 7,
    });
    expect(receiver.spans().filter((s) => s.kind === SPAN_KIND.CLIENT)).toHaveLength(0);
  });

  it("starts a new trace when the incoming traceparent is malformed", async () => {
    const { tracer, receiver } = await on("http/protobuf");
    const trace = tracer.start(new Request("http://detour/v1/embeddings", { headers: { traceparent: "00-zz-nonsense-01" } }), "embeddings");
    trace.finish({ endedAt: trace.now(), status: 401, errorType: "invalid_api_key", record: null, answer: null });
    const [span] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER);
    expect(span!.parentSpanId).toBe("");
    expect(span!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span!.name).toBe("embeddings");
    expect(span!.attributes["error.type"]).toBe("invalid_api_key");
    // A 4xx is the caller's: the server span's status stays unset.
    expect(span!.status.code).toBe(STATUS_CODE.UNSET);
  });

  it("sends the caller's unsampled decision upstream and exports nothing for it", async () => {
    const { tracer, receiver } = await on("http/protobuf");
    const request = new Request("http://detour/v1/chat/completions", {
      method: "POST",
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` },
    });
    const trace = tracer.start(request, "chat/completions");
    const headers: Record<string, string> = {};
    trace.attempt().sending(headers, "https://api.openai.com/v1/chat/completions", "gpt-4o");
    expect(headers.traceparent).toMatch(new RegExp(`^00-${CALLER_TRACE}-(?!${CALLER_SPAN})[0-9a-f]{16}-00$`));
    trace.finish({ endedAt: trace.now(), status: 200, errorType: null, record: testLogRecord({ attempts: [row(0)] }), answer: null });
    await stopTracing(2000); // flushes whatever was queued
    expect(receiver.spans()).toEqual([]);
  });

  it("adds the logged bodies only when DETOUR_OTEL_CAPTURE_BODIES is on", async () => {
    const { tracer, receiver } = await on("http/json", true);
    const trace = tracer.start(new Request("http://detour/v1/chat/completions", { method: "POST" }), "chat/completions");
    const requestBody = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello there" }] });
    const responseBody = JSON.stringify({
      id: "c1",
      model: "gpt-4o",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi!" }, finish_reason: "stop" }],
    });
    trace.finish({
      endedAt: trace.now(),
      status: 200,
      errorType: null,
      record: testLogRecord({ requestBody, responseBody }),
      answer: null,
    });
    const [span] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER);
    expect(span!.attributes["detour.request.body"]).toBe(requestBody);
    expect(span!.attributes["detour.response.body"]).toBe(responseBody);
    expect(JSON.parse(String(span!.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "Hello there" }] },
    ]);
    expect(JSON.parse(String(span!.attributes["gen_ai.output.messages"]))).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "Hi!" }], finish_reason: "stop" },
    ]);
  });

  it("is on only with an OTLP endpoint, and not when the SDK is disabled or the exporter is none", () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_SERVICE_NAME: "x" })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "TRUE" })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "otlp" })).toBe(true);
  });

  it("exports over http/protobuf by default, http/json when asked, and refuses grpc naming the variable", async () => {
    expect(otlpProtocol({})).toBe("http/protobuf");
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })).toBe("http/json");
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf" })).toBe(
      "http/protobuf",
    );
    expect(() => otlpProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" })).toThrow(TracingConfigError);
    expect(() => otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported/);
    await expect(
      startTracing({ captureBodies: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
    ).rejects.toThrow(TracingConfigError);
    expect(requestTracer()).toBeNull();
  });

  it("passes the caller's tracestate on upstream and onto the spans", async () => {
    const { tracer, receiver } = await on("http/protobuf");
    const request = new Request("http://detour/v1/chat/completions", {
      method: "POST",
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" },
    });
    const trace = tracer.start(request, "chat/completions");
    const headers: Record<string, string> = {};
    trace.attempt().sending(headers, "https://api.openai.com/v1/chat/completions", "gpt-4o");
    expect(headers.tracestate).toBe("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    trace.finish({ endedAt: trace.now(), status: 200, errorType: null, record: testLogRecord({ attempts: [row(0)] }), answer: null });
    const [server] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER);
    const [client] = await receiver.waitFor((s) => s.kind === SPAN_KIND.CLIENT);
    expect(server!.traceState).toBe("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    // Flags: sampled, and whether the parent is remote (the caller's) or local (the request span).
    expect(server!.flags).toBe(0x301);
    expect(client!.flags).toBe(0x101);
    expect(client!.traceState).toBe("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  });

  it("applies the span attribute limits from the environment", async () => {
    vi.stubEnv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4");
    vi.stubEnv("OTEL_ATTRIBUTE_COUNT_LIMIT", "3");
    const { tracer, receiver } = await on("http/protobuf");
    const trace = tracer.start(new Request("http://detour/v1/chat/completions", { method: "POST" }), "chat/completions");
    trace.finish({ endedAt: trace.now(), status: 200, errorType: null, record: testLogRecord({ attempts: [] }), answer: null });
    const [span] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER);
    expect(span!.attributes).toEqual({ "gen_ai.operation.name": "chat", "http.request.method": "POST", "http.route": "/v1/" });
    expect(span!.droppedAttributes).toBeGreaterThan(10);
  });

  it("samples by the trace id with traceidratio: 0 exports nothing, and the traceparent says not sampled", async () => {
    vi.stubEnv("OTEL_TRACES_SAMPLER", "traceidratio");
    vi.stubEnv("OTEL_TRACES_SAMPLER_ARG", "0");
    const { tracer, receiver } = await on("http/protobuf");
    const trace = tracer.start(new Request("http://detour/v1/chat/completions", { method: "POST" }), "chat/completions");
    const headers: Record<string, string> = {};
    trace.attempt().sending(headers, "https://api.openai.com/v1/chat/completions", "gpt-4o");
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    trace.finish({ endedAt: trace.now(), status: 200, errorType: null, record: testLogRecord({ attempts: [row(0)] }), answer: null });
    await stopTracing(2000);
    expect(receiver.spans()).toEqual([]);
  });

  it("reads the sampler, batch and limit variables with the SDK's defaults, and names a bad one", () => {
    expect(samplerFromEnv({}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    // Which samplers keep every new trace (asked for none of them).
    expect(samplesEveryRoot({})).toBe(true);
    expect(samplesEveryRoot({ OTEL_TRACES_SAMPLER: "always_on" })).toBe(true);
    expect(samplesEveryRoot({ OTEL_TRACES_SAMPLER: "parentbased_always_off" })).toBe(false);
    expect(samplesEveryRoot({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "1" })).toBe(false);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" }).toString()).toMatch(
      /root=TraceIdRatioBased\{0.25\}/,
    );
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "always_off" }).toString()).toBe("AlwaysOffSampler");
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: "jaeger_remote" })).toThrow(/OTEL_TRACES_SAMPLER="jaeger_remote" is not supported/);
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG="1.5" is not valid/,
    );
    expect(batchSettingsFromEnv({})).toEqual({
      scheduleDelayMs: 5000,
      exportTimeoutMs: 30_000,
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
    });
    // A batch larger than the queue is cut to the queue, as the SDK does.
    expect(batchSettingsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "500" }).maxExportBatchSize).toBe(100);
    expect(() => batchSettingsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: "lots" })).toThrow(TracingConfigError);
    expect(() => batchSettingsFromEnv({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "0" })).toThrow(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE="0" is not valid/);
    expect(spanLimitsFromEnv({})).toEqual({ attributeCountLimit: 128, attributeValueLengthLimit: Number.POSITIVE_INFINITY });
    expect(spanLimitsFromEnv({ OTEL_ATTRIBUTE_COUNT_LIMIT: "10", OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "20" }).attributeCountLimit).toBe(20);
    expect(spanLimitsFromEnv({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "64" }).attributeValueLengthLimit).toBe(64);
    expect(() => spanLimitsFromEnv({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "-1" })).toThrow(TracingConfigError);
  });

  it("stays off without an endpoint: no tracer", async () => {
    expect(await startTracing({ captureBodies: false }, {})).toBeNull();
    expect(requestTracer()).toBeNull();
  });
});
