/**
 * A real OTLP/HTTP trace receiver for tests and benchmarks (node:http): `POST /v1/traces` in
 * OTLP/protobuf (`application/x-protobuf`) or OTLP/JSON (`application/json`), gzip or not,
 * decoded into one flat list of spans with their resource's attributes; `GET /spans/count` answers
 * `{spans: n}`. As its own process: `node --require tsx/cjs testing/otlp-receiver.ts --port N`.
 *
 * Protobuf is decoded here, by the wire format and the field numbers of the official
 * opentelemetry-proto files (collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto), written apart from Detour's encoder
 * (lib/tracing/otlp-encode.ts) so that it checks it rather than mirroring it. Only the
 * fields the tests read are kept; unknown fields are skipped by their wire type. Bodies are decoded
 * when the spans are read, not when they arrive, so a benchmark's receiver (in the load generator's
 * process) costs little more than a collector's socket while the load runs.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Nanoseconds since the epoch. */
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  /** Each attribute's AnyValue field: string, bool, int, double, array, kvlist, bytes. */
  types: Record<string, AttrType>;
  droppedAttributes: number;
  /** Span.flags: W3C trace flags in bits 0-7, 0x100 the parent's remoteness known, 0x200 the parent remote. */
  flags: number;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, AttrValue>;
  scope: string;
  scopeVersion: string;
};

export type AttrType = "string" | "bool" | "int" | "double" | "array" | "kvlist" | "bytes" | "none";

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type OtlpReceiver = {
  url: string;
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** The `content-type` of each export request received. */
  contentTypes(): string[];
  /** The headers of the last export request (OTEL_EXPORTER_OTLP_HEADERS reach here). */
  lastHeaders(): http.IncomingHttpHeaders | null;
  /** Waits until spans matching `predicate` number at least `count`. */
  waitFor(predicate: (s: ReceivedSpan) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
};

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  /** Export bodies received and not decoded yet (decoded by `decoded()`, in arrival order). */
  const pending: { json: boolean; raw: Buffer }[] = [];
  const decoded = (): ReceivedSpan[] => {
    for (const body of pending.splice(0)) spans.push(...(body.json ? decodeJson(body.raw.toString("utf8")) : decodeProtobuf(body.raw)));
    return spans;
  };
  const types: string[] = [];
  let headers: http.IncomingHttpHeaders | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/spans/count") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ spans: decoded().length }));
        return;
      }
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      const type = String(req.headers["content-type"] ?? "");
      types.push(type);
      headers = req.headers;
      pending.push({ json: type.startsWith("application/json"), raw });
      // An empty ExportTraceServiceResponse: protobuf has no bytes for it, JSON is `{}`.
      if (type.startsWith("application/json")) res.writeHead(200, { "content-type": "application/json" }).end("{}");
      else res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spans: () => [...decoded()],
    contentTypes: () => [...types],
    lastHeaders: () => headers,
    waitFor: async (predicate, count = 1, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = decoded().filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(`${found.length} of ${count} spans arrived within ${timeoutMs} ms (${spans.length} in all)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

// ---- OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids in hex, enums as numbers.

type JsonAny = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAny[] };
  kvlistValue?: { values?: JsonKv[] };
  bytesValue?: string;
};
type JsonKv = { key: string; value?: JsonAny };

function jsonValue(v: JsonAny | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonValue);
  if (v.kvlistValue) return jsonAttrs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

function jsonType(v: JsonAny | undefined): AttrType {
  if (!v) return "none";
  if (v.stringValue !== undefined) return "string";
  if (v.boolValue !== undefined) return "bool";
  if (v.intValue !== undefined) return "int";
  if (v.doubleValue !== undefined) return "double";
  if (v.arrayValue) return "array";
  if (v.kvlistValue) return "kvlist";
  if (v.bytesValue !== undefined) return "bytes";
  return "none";
}

function jsonTypes(list: JsonKv[] | undefined): Record<string, AttrType> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonType(kv.value)]));
}

function jsonAttrs(list: JsonKv[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = jsonValue(kv.value);
  return out;
}

type JsonSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: JsonKv[];
  droppedAttributesCount?: number;
  flags?: number;
  status?: { code?: number; message?: string };
};

export function decodeJson(text: string): ReceivedSpan[] {
  const body = JSON.parse(text) as {
    resourceSpans?: {
      resource?: { attributes?: JsonKv[] };
      scopeSpans?: { scope?: { name?: string; version?: string }; spans?: JsonSpan[] }[];
    }[];
  };
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = jsonAttrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? "",
          traceState: s.traceState ?? "",
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonAttrs(s.attributes),
          types: jsonTypes(s.attributes),
          droppedAttributes: s.droppedAttributesCount ?? 0,
          flags: s.flags ?? 0,
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          resource,
          scope: ss.scope?.name ?? "",
          scopeVersion: ss.scope?.version ?? "",
        });
      }
    }
  }
  return out;
}

// ---- OTLP/protobuf: the wire format (varint, fixed64, length-delimited, fixed32).

type Field = { no: number; wire: number; varint: bigint; bytes: Buffer };

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error("protobuf: truncated varint");
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    const take = (n: number): Buffer => {
      if (pos + n > buf.length) throw new Error(`protobuf: field ${no} runs past the end`);
      const b = buf.subarray(pos, pos + n);
      pos += n;
      return b;
    };
    if (wire === 0) yield { no, wire, varint: varint(), bytes: Buffer.alloc(0) };
    else if (wire === 1) yield { no, wire, varint: 0n, bytes: take(8) };
    else if (wire === 2) yield { no, wire, varint: 0n, bytes: take(Number(varint())) };
    else if (wire === 5) yield { no, wire, varint: 0n, bytes: take(4) };
    else throw new Error(`protobuf: wire type ${wire} (field ${no}) not supported`);
  }
}

/** AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 ArrayValue (1: values), 6 KeyValueList (1: values), 7 bytes. */
function pbValue(buf: Buffer): AttrValue {
  for (const f of fields(buf)) {
    if (f.no === 1) return f.bytes.toString("utf8");
    if (f.no === 2) return f.varint !== 0n;
    if (f.no === 3) return Number(BigInt.asIntN(64, f.varint));
    if (f.no === 4) return f.bytes.readDoubleLE(0);
    if (f.no === 5) return [...fields(f.bytes)].filter((v) => v.no === 1).map((v) => pbValue(v.bytes));
    if (f.no === 6) return pbAttrs([...fields(f.bytes)].filter((v) => v.no === 1).map((v) => v.bytes));
    if (f.no === 7) return f.bytes.toString("hex");
  }
  return null;
}

const PB_TYPES: Record<number, AttrType> = { 1: "string", 2: "bool", 3: "int", 4: "double", 5: "array", 6: "kvlist", 7: "bytes" };

function pbType(buf: Buffer): AttrType {
  for (const f of fields(buf)) return PB_TYPES[f.no] ?? "none";
  return "none";
}

function pbTypes(list: Buffer[]): Record<string, AttrType> {
  const out: Record<string, AttrType> = {};
  for (const kv of list) {
    let key = "";
    let type: AttrType = "none";
    for (const f of fields(kv)) {
      if (f.no === 1) key = f.bytes.toString("utf8");
      else if (f.no === 2) type = pbType(f.bytes);
    }
    out[key] = type;
  }
  return out;
}

/** KeyValue: 1 key, 2 value (AnyValue). */
function pbAttrs(list: Buffer[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list) {
    let key = "";
    let value: AttrValue = null;
    for (const f of fields(kv)) {
      if (f.no === 1) key = f.bytes.toString("utf8");
      else if (f.no === 2) value = pbValue(f.bytes);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start (fixed64),
 * 8 end (fixed64), 9 attributes, 10 dropped_attributes_count, 15 status (2 message, 3 code), 16 flags (fixed32).
 */
function pbSpan(buf: Buffer, resource: Record<string, AttrValue>, scope: string, scopeVersion: string): ReceivedSpan {
  const span: ReceivedSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    traceState: "",
    name: "",
    kind: 0,
    startNs: 0n,
    endNs: 0n,
    attributes: {},
    types: {},
    droppedAttributes: 0,
    flags: 0,
    status: { code: 0, message: "" },
    resource,
    scope,
    scopeVersion,
  };
  const attrs: Buffer[] = [];
  for (const f of fields(buf)) {
    if (f.no === 1) span.traceId = f.bytes.toString("hex");
    else if (f.no === 2) span.spanId = f.bytes.toString("hex");
    else if (f.no === 3) span.traceState = f.bytes.toString("utf8");
    else if (f.no === 4) span.parentSpanId = f.bytes.toString("hex");
    else if (f.no === 5) span.name = f.bytes.toString("utf8");
    else if (f.no === 6) span.kind = Number(f.varint);
    else if (f.no === 7) span.startNs = f.bytes.readBigUInt64LE(0);
    else if (f.no === 8) span.endNs = f.bytes.readBigUInt64LE(0);
    else if (f.no === 9) attrs.push(f.bytes);
    else if (f.no === 10) span.droppedAttributes = Number(f.varint);
    else if (f.no === 16) span.flags = f.bytes.readUInt32LE(0);
    else if (f.no === 15) {
      for (const s of fields(f.bytes)) {
        if (s.no === 2) span.status.message = s.bytes.toString("utf8");
        else if (s.no === 3) span.status.code = Number(s.varint);
      }
    }
  }
  span.attributes = pbAttrs(attrs);
  span.types = pbTypes(attrs);
  return span;
}

/**
 * ExportTraceServiceRequest: 1 ResourceSpans (1 Resource (1 attributes), 2 ScopeSpans (1 scope (1 name, 2 version), 2 spans)).
 */
export function decodeProtobuf(buf: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rsField of fields(buf)) {
    if (rsField.no !== 1) continue;
    let resource: Record<string, AttrValue> = {};
    const scopes: Buffer[] = [];
    for (const f of fields(rsField.bytes)) {
      if (f.no === 1) resource = pbAttrs([...fields(f.bytes)].filter((a) => a.no === 1).map((a) => a.bytes));
      else if (f.no === 2) scopes.push(f.bytes);
    }
    for (const ss of scopes) {
      let scope = "";
      let scopeVersion = "";
      const spans: Buffer[] = [];
      for (const f of fields(ss)) {
        if (f.no === 1)
          for (const s of fields(f.bytes)) {
            if (s.no === 1) scope = s.bytes.toString("utf8");
            else if (s.no === 2) scopeVersion = s.bytes.toString("utf8");
          }
        if (f.no === 2) spans.push(f.bytes);
      }
      for (const s of spans) out.push(pbSpan(s, resource, scope, scopeVersion));
    }
  }
  return out;
}

if (typeof require !== "undefined" && require.main === module) {
  const at = process.argv.indexOf("--port");
  const port = at > 0 ? Number(process.argv[at + 1]) : 4318;
  void startOtlpReceiver(port).then((r) => {
    process.stdout.write(`${r.url}\n`);
    const stop = () => void r.close().then(() => process.exit(0));
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
