import { describe, expect, it } from "vitest";
import { Redactor, redactConfigText, redactHeaders, redactUrlCredentials, secretForms } from "./log-redaction";

describe("Redactor", () => {
  it("replaces a secret and its JSON-escaped forms, and leaves short secrets alone in texts", () => {
    const secret = 'sk-a"b\\c/é-0123';
    const r = new Redactor([secret, "abc"]);
    const json = JSON.stringify({ echo: secret, note: "abc" });
    expect(json).not.toContain(secret);
    const out = r.text(json);
    expect(out).toBe('{"echo":"[redacted]","note":"abc"}');
    expect(JSON.parse(out)).toEqual({ echo: "[redacted]", note: "abc" });
    expect(r.text(`raw ${secret} and ascii ${secretForms(secret).find((f) => f.includes("\\u00e9"))}`)).toBe(
      "raw [redacted] and ascii [redacted]",
    );
    expect(r.text('{"slash":"sk-a\\"b\\\\c\\/é-0123"}')).toBe('{"slash":"[redacted]"}');
  });

  it("redacts the beginning of a secret at the end of a text that was cut short", () => {
    const r = new Redactor(["sk-live-0123456789abcdef"]);
    expect(r.cutText('data: {"error":"key sk-live-01234', true)).toBe('data: {"error":"key [redacted]');
    expect(r.cutText('data: {"error":"key sk-live-01234', false)).toBe('data: {"error":"key sk-live-01234');
    expect(r.cutText("ends with sk", true)).toBe("ends with sk"); // too short to say it is the key
  });
});

describe("redactConfigText", () => {
  it("redacts api_key (both spellings, any depth) and custom hosts' user-info, keeping the rest readable", () => {
    const secrets = new Set<string>();
    const text = JSON.stringify({
      strategy: { mode: "fallback" },
      targets: [
        { provider: "openai", api_key: "sk-one-0000000000", custom_host: "https://user:pw@example.com/v1" },
        { targets: [{ provider: "azure-openai", apiKey: "az-two-1111111111", resource_name: "r" }] },
      ],
    });
    const out = JSON.parse(redactConfigText(text, secrets));
    expect(out).toEqual({
      strategy: { mode: "fallback" },
      targets: [
        { provider: "openai", api_key: "[redacted]", custom_host: "https://[redacted]@example.com/v1" },
        { targets: [{ provider: "azure-openai", apiKey: "[redacted]", resource_name: "r" }] },
      ],
    });
    expect([...secrets].sort()).toEqual(["az-two-1111111111", "sk-one-0000000000"]);
  });

  it("replaces a config that is not JSON whole", () => {
    expect(redactConfigText('{"api_key": "sk-unterminated', new Set())).toBe("[redacted] (not valid JSON)");
  });

  it("walks invalid configs too: arrays, unknown keys and __proto__ keep no key", () => {
    const secrets = new Set<string>();
    const text =
      '[{"api_key":"sk-in-array-00000001"},{"foo":{"apiKey":"sk-under-unknown-02"}},{"__proto__":{"api_key":"sk-under-proto-003"}},7]';
    const out = redactConfigText(text, secrets);
    expect(out).toBe('[{"api_key":"[redacted]"},{"foo":{"apiKey":"[redacted]"}},{"__proto__":{"api_key":"[redacted]"}},7]');
    expect([...secrets].sort()).toEqual(["sk-in-array-00000001", "sk-under-proto-003", "sk-under-unknown-02"]);
  });
});

/** A request with these headers (not from Detour's server: its Web Headers are read). */
const withHeaders = (headers: Record<string, string>) => new Request("http://detour.test/v1/chat/completions", { headers });

describe("redactHeaders", () => {
  it("redacts credential headers and the inline config, and collects their secrets", () => {
    const secrets = new Set<string>();
    const headers = withHeaders({
      authorization: "Bearer sk-direct-22222222",
      "x-portkey-api-key": "dtr_abc",
      "x-portkey-config": '{"provider":"openai","api_key":"sk-inline-3333333"}',
      "x-portkey-custom-host": "http://a:b@127.0.0.1:1/v1",
      "x-portkey-trace-id": "t1",
    });
    expect(redactHeaders(headers, secrets)).toEqual({
      authorization: "[redacted]",
      "x-portkey-api-key": "[redacted]",
      "x-portkey-config": '{"provider":"openai","api_key":"[redacted]"}',
      "x-portkey-custom-host": "http://[redacted]@127.0.0.1:1/v1",
      "x-portkey-trace-id": "t1",
    });
    expect([...secrets].sort()).toEqual(["dtr_abc", "sk-direct-22222222", "sk-inline-3333333"]);
    expect(redactUrlCredentials("https://example.com/v1")).toBe("https://example.com/v1");
  });

  it("redacts a config header that is JSON but not an object (an invalid config is logged too); keeps a saved config's id", () => {
    const secrets = new Set<string>();
    const stored = redactHeaders(withHeaders({ "x-portkey-config": '[{"provider":"openai","api_key":"sk-array-config-444"}]' }), secrets);
    expect(stored["x-portkey-config"]).toBe('[{"provider":"openai","api_key":"[redacted]"}]');
    expect([...secrets]).toEqual(["sk-array-config-444"]);
    expect(redactHeaders(withHeaders({ "x-portkey-config": "pc-fallback-3f9a1c" }), new Set())["x-portkey-config"]).toBe(
      "pc-fallback-3f9a1c",
    );
  });
});
