/**
 * OpenTelemetry traces over real HTTP (docs/GATEWAY.md §13): Detour (the production build) exporting
 * to a real OTLP/HTTP receiver (testing/otlp-receiver.ts), the mock upstream injecting faults.
 * One SERVER span per request, one CLIENT span per attempt matching the log row's attempts, the
 * caller's traceparent continued, the attempt's span id sent upstream, the stream's span ending after
 * its last chunk; bodies only when enabled; and, off, no SDK module loaded and nothing sent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, type Harness, startHarness } from "@/testing/gateway-harness";
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, STATUS_CODE, startOtlpReceiver } from "@/testing/otlp-receiver";

const PROBE = path.resolve("testing/module-probe.cjs");
/** The SDK's packages: none may load when tracing is off (the API alone may: Next.js and prom-client carry it). */
const SDK_MODULE = /node_modules\/@opentelemetry\/(sdk-trace|sdk-trace-base|resources|core|exporter-trace-otlp-[a-z]+|otlp-[a-z-]+)\//;

type Probe = { env: Record<string, string>; loaded: () => string[]; dispose: () => void };

function moduleProbe(): Probe {
  const dir = mkdtempSync(path.join(os.tmpdir(), "detour-probe-"));
  const file = path.join(dir, "modules.json");
  return {
    env: { NODE_OPTIONS: `--require ${PROBE}`, DETOUR_MODULE_PROBE_FILE: file },
    loaded: () => (existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as string[]) : []),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function chat(h: Harness, headers: Record<string, string>, body: Record<string, unknown> = chatBody()) {
  const res = await fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });
  const text = await res.text();
  return { res, status: res.status, text, requestId: res.headers.get("x-portkey-request-id")! };
}

/** The request's SERVER span (by its log id) and its CLIENT children in the order they started. */
async function spansOf(receiver: OtlpReceiver, logId: string, attempts: number) {
  const [server] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER && s.attributes["detour.log_id"] === logId);
  const clients = await receiver.waitFor((s) => s.kind === SPAN_KIND.CLIENT && s.parentSpanId === server!.spanId, attempts);
  clients.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  return { server: server!, clients };
}

const ms = (ns: bigint) => Number(ns / 1_000_000n);

const METRICS_TOKEN = "metrics-scraper-token-otel-01";

/** `detour_trace_spans_total{outcome}` as GET /metrics shows it. */
async function spanCounts(h: Harness): Promise<Record<string, number>> {
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const counts: Record<string, number> = {};
  for (const line of (await res.text()).split("\n")) {
    const m = /^detour_trace_spans_total\{outcome="(\w+)"\} (\d+)/.exec(line);
    if (m) counts[m[1]!] = Number(m[2]);
  }
  return counts;
}

function allAttributeText(spans: ReceivedSpan[]): string {
  return JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status]));
}

describe("OpenTelemetry traces on (http/protobuf, the default)", () => {
  let receiver: OtlpReceiver;
  let h: Harness;
  let probe: Probe;
  let primary: string;
  let backup: string;
  const primarySecret = "sk-otel-primary-00000000000000aaaa";
  const backupSecret = "sk-otel-backup-000000000000000bbbb";

  beforeAll(async () => {
    // Every port is free and picked by the system: the SQLite and PostgreSQL runs of this suite run at once.
    receiver = await startOtlpReceiver();
    probe = moduleProbe();
    h = await startHarness({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: "x-collector-token=otel-test",
      OTEL_SERVICE_NAME: "detour-under-test",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      DETOUR_METRICS_TOKEN: METRICS_TOKEN,
      ...probe.env,
    });
    primary = await h.openaiKey("Primary", primarySecret);
    backup = await h.openaiKey("Backup", backupSecret);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
    probe?.dispose();
  });
  beforeEach(() => h.mock.reset());

  it("a fallback (503 then 200): one request span, two CLIENT spans in order, as the log row lists them", async () => {
    const slug = await h.config("Primary then backup", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: primary }, { virtual_key: backup }],
    });
    h.mock.script({ match: { key: primarySecret }, fault: { kind: "status", status: 503 }, times: 1 });
    const r = await chat(h, { "x-portkey-config": slug, "x-portkey-trace-id": "detour-trace-fallback" });
    expect(r.status).toBe(200);
    const log = await h.waitForLog(r.requestId);
    const { server, clients } = await spansOf(receiver, r.requestId, 2);

    expect(server.name).toBe("chat gpt-4o");
    expect(server.parentSpanId).toBe("");
    expect(server.resource["service.name"]).toBe("detour-under-test");
    expect(server.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "detour.config.id": slug,
      "detour.config.version": 1,
      "detour.virtual_key.slug": backup,
      "detour.fallback_used": true,
      "detour.trace_id": "detour-trace-fallback",
      "http.response.status_code": 200,
    });
    expect(log.cost).not.toBeNull();
    expect(server.attributes["detour.cost_usd"]).toBeCloseTo(log.cost!, 12);
    // The answer and its usage are on the answering attempt's span only: summed over the trace, once.
    for (const key of ["gen_ai.response.model", "gen_ai.response.id", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"])
      expect(server.attributes[key]).toBeUndefined();

    // The CLIENT spans are the log row's attempts: same order, target path, status, error class.
    expect(clients.map((c) => c.name)).toEqual(["chat gpt-4o", "chat gpt-4o"]);
    expect(clients.map((c) => c.attributes["detour.target.path"])).toEqual(log.attempts.map((a) => a.targetPath));
    expect(clients.map((c) => c.attributes["http.response.status_code"])).toEqual(log.attempts.map((a) => a.status));
    expect(clients.map((c) => c.attributes["detour.virtual_key.slug"])).toEqual([primary, backup]);
    expect(clients.map((c) => c.attributes["error.type"] ?? null)).toEqual(["503", null]);
    expect(clients.map((c) => c.attributes["detour.error.class"] ?? null)).toEqual(log.attempts.map((a) => a.errorClass));
    expect(clients.map((c) => c.status.code)).toEqual([STATUS_CODE.ERROR, STATUS_CODE.UNSET]);
    expect(clients[0]!.status.message).toBe(log.attempts[0]!.errorMessage);
    expect(clients[1]!.attributes).toMatchObject({
      "server.address": "127.0.0.1",
      "server.port": h.mock.port,
      "gen_ai.response.model": "gpt-4o",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": log.promptTokens,
      "gen_ai.usage.output_tokens": log.completionTokens,
    });
    expect(clients[1]!.attributes["gen_ai.response.id"]).toMatch(/^chatcmpl-/);
    expect(clients[0]!.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();

    // Each upstream call carried a traceparent naming its attempt's span as the parent.
    const upstream = h.mock.requests();
    expect(upstream.map((u) => u.traceparent)).toEqual(clients.map((c) => `00-${server.traceId}-${c.spanId}-01`));

    // Bodies are not exported unless enabled; nor is any provider key.
    expect(server.attributes["detour.request.body"]).toBeUndefined();
    expect(server.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(allAttributeText([server, ...clients])).not.toContain("What are the 7 wonders");
    expect(allAttributeText(receiver.spans())).not.toMatch(/sk-otel-(primary|backup)/);
    // The exporter sends protobuf with OTEL_EXPORTER_OTLP_HEADERS.
    expect(receiver.contentTypes()[0]).toBe("application/x-protobuf");
    expect(receiver.lastHeaders()?.["x-collector-token"]).toBe("otel-test");
    // The export is counted once the collector has taken it.
    for (let i = 0; i < 50 && !((await spanCounts(h)).exported! >= 3); i++) await new Promise((r) => setTimeout(r, 20));
    expect((await spanCounts(h)).exported).toBeGreaterThanOrEqual(3);
    expect((await spanCounts(h)).dropped ?? 0).toBe(0);
  });

  it("a retry is its own CLIENT span on the same target, retry 0 then 1", async () => {
    h.mock.script({ match: { key: primarySecret }, fault: { kind: "status", status: 429 }, times: 1 });
    const config = { retry: { attempts: 2 }, virtual_key: primary };
    const r = await chat(h, { "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    const log = await h.waitForLog(r.requestId);
    const { server, clients } = await spansOf(receiver, r.requestId, 2);
    expect(clients.map((c) => [c.attributes["detour.attempt.retry"], c.attributes["http.response.status_code"]])).toEqual([
      [0, 429],
      [1, 200],
    ]);
    expect(clients.map((c) => c.attributes["detour.target.path"])).toEqual(["config", "config"]);
    expect(log.attempts.map((a) => [a.retry, a.status])).toEqual([
      [0, 429],
      [1, 200],
    ]);
    expect(server.attributes).toMatchObject({ "detour.retry_count": 1, "detour.fallback_used": false });
    // Inline config: no config id.
    expect(server.attributes["detour.config.id"]).toBeUndefined();
  });

  it("continues an incoming W3C traceparent and its tracestate; a malformed one starts a new trace", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const parent = "b7ad6b7169203331";
    const tracestate = "vendor=abc,other=1";
    const r = await chat(h, { "x-portkey-virtual-key": primary, traceparent: `00-${traceId}-${parent}-01`, tracestate });
    expect(r.status).toBe(200);
    const { server, clients } = await spansOf(receiver, r.requestId, 1);
    expect(server.traceId).toBe(traceId);
    expect(server.parentSpanId).toBe(parent);
    expect(server.traceState).toBe(tracestate);
    expect(clients[0]!.traceId).toBe(traceId);
    expect(clients[0]!.traceState).toBe(tracestate);
    expect(h.mock.requests()[0]!.traceparent).toBe(`00-${traceId}-${clients[0]!.spanId}-01`);
    expect(h.mock.requests()[0]!.tracestate).toBe(tracestate);

    const bad = await chat(h, { "x-portkey-virtual-key": primary, traceparent: "00-not-a-trace-01" });
    expect(bad.status).toBe(200);
    const fresh = await spansOf(receiver, bad.requestId, 1);
    expect(fresh.server.parentSpanId).toBe("");
    expect(fresh.server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.server.traceId).not.toBe(traceId);
  });

  it("a stream's request span ends after its last chunk, with the usage", async () => {
    h.mock.script({ match: { key: primarySecret, stream: true }, fault: { kind: "slow_chunks", delayMs: 80 } });
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": primary }),
      body: JSON.stringify(chatBody({ stream: true })),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-portkey-request-id")!;
    const reader = res.body!.getReader();
    let firstChunkAt = 0;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      firstChunkAt ||= Date.now();
    }
    const lastChunkAt = Date.now();
    const { server, clients } = await spansOf(receiver, requestId, 1);
    // The relay saw the end before the client read it; clocks are the same machine's (a little slack).
    expect(ms(server.endNs)).toBeGreaterThanOrEqual(firstChunkAt + 240);
    expect(ms(server.endNs)).toBeLessThanOrEqual(lastChunkAt + 20);
    expect(clients[0]!.endNs).toBe(server.endNs);
    const log = await h.waitForLog(requestId);
    expect(log.completionTokens).not.toBeNull();
    expect(server.attributes).toMatchObject({ "detour.stream": true });
    expect(clients[0]!.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": log.promptTokens,
      "gen_ai.usage.output_tokens": log.completionTokens,
    });
  });

  it("a request refused before routing still ends its span (no API key: no log row)", async () => {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: "00-11111111111111111111111111111111-2222222222222222-01" },
      body: JSON.stringify(chatBody()),
    });
    expect(res.status).toBe(401);
    const [span] = await receiver.waitFor((s) => s.kind === SPAN_KIND.SERVER && s.traceId === "11111111111111111111111111111111");
    expect(span!.attributes).toMatchObject({ "error.type": "missing_api_key", "http.response.status_code": 401 });
  });

  it("with tracing on, the SDK is what loads (the off tests' probe sees these modules)", async () => {
    await h.server.stop();
    expect(probe.loaded().filter((m) => SDK_MODULE.test(m)).length).toBeGreaterThan(0);
  });
});

describe("OpenTelemetry traces over http/json with DETOUR_OTEL_CAPTURE_BODIES", () => {
  let receiver: OtlpReceiver;
  let h: Harness;
  let vk: string;
  const secret = "sk-otel-bodies-0000000000000000cccc";

  beforeAll(async () => {
    // Every port is free and picked by the system: the SQLite and PostgreSQL runs of this suite run at once.
    receiver = await startOtlpReceiver();
    h = await startHarness({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      DETOUR_OTEL_CAPTURE_BODIES: "true",
    });
    vk = await h.openaiKey("Bodies", secret);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("exports JSON with the bodies as logged (redacted) and as GenAI messages", async () => {
    const r = await chat(h, { "x-portkey-virtual-key": vk });
    expect(r.status).toBe(200);
    const { server } = await spansOf(receiver, r.requestId, 1);
    expect(receiver.contentTypes()[0]).toBe("application/json");
    expect(server.resource["service.name"]).toBe("detour");
    expect(String(server.attributes["detour.request.body"])).toContain("What are the 7 wonders");
    expect(JSON.parse(String(server.attributes["detour.response.body"]))).toMatchObject({ object: "chat.completion" });
    expect(JSON.parse(String(server.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "What are the 7 wonders of the world?" }] },
    ]);
    expect(JSON.parse(String(server.attributes["gen_ai.output.messages"]))[0]).toMatchObject({ role: "assistant", finish_reason: "stop" });
    expect(allAttributeText(receiver.spans())).not.toContain(secret);
  });
});

describe.each([
  ["without OTEL_EXPORTER_OTLP_ENDPOINT", false],
  ["with OTEL_SDK_DISABLED=true", true],
] as const)("OpenTelemetry traces off %s", (_, disabled) => {
  let receiver: OtlpReceiver;
  let h: Harness;
  let probe: Probe;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    probe = moduleProbe();
    const env: Record<string, string> = { OTEL_SERVICE_NAME: "never-used", OTEL_BSP_SCHEDULE_DELAY: "50", ...probe.env };
    if (disabled) Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: "true" });
    h = await startHarness(env);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
    probe?.dispose();
  });

  it("loads no SDK module, sends no traceparent upstream and exports nothing", async () => {
    const vk = await h.openaiKey();
    for (const stream of [false, true]) {
      const r = await chat(h, { "x-portkey-virtual-key": vk }, chatBody({ stream }));
      expect(r.status).toBe(200);
      await h.waitForLog(r.requestId);
    }
    expect(h.mock.requests().map((u) => u.traceparent)).toEqual([undefined, undefined]);
    await h.server.stop(); // the probe writes the loaded modules at exit; spans would be flushed at shutdown
    const loaded = probe.loaded();
    expect(loaded.length).toBeGreaterThan(100); // the probe ran
    expect(loaded.filter((m) => SDK_MODULE.test(m))).toEqual([]);
    expect(receiver.spans()).toEqual([]);
    expect(receiver.contentTypes()).toEqual([]);
  });
});
