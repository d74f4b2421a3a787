/**
 * Detour's spans as an OTLP `ExportTraceServiceRequest` (docs/GATEWAY.md §13), in protobuf or in
 * OTLP/JSON, written straight from a fixed span shape: one resource, one scope, flat attributes.
 *
 * Field numbers and JSON names are those of the opentelemetry-proto files
 * (collector/trace/v1/trace_service.proto, trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto). The test decodes what this writes with the receiver's own decoder
 * (testing/otlp-receiver.ts), written apart from this encoder.
 *
 * Why not the SDK's serializer: it converts the SDK's span objects into an intermediate tree, then
 * walks it; with ~35 attributes per request that was most of tracing's cost (docs/PERFORMANCE.md,
 * "What OpenTelemetry tracing costs"). This writes each field once into one growing buffer.
 */

/** A double-typed attribute even when its value is a whole number (a cost of 0 stays a double). */
export class Double {
  constructor(readonly value: number) {}
}

export type AttrValue = string | number | boolean | Double | string[];

/**
 * An attribute's name, with its `KeyValue.key` field encoded once and, while the key has few
 * distinct values (an operation, a provider, a model, a status), each value's whole `KeyValue`: most
 * of a request's attributes repeat from request to request, so most are one copy. A key seen with
 * more values (ids, token counts) is encoded each time. Detour's keys are module constants
 * (lib/tracing/otel.ts), so finding a key's cache costs a property read, not a lookup.
 */
export class AttrKey {
  readonly field: Buffer;
  /** The kept `KeyValue`s by value; null once the key has shown too many values. */
  values: Map<string | number | boolean, Buffer> | null = new Map();
  /** The value length limit the kept values were cut to (a new limit empties them). */
  limit = Number.POSITIVE_INFINITY;
  /** The last value asked for and its `KeyValue`: most keys repeat the same value, found without a lookup. */
  last: string | number | boolean | undefined = undefined;
  lastEncoded: Buffer | null = null;

  constructor(readonly name: string) {
    const w = new Writer(8 + 3 * name.length);
    w.string(1, name);
    this.field = w.copy();
  }
}

/** Attributes in order, as parallel lists (no object per attribute). */
export class AttrList {
  readonly keys: AttrKey[] = [];
  readonly values: AttrValue[] = [];
  add(key: AttrKey, value: AttrValue): void {
    this.keys.push(key);
    this.values.push(value);
  }
  get length(): number {
    return this.keys.length;
  }
}

/** OTLP's SpanKind values (the API's plus one). */
export const KIND = { SERVER: 2, CLIENT: 3 } as const;
/** OTLP's Status.code values. */
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;
/** Span.flags: the W3C trace flags in bits 0-7, then whether the parent's remoteness is known, and whether it is remote. */
export const FLAG_HAS_IS_REMOTE = 0x100;
export const FLAG_IS_REMOTE = 0x200;

export type SpanOut = {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** 16 hex digits; "" for a root span. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  /** Epoch milliseconds, sub-millisecond precision (kept to the microsecond). */
  startMs: number;
  endMs: number;
  attributes: AttrList;
  statusCode: number;
  statusMessage: string;
};

export type Scope = { name: string; version?: string };

export type SpanLimits = {
  /** OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: attributes past it are dropped (and counted). */
  attributeCountLimit: number;
  /** OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: longer strings are cut to it. */
  attributeValueLengthLimit: number;
};

// ---- protobuf

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
const TWO_32 = 2 ** 32;

function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) size++;
  return size;
}

/** Each hex digit's value by its character code. */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/** A protobuf writer into one buffer that doubles when full. */
class Writer {
  buf: Buffer;
  pos = 0;

  /** A new buffer of `size` bytes, or `into` (written from its start) when one is given. */
  constructor(size = 256, into?: Buffer) {
    this.buf = into ?? Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer up to 2^53. */
  varint(n: number): void {
    this.ensure(10);
    const b = this.buf;
    while (n >= 0x80) {
      b[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    b[this.pos++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int64 as a varint: negatives in two's complement (ten bytes). */
  int64(n: number): void {
    if (n >= 0) {
      this.varint(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(n));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** Opens a length-delimited field: writes its tag and one byte for the length; `close` fixes the length. */
  open(field: number): number {
    this.tag(field, WIRE_LEN);
    this.ensure(1);
    this.pos++;
    return this.pos;
  }

  close(start: number): void {
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[start - 1] = len;
      return;
    }
    // The length takes more than the byte kept for it: move the content right.
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos = start - 1;
    this.varint(len);
    this.pos += len;
  }

  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    const n = s.length;
    if (n < 0x80) {
      // Most values are short ASCII: copied here byte by byte, cheaper than a call into the native encoder.
      this.ensure(1 + 3 * n);
      const b = this.buf;
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[at + i] = c;
      }
      if (i === n) {
        b[this.pos] = n;
        this.pos = at + n;
        return;
      }
      if (n < 43) {
        // At most 126 UTF-8 bytes: the length still fits in its one byte.
        const written = b.write(s, at, "utf8");
        b[this.pos] = written;
        this.pos = at + written;
        return;
      }
    }
    const len = Buffer.byteLength(s, "utf8");
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** Lowercase or uppercase hex digits (ids Detour made or checked) as bytes. */
  hex(field: number, hex: string): void {
    this.tag(field, WIRE_LEN);
    const len = hex.length >> 1;
    this.varint(len);
    this.ensure(len);
    const b = this.buf;
    for (let i = 0, at = this.pos; i < len; i++) b[at + i] = (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!;
    this.pos += len;
  }

  bool(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE_I64);
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
  }

  fixed32(field: number, v: number): void {
    this.tag(field, WIRE_I32);
    this.ensure(4);
    this.u32(v);
  }

  /** Four bytes, little-endian, of a number below 2^32 (no bounds checks: the caller ensured room). */
  private u32(v: number): void {
    const b = this.buf;
    const at = this.pos;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = v >>> 24;
    this.pos = at + 4;
  }

  /** Epoch milliseconds as fixed64 nanoseconds, exact to the microsecond (no BigInt: split in 32-bit halves). */
  nanos(field: number, ms: number): void {
    this.tag(field, WIRE_I64);
    this.ensure(8);
    const us = Math.max(0, Math.round(ms * 1000));
    const usHigh = Math.floor(us / TWO_32);
    const lowNs = (us % TWO_32) * 1000;
    const carry = Math.floor(lowNs / TWO_32);
    this.u32(lowNs % TWO_32);
    this.u32(usHigh * 1000 + carry);
  }

  bytes(chunk: Uint8Array): void {
    const n = chunk.length;
    this.ensure(n);
    const b = this.buf;
    const at = this.pos;
    // Most chunks are one attribute's KeyValue (a few dozen bytes): a loop is cheaper than the native copy's call.
    if (n < 64) for (let i = 0; i < n; i++) b[at + i] = chunk[i]!;
    else b.set(chunk, at);
    this.pos = at + n;
  }

  /** `end - start` bytes of `from`. */
  range(from: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    from.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }

  /** What was written, in a buffer of its own. */
  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** `AnyValue` fields: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5. */
function writeValue(w: Writer, v: AttrValue, maxLength: number): void {
  if (typeof v === "string") w.string(1, cut(v, maxLength));
  else if (typeof v === "number") {
    if (Number.isSafeInteger(v)) {
      w.tag(3, WIRE_VARINT);
      w.int64(v);
    } else w.double(4, v);
  } else if (typeof v === "boolean") w.bool(2, v);
  else if (v instanceof Double) w.double(4, v.value);
  else {
    const array = w.open(5);
    for (const item of v) {
      const value = w.open(1); // ArrayValue.values
      w.string(1, cut(item, maxLength));
      w.close(value);
    }
    w.close(array);
  }
}

function cut(s: string, maxLength: number): string {
  return s.length > maxLength ? s.slice(0, maxLength) : s;
}

/** One `KeyValue` (key 1, value 2) as field `field` of its message. */
function writeKeyValue(w: Writer, field: number, key: AttrKey, value: AttrValue, maxLength: number): void {
  const kv = w.open(field);
  w.bytes(key.field);
  const v = w.open(2);
  writeValue(w, value, maxLength);
  w.close(v);
  w.close(kv);
}

/**
 * Where a request's spans are written as they are described (lib/tracing/otel.ts): each span's
 * fixed fields, then its attributes one by one, then its status. No span or attribute objects are
 * made on the way to protobuf (`ProtobufEncoder`); `SpanCollector` keeps them, for OTLP/JSON.
 */
export interface SpanSink {
  begin(
    traceId: string,
    spanId: string,
    parentSpanId: string,
    traceState: string,
    flags: number,
    name: string,
    kind: number,
    startMs: number,
    endMs: number,
  ): void;
  attr(key: AttrKey, value: AttrValue): void;
  end(statusCode: number, statusMessage: string): void;
}

/** Writes spans that were kept as objects into a sink (tests, and the JSON path's own order). */
export function writeSpans(sink: SpanSink, spans: readonly SpanOut[]): void {
  for (const s of spans) {
    sink.begin(s.traceId, s.spanId, s.parentSpanId, s.traceState, s.flags, s.name, s.kind, s.startMs, s.endMs);
    const { keys, values } = s.attributes;
    for (let i = 0; i < keys.length; i++) sink.attr(keys[i]!, values[i]!);
    sink.end(s.statusCode, s.statusMessage);
  }
}

/** Keeps the spans written into it as `SpanOut`s. */
export class SpanCollector implements SpanSink {
  readonly spans: SpanOut[] = [];
  private current: SpanOut | null = null;

  begin(
    traceId: string,
    spanId: string,
    parentSpanId: string,
    traceState: string,
    flags: number,
    name: string,
    kind: number,
    startMs: number,
    endMs: number,
  ): void {
    this.current = {
      traceId,
      spanId,
      parentSpanId,
      traceState,
      flags,
      name,
      kind,
      startMs,
      endMs,
      attributes: new AttrList(),
      statusCode: 0,
      statusMessage: "",
    };
  }

  attr(key: AttrKey, value: AttrValue): void {
    this.current!.attributes.add(key, value);
  }

  end(statusCode: number, statusMessage: string): void {
    const span = this.current!;
    span.statusCode = statusCode;
    span.statusMessage = statusMessage;
    this.spans.push(span);
    this.current = null;
  }
}

/** A request's encoded spans: bytes `start` to `end` of `buf` (an arena shared by many requests). */
export type Chunk = { readonly buf: Buffer; readonly start: number; readonly end: number };

/** A key keeps at most this many values' `KeyValue`s, of text up to this long. */
const VALUES_PER_KEY = 64;
const MAX_CACHED_TEXT = 256;

/**
 * Requests' spans are written one after another into an arena of this size (a request's typical
 * two spans take ~2 KiB): no buffer per request. A new arena starts when less than `ARENA_SLACK`
 * is left; an arena is freed once every request written in it was exported.
 */
const ARENA_SIZE = 256 * 1024;
const ARENA_SLACK = 16 * 1024;
/**
 * Arenas and export buffers are reused rather than freed: a fresh buffer of this size is new memory
 * to the process, and writing into it page-faults each page (measured: a 400 KiB copy into a new
 * buffer costs 6-15x the same copy into one reused; docs/PERFORMANCE.md), besides the garbage
 * collector's work. At most this many arenas wait to be reused.
 */
const SPARE_ARENAS = 2;
/** An export buffer is at least this large (a smaller one would come from Node's shared pool), and grows by a quarter. */
const MIN_EXPORT_BUFFER = 64 * 1024;

/**
 * Encodes Detour's spans as protobuf, for an `ExportTraceServiceRequest`; one per exporter (its
 * limits, its resource). As a `SpanSink` it writes the spans of one request at a time, between
 * `open` and `close`.
 */
export class ProtobufEncoder implements SpanSink {
  private readonly resource: Buffer;
  private readonly scope: Buffer;
  private w = new Writer(ARENA_SIZE);
  private mark = 0;
  /** Per arena, how many of its requests' chunks are not yet copied into an export request. */
  private readonly unsent = new WeakMap<Buffer, number>();
  /** Arenas whose chunks were all copied out, to be written into again. */
  private readonly spare: Buffer[] = [];
  /** The export buffer, while no export holds it. */
  private out: Buffer | null = null;
  /** The buffer an export holds, and the view of it that export was given (see `exported`). */
  private lent: { buf: Buffer; view: Uint8Array } | null = null;
  // The span being written.
  private span = 0;
  private attributes = 0;
  private flags = 0;

  constructor(
    resource: AttrList,
    scope: Scope,
    private readonly limits: SpanLimits,
  ) {
    // ResourceSpans.resource (1) and ScopeSpans.scope (1): the same in every request, encoded once.
    const r = new Writer();
    const res = r.open(1);
    for (let i = 0; i < resource.length; i++) writeKeyValue(r, 1, resource.keys[i]!, resource.values[i]!, Number.POSITIVE_INFINITY);
    r.close(res);
    this.resource = r.copy();
    const s = new Writer();
    const sc = s.open(1);
    s.string(1, scope.name);
    if (scope.version) s.string(2, scope.version);
    s.close(sc);
    this.scope = s.copy();
  }

  /** ExportTraceServiceRequest { resource_spans 1: ResourceSpans { resource 1, scope_spans 2: ScopeSpans { scope 1, spans 2 } } }. */
  encode(spans: readonly SpanOut[]): Uint8Array {
    this.open();
    writeSpans(this, spans);
    return this.request([this.close()]);
  }

  /** Starts a request's spans (written as ScopeSpans.spans fields, to be wrapped by `request` with others'). */
  open(): void {
    if (this.w.buf.length - this.w.pos < ARENA_SLACK) {
      const full = this.w.buf;
      // An arena whose chunks were all copied out already is kept now (`copied` saw it still in use).
      if (!this.unsent.has(full) && full.length === ARENA_SIZE && this.spare.length < SPARE_ARENAS) this.spare.push(full);
      this.w = new Writer(ARENA_SIZE, this.spare.pop());
    }
    this.mark = this.w.pos;
  }

  /** The request's spans written since `open`. */
  close(): Chunk {
    const buf = this.w.buf;
    this.unsent.set(buf, (this.unsent.get(buf) ?? 0) + 1);
    return { buf, start: this.mark, end: this.w.pos };
  }

  /**
   * One export request of chunks from `close`: their bytes copied after the resource and scope,
   * into the export buffer when no export holds it (then hand the view back with `exported` once
   * it was sent), else into a new one. A chunk's bytes may be overwritten once it was copied here.
   */
  request(chunks: readonly Chunk[]): Uint8Array {
    // The lengths are known: written first, so nothing moves.
    let scopeSpans = this.scope.length;
    for (const chunk of chunks) scopeSpans += chunk.end - chunk.start;
    const resourceSpans = this.resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
    const size = 2 + varintSize(resourceSpans) + resourceSpans;
    let out = this.out;
    if (out === null || out.length < size) out = Buffer.allocUnsafe(Math.max(MIN_EXPORT_BUFFER, Math.ceil(size * 1.25)));
    this.out = null;
    const w = new Writer(size, out);
    w.tag(1, WIRE_LEN);
    w.varint(resourceSpans);
    w.bytes(this.resource);
    w.tag(2, WIRE_LEN);
    w.varint(scopeSpans);
    w.bytes(this.scope);
    // Requests written one after another in the same arena are copied as one range.
    for (let i = 0; i < chunks.length; ) {
      const { buf, start } = chunks[i]!;
      let end = chunks[i]!.end;
      let count = 1;
      for (i++; i < chunks.length && chunks[i]!.buf === buf && chunks[i]!.start === end; i++, count++) end = chunks[i]!.end;
      w.range(buf, start, end);
      this.copied(buf, count);
    }
    const view = w.buf.subarray(0, w.pos);
    this.lent = { buf: out, view };
    return view;
  }

  /**
   * An export request from `request` was sent (the collector answered): its buffer is free again.
   * Not called for an export that failed or timed out, whose buffer a socket may still be reading.
   */
  exported(view: Uint8Array): void {
    if (this.lent?.view !== view) return;
    this.out = this.lent.buf;
    this.lent = null;
  }

  /** `count` chunks of `arena` were copied out; a full arena with none left is kept for reuse. */
  private copied(arena: Buffer, count: number): void {
    const left = (this.unsent.get(arena) ?? count) - count;
    if (left > 0) {
      this.unsent.set(arena, left);
      return;
    }
    this.unsent.delete(arena);
    if (arena !== this.w.buf && arena.length === ARENA_SIZE && this.spare.length < SPARE_ARENAS) this.spare.push(arena);
  }

  /** Span fields: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6, start 7, end 8, attributes 9, dropped 10, status 15, flags 16. */
  begin(
    traceId: string,
    spanId: string,
    parentSpanId: string,
    traceState: string,
    flags: number,
    name: string,
    kind: number,
    startMs: number,
    endMs: number,
  ): void {
    const w = this.w;
    this.span = w.open(2); // ScopeSpans.spans
    this.attributes = 0;
    this.flags = flags;
    w.hex(1, traceId);
    w.hex(2, spanId);
    if (traceState) w.string(3, traceState);
    if (parentSpanId) w.hex(4, parentSpanId);
    w.string(5, name);
    w.tag(6, WIRE_VARINT);
    w.varint(kind);
    w.nanos(7, startMs);
    w.nanos(8, endMs);
  }

  attr(key: AttrKey, value: AttrValue): void {
    // Attributes past the count limit are dropped, and counted.
    if (this.attributes++ >= this.limits.attributeCountLimit) return;
    const encoded = this.kept(key, value);
    if (encoded) this.w.bytes(encoded);
    else writeKeyValue(this.w, 9, key, value, this.limits.attributeValueLengthLimit);
  }

  end(statusCode: number, statusMessage: string): void {
    const w = this.w;
    const dropped = this.attributes - Math.min(this.attributes, this.limits.attributeCountLimit);
    if (dropped > 0) {
      w.tag(10, WIRE_VARINT);
      w.varint(dropped);
    }
    if (statusCode !== STATUS.UNSET || statusMessage) {
      const status = w.open(15);
      if (statusMessage) w.string(2, statusMessage); // Status.message
      if (statusCode !== STATUS.UNSET) {
        w.tag(3, WIRE_VARINT); // Status.code
        w.varint(statusCode);
      }
      w.close(status);
    }
    w.fixed32(16, this.flags);
    w.close(this.span);
  }

  /** The attribute's encoded `KeyValue` when its key keeps values (kept now if it is new), else null. */
  private kept(key: AttrKey, value: AttrValue): Buffer | null {
    // Doubles, arrays and long text (bodies) are encoded each time.
    if (typeof value === "object" || (typeof value === "string" && value.length > MAX_CACHED_TEXT)) return null;
    if (key.limit !== this.limits.attributeValueLengthLimit) {
      key.limit = this.limits.attributeValueLengthLimit;
      key.values = new Map();
      key.lastEncoded = null;
    }
    if (key.lastEncoded && key.last === value) return key.lastEncoded;
    const values = key.values;
    if (!values) return null;
    let encoded = values.get(value);
    if (!encoded) {
      if (values.size >= VALUES_PER_KEY) {
        key.values = null; // too many values to be worth keeping: from now on encoded each time
        return null;
      }
      const one = new Writer();
      writeKeyValue(one, 9, key, value, this.limits.attributeValueLengthLimit);
      encoded = one.copy();
      values.set(value, encoded);
    }
    key.last = value;
    key.lastEncoded = encoded;
    return encoded;
  }
}

// ---- OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase
// names, ids in hex, enums as numbers, 64-bit integers as decimal strings.

type JsonAny =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { arrayValue: { values: JsonAny[] } };

function jsonDouble(v: number): number | string {
  return Number.isFinite(v) ? v : String(v); // NaN and the infinities are strings in proto3 JSON
}

function jsonValue(v: AttrValue, maxLength: number): JsonAny {
  if (typeof v === "string") return { stringValue: cut(v, maxLength) };
  if (typeof v === "number") return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: jsonDouble(v) };
  if (typeof v === "boolean") return { boolValue: v };
  if (v instanceof Double) return { doubleValue: jsonDouble(v.value) };
  return { arrayValue: { values: v.map((item) => ({ stringValue: cut(item, maxLength) })) } };
}

function jsonAttributes(attrs: AttrList, count: number, maxLength: number) {
  const out = [];
  for (let i = 0; i < count; i++) out.push({ key: attrs.keys[i]!.name, value: jsonValue(attrs.values[i]!, maxLength) });
  return out;
}

/** Epoch milliseconds as decimal nanoseconds, to the microsecond. */
function jsonNanos(ms: number): string {
  const us = Math.max(0, Math.round(ms * 1000));
  return us === 0 ? "0" : `${us}000`;
}

export function encodeJson(spans: readonly SpanOut[], resource: AttrList, scope: Scope, limits: SpanLimits): Uint8Array {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: jsonAttributes(resource, resource.length, Number.POSITIVE_INFINITY) },
        scopeSpans: [
          {
            scope: scope.version ? { name: scope.name, version: scope.version } : { name: scope.name },
            spans: spans.map((s) => {
              const count = Math.min(s.attributes.length, limits.attributeCountLimit);
              const dropped = s.attributes.length - count;
              return {
                traceId: s.traceId,
                spanId: s.spanId,
                ...(s.traceState ? { traceState: s.traceState } : {}),
                ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
                name: s.name,
                kind: s.kind,
                startTimeUnixNano: jsonNanos(s.startMs),
                endTimeUnixNano: jsonNanos(s.endMs),
                attributes: jsonAttributes(s.attributes, count, limits.attributeValueLengthLimit),
                ...(dropped > 0 ? { droppedAttributesCount: dropped } : {}),
                ...(s.statusCode !== STATUS.UNSET || s.statusMessage
                  ? { status: s.statusMessage ? { message: s.statusMessage, code: s.statusCode } : { code: s.statusCode } }
                  : {}),
                flags: s.flags,
              };
            }),
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(body), "utf8");
}
