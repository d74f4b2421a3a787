/**
 * The OTLP encoders against the test receiver's decoders (testing/otlp-receiver.ts, written apart
 * from them from the opentelemetry-proto field numbers): every field Detour writes, in protobuf and
 * in JSON, with lengths that need one, two and three length bytes, multi-byte text, and the limits.
 */
import { describe, expect, it } from "vitest";
import { decodeJson, decodeProtobuf } from "@/testing/otlp-receiver";
import {
  AttrKey,
  AttrList,
  Double,
  encodeJson,
  FLAG_HAS_IS_REMOTE,
  FLAG_IS_REMOTE,
  KIND,
  ProtobufEncoder,
  STATUS,
  type SpanLimits,
  type SpanOut,
  writeSpans,
} from "./otlp-encode";

const NO_LIMITS: SpanLimits = { attributeCountLimit: 128, attributeValueLengthLimit: Number.POSITIVE_INFINITY };

const long = "x".repeat(200); // a two-byte length
const huge = "€".repeat(6000); // 18,000 UTF-8 bytes: a three-byte length, and every enclosing message's too

/** One key object per name, shared by every test (as Detour's are): their kept values carry over, under different limits. */
const keys = new Map<string, AttrKey>();

function attrs(entries: [string, string | number | boolean | Double | string[]][]): AttrList {
  const list = new AttrList();
  for (const [k, v] of entries) {
    if (!keys.has(k)) keys.set(k, new AttrKey(k));
    list.add(keys.get(k)!, v);
  }
  return list;
}

function server(overrides: Partial<SpanOut> = {}): SpanOut {
  return {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    parentSpanId: "a1b2c3d4e5f60718",
    traceState: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    flags: 1 | FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE,
    name: "chat gpt-4o",
    kind: KIND.SERVER,
    startMs: 1_765_000_000_123.456,
    endMs: 1_765_000_000_987.654,
    attributes: attrs([
      ["gen_ai.operation.name", "chat"],
      ["gen_ai.usage.input_tokens", 17],
      ["big", 2 ** 40 + 3],
      ["negative", -5],
      ["detour.cost_usd", new Double(0)],
      ["ratio", 0.25],
      ["detour.fallback_used", true],
      ["detour.stream", false],
      ["gen_ai.response.finish_reasons", ["stop", "length"]],
      ["long", long],
      ["unicode", "héllo wörld 🚀"],
      ["huge", huge],
    ]),
    statusCode: STATUS.ERROR,
    statusMessage: "upstream_unavailable",
    ...overrides,
  };
}

function client(): SpanOut {
  return {
    ...server(),
    spanId: "1111111111111111",
    parentSpanId: "00f067aa0ba902b7",
    traceState: "",
    flags: 1 | FLAG_HAS_IS_REMOTE,
    name: "chat",
    kind: KIND.CLIENT,
    attributes: attrs([["server.port", 443]]),
    statusCode: STATUS.UNSET,
    statusMessage: "",
  };
}

const resource = attrs([
  ["service.name", "detour"],
  ["deployment.environment.name", "test"],
]);
const scope = { name: "detour", version: "1.2.3" };

const decoders = {
  protobuf: (spans: SpanOut[], limits = NO_LIMITS) =>
    decodeProtobuf(Buffer.from(new ProtobufEncoder(resource, scope, limits).encode(spans))),
  json: (spans: SpanOut[], limits = NO_LIMITS) => decodeJson(Buffer.from(encodeJson(spans, resource, scope, limits)).toString("utf8")),
};

describe.each(Object.entries(decoders))("OTLP %s", (_, roundTrip) => {
  it("writes every field of a span as the receiver reads it", () => {
    const [s, c] = roundTrip([server(), client()]);
    expect(s).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      parentSpanId: "a1b2c3d4e5f60718",
      traceState: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
      flags: 0x301,
      name: "chat gpt-4o",
      kind: 2,
      status: { code: 2, message: "upstream_unavailable" },
      resource: { "service.name": "detour", "deployment.environment.name": "test" },
      scope: "detour",
      scopeVersion: "1.2.3",
    });
    // Nanoseconds, exact to the microsecond (no float rounding past 2^53).
    expect(s!.startNs).toBe(1_765_000_000_123_456_000n);
    expect(s!.endNs).toBe(1_765_000_000_987_654_000n);
    expect(s!.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.usage.input_tokens": 17,
      big: 2 ** 40 + 3,
      negative: -5,
      "detour.cost_usd": 0,
      ratio: 0.25,
      "detour.fallback_used": true,
      "detour.stream": false,
      "gen_ai.response.finish_reasons": ["stop", "length"],
      long,
      unicode: "héllo wörld 🚀",
      huge,
    });
    expect(s!.types).toMatchObject({
      "gen_ai.usage.input_tokens": "int",
      negative: "int",
      "detour.cost_usd": "double", // a whole-number cost stays a double
      ratio: "double",
      "detour.fallback_used": "bool",
      "gen_ai.response.finish_reasons": "array",
      huge: "string",
    });
    expect(c).toMatchObject({
      spanId: "1111111111111111",
      parentSpanId: "00f067aa0ba902b7",
      traceState: "",
      flags: 0x101,
      kind: 3,
      status: { code: 0, message: "" },
      attributes: { "server.port": 443 },
    });
  });

  it("leaves a root span's parent empty and writes no status when it is unset", () => {
    const [s] = roundTrip([server({ parentSpanId: "", traceState: "", statusCode: STATUS.UNSET, statusMessage: "" })]);
    expect(s).toMatchObject({ parentSpanId: "", traceState: "", status: { code: 0, message: "" } });
  });

  it("keeps the first attributes up to the count limit, counts the rest as dropped, and cuts long strings", () => {
    const [s] = roundTrip([server()], { attributeCountLimit: 11, attributeValueLengthLimit: 3 });
    expect(Object.keys(s!.attributes)).toHaveLength(11);
    expect(s!.attributes.huge).toBeUndefined();
    expect(s!.droppedAttributes).toBe(1);
    expect(s!.attributes["gen_ai.operation.name"]).toBe("cha");
    expect(s!.attributes.long).toBe("xxx");
    expect(s!.attributes["gen_ai.response.finish_reasons"]).toEqual(["sto", "len"]);
    expect(s!.attributes["gen_ai.usage.input_tokens"]).toBe(17);
  });

  it("writes an empty batch as one resource with no spans", () => {
    expect(roundTrip([])).toEqual([]);
  });

  it("writes many spans in one request (the buffer grows)", () => {
    const many = Array.from({ length: 600 }, (_, i) => server({ spanId: i.toString(16).padStart(16, "0") }));
    const decoded = roundTrip(many);
    expect(decoded).toHaveLength(600);
    expect(decoded[599]!.spanId).toBe((599).toString(16).padStart(16, "0"));
    expect(decoded[599]!.attributes.huge).toBe(huge);
  });
});

describe("ProtobufEncoder's encoded attributes kept by value", () => {
  it("writes the same attributes whether a value is new, kept, or its key has too many values to keep", () => {
    const encoder = new ProtobufEncoder(resource, scope, { attributeCountLimit: 128, attributeValueLengthLimit: 40 });
    const span = (i: number) =>
      server({
        spanId: (i + 1).toString(16).padStart(16, "0"),
        attributes: attrs([
          ["gen_ai.operation.name", "chat"], // one value: kept after the first span
          ["gen_ai.usage.input_tokens", i], // 100 values: kept up to 64, then encoded each time
          ["detour.fallback_used", i % 2 === 0],
          ["detour.cost_usd", new Double(i)],
          ["long", `${"y".repeat(300)}${i % 3}`], // too long to keep; cut to the limit
        ]),
      });
    const spans = Array.from({ length: 100 }, (_, i) => span(i));
    // Twice through one encoder: the second pass reads what the first one kept.
    for (const pass of [1, 2]) {
      const decoded = decodeProtobuf(Buffer.from(encoder.encode(spans)));
      expect(decoded, `pass ${pass}`).toHaveLength(100);
      decoded.forEach((s, i) => {
        expect(s.attributes).toEqual({
          "gen_ai.operation.name": "chat",
          "gen_ai.usage.input_tokens": i,
          "detour.fallback_used": i % 2 === 0,
          "detour.cost_usd": i,
          long: "y".repeat(40),
        });
        expect(s.types["detour.cost_usd"]).toBe("double");
      });
    }
  });
});

describe("ProtobufEncoder's arena", () => {
  it("keeps every request's spans whole across arenas, a request that outgrows its arena, and batches of any cut", () => {
    const encoder = new ProtobufEncoder(resource, scope, NO_LIMITS);
    const chunks = [];
    // ~300 requests of two spans (~2.5 KiB): past several 256 KiB arenas; every 50th carries 18 KB bodies, and one 600 KB.
    for (let i = 0; i < 300; i++) {
      const big = i === 123 ? "b".repeat(600_000) : i % 50 === 0 ? huge : `s${"p".repeat(2000)}`;
      encoder.open();
      writeSpans(encoder, [
        client(),
        server({
          spanId: (i + 1).toString(16).padStart(16, "0"),
          attributes: attrs([
            ["i", i],
            ["body", big],
          ]),
        }),
      ]);
      chunks.push(encoder.close());
    }
    expect(new Set(chunks.map((c) => c.buf)).size).toBeGreaterThanOrEqual(3);
    // Batches as the batcher cuts them: contiguous chunks of one arena, and runs that cross arenas.
    const seen: number[] = [];
    for (const [from, to] of [
      [0, 1],
      [1, 97],
      [97, 124],
      [124, 300],
    ] as const) {
      const decoded = decodeProtobuf(Buffer.from(encoder.request(chunks.slice(from, to))));
      expect(decoded).toHaveLength(2 * (to - from));
      for (let k = 0; k < decoded.length; k += 2) {
        expect(decoded[k]!.kind).toBe(KIND.CLIENT);
        const request = decoded[k + 1]!;
        const i = request.attributes.i as number;
        seen.push(i);
        expect(request.attributes.body).toBe(i === 123 ? "b".repeat(600_000) : i % 50 === 0 ? huge : `s${"p".repeat(2000)}`);
        expect(request.spanId).toBe((i + 1).toString(16).padStart(16, "0"));
      }
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

describe("ProtobufEncoder's reuse of arenas and export buffers", () => {
  const span = (i: number, body: string) =>
    server({
      spanId: (i + 1).toString(16).padStart(16, "0"),
      attributes: attrs([
        ["i", i],
        ["body", body],
      ]),
    });
  const bodyOf = (i: number) => `${i}:${"q".repeat(1500 + (i % 7) * 300)}`;

  it("writes new requests into exported arenas without touching requests still waiting, as an export at a time goes out", () => {
    const encoder = new ProtobufEncoder(new AttrList(), { name: "detour" }, NO_LIMITS);
    const waiting: { i: number; chunk: ReturnType<ProtobufEncoder["close"]> }[] = [];
    const arenas = new Set<Buffer>();
    let next = 0;
    let exportedSpans = 0;
    // Steady state: 40 requests arrive, the oldest 37 go out (so some always wait across arenas).
    for (let round = 0; round < 60; round++) {
      for (let k = 0; k < 40; k++, next++) {
        encoder.open();
        writeSpans(encoder, [span(next, bodyOf(next))]);
        const chunk = encoder.close();
        arenas.add(chunk.buf);
        waiting.push({ i: next, chunk });
      }
      const batch = waiting.splice(0, 37);
      const body = encoder.request(batch.map((w) => w.chunk));
      const decoded = decodeProtobuf(Buffer.from(body));
      expect(decoded.map((s) => s.attributes.i)).toEqual(batch.map((w) => w.i));
      for (const s of decoded) expect(s.attributes.body).toBe(bodyOf(s.attributes.i as number));
      exportedSpans += decoded.length;
      encoder.exported(body);
    }
    expect(exportedSpans).toBe(60 * 37);
    // ~5.5 MB went through 256 KiB arenas: without reuse that is ~22 arenas; reused, a handful.
    expect(arenas.size).toBeLessThanOrEqual(5);
  });

  it("reuses the export buffer only once its export was sent, and never one an export may still read", () => {
    const encoder = new ProtobufEncoder(new AttrList(), { name: "detour" }, NO_LIMITS);
    const one = (i: number) => {
      encoder.open();
      writeSpans(encoder, [span(i, bodyOf(i))]);
      return encoder.close();
    };
    const first = encoder.request([one(0)]);
    const kept = Buffer.from(first);
    // Not handed back (failed or still sending): the next request must not write over it.
    const second = encoder.request([one(1)]);
    expect(second.buffer).not.toBe(first.buffer);
    expect(Buffer.from(first).equals(kept)).toBe(true);
    // Handed back out of order: only the latest lent view returns its buffer.
    encoder.exported(first);
    const third = encoder.request([one(2)]);
    expect(third.buffer).not.toBe(second.buffer);
    expect(third.buffer).not.toBe(first.buffer);
    encoder.exported(third);
    const fourth = encoder.request([one(3)]);
    expect(fourth.buffer).toBe(third.buffer);
    expect(decodeProtobuf(Buffer.from(fourth)).map((s) => s.attributes.i)).toEqual([3]);
  });
});
