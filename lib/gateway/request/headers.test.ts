/** Header parsing: UTF-8 text in x-portkey-* values, reserved metadata keys, inline config vs config id. */
import { describe, expect, it } from "vitest";
import { DetourError } from "../../errors";
import { decodeHeaderValue, parseRequestContext, toHeaderValue } from "./headers";

/** What Node hands over for a header sent as UTF-8: one latin1 character per byte. */
const asNodeDelivers = (text: string) => Buffer.from(text, "utf8").toString("latin1");

function parse(headers: Record<string, string>) {
  return parseRequestContext(new Headers(headers));
}

function refusal(headers: Record<string, string>): DetourError {
  try {
    parse(headers);
  } catch (error) {
    expect(error).toBeInstanceOf(DetourError);
    return error as DetourError;
  }
  throw new Error("expected a 400");
}

describe("UTF-8 header values", () => {
  it("decodes x-portkey-metadata as UTF-8", () => {
    const ctx = parse({ "x-portkey-metadata": asNodeDelivers('{"user":"Zoë 🚀","team":"日本"}') });
    expect(ctx.metadata).toEqual({ user: "Zoë 🚀", team: "日本" });
  });

  it("decodes the other x-portkey-* text headers (config, trace id, virtual key, custom host, Azure names)", () => {
    const ctx = parse({
      "x-portkey-config": asNodeDelivers('{"virtual_key":"clé"}'),
      "x-portkey-trace-id": asNodeDelivers("trace-ü"),
      "x-portkey-virtual-key": asNodeDelivers("schlüssel"),
      "x-portkey-custom-host": asNodeDelivers("https://bücher.example/v1"),
      "x-portkey-provider": "azure-openai",
      "x-portkey-azure-deployment-id": asNodeDelivers("déploiement"),
    });
    expect(ctx.config).toEqual({ kind: "inline", text: '{"virtual_key":"clé"}' });
    expect(ctx.traceId).toBe("trace-ü");
    expect(ctx.virtualKey).toBe("schlüssel");
    expect(ctx.customHost).toBe("https://bücher.example/v1");
    expect(ctx.direct?.fields?.deployment_id).toBe("déploiement");
  });

  it("keeps bytes that are not valid UTF-8 as they came (a real latin1 value)", () => {
    expect(decodeHeaderValue("caf\u00e9")).toBe("caf\u00e9");
    expect(decodeHeaderValue("plain ascii")).toBe("plain ascii");
    expect(parse({ "x-portkey-metadata": '{"city":"K\u00f6ln"}' }).metadata).toEqual({ city: "K\u00f6ln" });
  });

  it("sends text back as its UTF-8 bytes (toHeaderValue undoes the decoding)", () => {
    expect(toHeaderValue("trace-ü 🚀")).toBe(asNodeDelivers("trace-ü 🚀"));
    expect(() => new Headers({ "x-portkey-trace-id": toHeaderValue("trace-ü 🚀") })).not.toThrow();
    expect(toHeaderValue("abc")).toBe("abc");
  });

  it("counts the metadata limit in bytes and the trace id limit in characters", () => {
    expect(parse({ "x-portkey-trace-id": asNodeDelivers("ü".repeat(256)) }).traceId).toHaveLength(256);
    expect(refusal({ "x-portkey-trace-id": asNodeDelivers("ü".repeat(257)) }).code).toBe("invalid_trace_id");
    const big = asNodeDelivers(JSON.stringify({ k: "é".repeat(4100) })); // 4,100 characters, 8,200+ bytes
    expect(refusal({ "x-portkey-metadata": big }).message).toMatch(/larger than 8192 bytes/);
  });
});

describe("reserved metadata keys", () => {
  it.each(["__proto__", "constructor", "prototype"])("refuses %s with a 400 naming it", (key) => {
    const error = refusal({ "x-portkey-metadata": `{"${key}":"x","env":"prod"}` });
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_metadata");
    expect(error.message).toBe(`x-portkey-metadata key "${key}" is not allowed (reserved: __proto__, constructor, prototype).`);
  });

  it("accepts other keys, toString included", () => {
    expect(parse({ "x-portkey-metadata": '{"toString":"x"}' }).metadata).toEqual({ toString: "x" });
  });
});

describe("x-portkey-config: inline JSON or a config id", () => {
  it.each(["[1,2]", "42", "-1", "null", "true", '"pc-abc-123456"', "[]"])("%s is inline JSON (an invalid config, not an id)", (value) => {
    expect(parse({ "x-portkey-config": value }).config).toEqual({ kind: "inline", text: value });
  });

  it.each(["pc-abc-123456", "123abc", "nothing"])("%s is a config id", (value) => {
    expect(parse({ "x-portkey-config": value }).config).toEqual({ kind: "id", slug: value });
  });

  it("an object is inline even when it is not valid JSON (the 400 says so)", () => {
    expect(parse({ "x-portkey-config": "{strategy:" }).config).toEqual({ kind: "inline", text: "{strategy:" });
  });
});
