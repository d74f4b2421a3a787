/**
 * OpenTelemetry tracing, switched by the standard environment variables (docs/GATEWAY.md §13): on
 * when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and neither
 * OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none), off otherwise.
 *
 * Off costs nothing: this module imports no SDK; the SDK (lib/tracing/otel.ts) is imported at start
 * only when tracing is on, and the request path asks `requestTracer()`, one property read, null when
 * off. The tracer lives in a global slot, like the runtime (lib/runtime-slot.ts): Next.js loads
 * `lib/` more than once per process, and the copy that started tracing (instrumentation) is not
 * always the copy that serves requests.
 */
import type { RequestTracer } from "./types";
import { withChanges } from "../object";

const SLOT = Symbol.for("detour.tracing");

type Tracing = { tracer: RequestTracer; shutdown: (timeoutMs: number) => Promise<void> };
type Slotted = { [SLOT]?: Tracing };

/** The request tracer, or null when tracing is off. */
export function requestTracer(): RequestTracer | null {
  return (globalThis as Slotted)[SLOT]?.tracer ?? null;
}

export class TracingConfigError extends Error {}

/** The OTLP protocols Detour exports with (over HTTP); gRPC is not supported. */
export type OtlpProtocol = "http/protobuf" | "http/json";

type Source = Record<string, string | undefined>;

function set(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** Whether the environment asks for traces (see the file comment). */
export function tracingWanted(source: Source = process.env): boolean {
  if (set(source.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return false;
  const exporter = set(source.OTEL_TRACES_EXPORTER)?.toLowerCase();
  if (exporter?.split(",").every((e) => e.trim() === "none")) return false;
  return set(source.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined || set(source.OTEL_EXPORTER_OTLP_ENDPOINT) !== undefined;
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else `http/protobuf` (the
 * specification's default). `grpc` or anything else stops the start with a message naming it.
 */
export function otlpProtocol(source: Source = process.env): OtlpProtocol {
  const name = set(source.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const value = set(source[name]) ?? "http/protobuf";
  if (value === "http/protobuf" || value === "http/json") return value;
  throw new TracingConfigError(
    `${name}=${JSON.stringify(value)} is not supported: Detour exports traces over OTLP/HTTP, "http/protobuf" (the default) or "http/json"`,
  );
}

export type TracingOptions = { captureBodies: boolean; serviceVersion?: string };

/**
 * Starts tracing when the environment asks for it (start sequence, lib/server-start.ts): loads the
 * SDK and fills the slot. Returns the protocol used, or null when tracing stays off.
 */
export async function startTracing(options: TracingOptions, source: Source = process.env): Promise<OtlpProtocol | null> {
  if (!tracingWanted(source)) return null;
  const protocol = otlpProtocol(source);
  const slotted = globalThis as Slotted;
  if (slotted[SLOT]) return protocol;
  const { createTracing } = await import("./otel");
  slotted[SLOT] = createTracing(withChanges(options, { protocol }));
  return protocol;
}

/** Flushes the spans not yet exported and stops the exporter, within `timeoutMs` (shutdown); nothing when off. */
export async function stopTracing(timeoutMs: number): Promise<void> {
  const slotted = globalThis as Slotted;
  const tracing = slotted[SLOT];
  if (!tracing) return;
  delete slotted[SLOT];
  await tracing.shutdown(timeoutMs);
}
