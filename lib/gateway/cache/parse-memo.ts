/**
 * Parsed configs that arrive with the request (inline `x-portkey-config` JSON, the config implied by
 * `x-portkey-virtual-key`), remembered by their text so a client that sends the same config on
 * every request pays zod's validation once. A parse result depends on the text alone and configs
 * are never mutated after parsing (saved configs are shared the same way), so entries never go
 * stale; the memo is bounded in entries and in the length of the text it keeps.
 */
import { getRuntime } from "../../runtime";
import { parseConfig, parseConfigJson, type ParseConfigResult } from "../config/schema";

const MAX_ENTRIES = 1_000;
/** Longer texts are parsed every time (keeps the memo's memory under ~MAX_ENTRIES * MAX_TEXT). */
const MAX_TEXT_CHARS = 8_192;

export class ParseMemo {
  private readonly entries = new Map<string, ParseConfigResult>();

  constructor(
    private readonly maxEntries = MAX_ENTRIES,
    private readonly maxTextChars = MAX_TEXT_CHARS,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** `parse(key)`, remembered under `key` (most recently used kept; the least recently used evicted). */
  get(key: string, parse: (key: string) => ParseConfigResult): ParseConfigResult {
    if (key.length > this.maxTextChars) return parse(key);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const result = parse(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, result);
    return result;
  }
}

/** The runtime's `parseMemos`: inline configs by text, virtual-key configs by slug. */
export type ParseMemos = { inline: ParseMemo; virtualKey: ParseMemo };

function memos(): ParseMemos {
  const rt = getRuntime();
  rt.parseMemos ??= { inline: new ParseMemo(), virtualKey: new ParseMemo() };
  return rt.parseMemos;
}

/** parseConfigJson(text), remembered. */
export function parseInlineConfig(text: string): ParseConfigResult {
  return memos().inline.get(text, parseConfigJson);
}

/** The config `{ virtual_key: slug }` that x-portkey-virtual-key stands for, remembered by slug. */
export function parseVirtualKeyConfig(slug: string): ParseConfigResult {
  return memos().virtualKey.get(slug, (s) => parseConfig({ virtual_key: s }));
}
