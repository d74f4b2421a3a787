import { describe, expect, it } from "vitest";
import { ParseMemo, parseInlineConfig, parseVirtualKeyConfig } from "./parse-memo";
import { parseConfigJson, type ParseConfigResult } from "../config/schema";

describe("config parse memo", () => {
  it("parses a text once and hands the same result out again", () => {
    const memo = new ParseMemo(10, 100);
    let calls = 0;
    const parse = (t: string): ParseConfigResult => {
      calls++;
      return parseConfigJson(t);
    };
    const text = '{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"a"},{"virtual_key":"b"}]}';
    const first = memo.get(text, parse);
    expect(first.ok).toBe(true);
    expect(memo.get(text, parse)).toBe(first);
    expect(calls).toBe(1);
  });

  it("remembers invalid configs too, with the same issues", () => {
    const bad = '{"strategy":{"mode":"sideways"},"targets":[]}';
    const a = parseInlineConfig(bad);
    expect(a.ok).toBe(false);
    expect(parseInlineConfig(bad)).toBe(a);
    if (!a.ok) expect(a.issues[0]!.path).toContain("strategy");
  });

  it("evicts the least recently used entry past its bound", () => {
    const memo = new ParseMemo(2, 100);
    let calls = 0;
    const parse = (t: string): ParseConfigResult => {
      calls++;
      return parseConfigJson(t);
    };
    memo.get('{"virtual_key":"a"}', parse);
    memo.get('{"virtual_key":"b"}', parse);
    memo.get('{"virtual_key":"a"}', parse); // a is now the most recent
    memo.get('{"virtual_key":"c"}', parse); // evicts b
    expect(memo.size).toBe(2);
    expect(calls).toBe(3);
    memo.get('{"virtual_key":"a"}', parse);
    expect(calls).toBe(3);
    memo.get('{"virtual_key":"b"}', parse);
    expect(calls).toBe(4);
  });

  it("does not keep texts past the length bound", () => {
    const memo = new ParseMemo(10, 20);
    let calls = 0;
    const long = JSON.stringify({ virtual_key: "x".repeat(50) });
    const parse = (t: string): ParseConfigResult => {
      calls++;
      return parseConfigJson(t);
    };
    memo.get(long, parse);
    memo.get(long, parse);
    expect(calls).toBe(2);
    expect(memo.size).toBe(0);
  });

  it("builds the single-target config a virtual-key header stands for", () => {
    const r = parseVirtualKeyConfig("vk-openai-1");
    expect(r.ok && r.config).toMatchObject({ virtual_key: "vk-openai-1", weight: 1 });
    expect(parseVirtualKeyConfig("vk-openai-1")).toBe(r);
  });
});
