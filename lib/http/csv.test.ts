import { describe, expect, it } from "vitest";
import { csvField, csvRecord } from "./csv";

describe("csvField: RFC 4180 quoting", () => {
  it("writes plain values as they are, null and undefined empty", () => {
    expect(csvField("gpt-4o")).toBe("gpt-4o");
    expect(csvField(200)).toBe("200");
    expect(csvField(0.0015)).toBe("0.0015");
    expect(csvField(true)).toBe("true");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField("")).toBe("");
  });

  it("quotes a field holding a comma, a quote, CR or LF, doubling inner quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line1\nline2")).toBe('"line1\nline2"');
    expect(csvField("a\rb")).toBe('"a\rb"');
  });

  it("writes objects as JSON text, quoted", () => {
    expect(csvField({ env: "prod", team: "a,b" })).toBe('"{""env"":""prod"",""team"":""a,b""}"');
    expect(csvField({})).toBe("{}");
  });
});

describe("csvField: formula injection", () => {
  it.each(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])("neutralises a cell starting with %j", (value) => {
    const field = csvField(value);
    const unquoted = field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
    expect(unquoted).toBe(`'${value}`);
  });

  it("quotes a neutralised cell that needs quoting", () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it("leaves text with those characters elsewhere alone", () => {
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField("user@example.com")).toBe("user@example.com");
  });
});

describe("csvRecord", () => {
  it("joins fields with commas and ends with CRLF", () => {
    expect(csvRecord(["id", null, 'x"y', 3])).toBe('id,,"x""y",3\r\n');
  });
});
