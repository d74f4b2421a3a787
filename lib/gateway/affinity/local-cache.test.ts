import { describe, expect, it } from "vitest";
import { LocalAffinityCache } from "./local-cache";
import { parseRecord } from "./store";
import type { AffinityRecord } from "./types";

const record = (id: string, overrides: Partial<AffinityRecord> = {}): AffinityRecord => ({
  workspaceId: "ws_1",
  id,
  kind: "response",
  provider: "openai",
  virtualKeyId: "vk_1",
  virtualKeySlug: "openai-main",
  virtualKeyVersion: 2,
  deployment: null,
  upstream: "openai|",
  credential: "0123456789abcdef0123456789abcdef",
  configSlug: "pc-main-000001",
  targetPath: "config.targets[1]",
  createdAt: new Date("2026-01-02T03:04:05.678Z"),
  ...overrides,
});

describe("LocalAffinityCache", () => {
  it("finds what it was given, per workspace, and nothing else", () => {
    const cache = new LocalAffinityCache(10);
    const r = record("resp_1");
    cache.set(r);
    expect(cache.get("ws_1", "resp_1")).toBe(r);
    expect(cache.get("ws_2", "resp_1")).toBeNull();
    expect(cache.get("ws_1", "resp_2")).toBeNull();
    expect(cache.size).toBe(1); // a miss is not remembered
  });

  it("keeps at most maxEntries, dropping the least recently used", () => {
    const cache = new LocalAffinityCache(3);
    for (const id of ["a", "b", "c"]) cache.set(record(id));
    expect(cache.get("ws_1", "a")).not.toBeNull(); // a is now the most recent
    cache.set(record("d"));
    expect(cache.size).toBe(3);
    expect(cache.get("ws_1", "b")).toBeNull();
    for (const id of ["a", "c", "d"]) expect(cache.get("ws_1", id)?.id).toBe(id);
  });

  it("a second set of an id replaces it without growing; delete removes it", () => {
    const cache = new LocalAffinityCache(3);
    cache.set(record("a"));
    cache.set(record("a", { targetPath: "config.targets[0]" }));
    expect(cache.size).toBe(1);
    expect(cache.get("ws_1", "a")?.targetPath).toBe("config.targets[0]");
    cache.delete("ws_1", "a");
    expect(cache.get("ws_1", "a")).toBeNull();
  });
});

describe("parseRecord (a record as Redis holds it)", () => {
  it("round-trips a record through JSON, Date included", () => {
    const r = record("conv_1", {
      kind: "conversation",
      virtualKeyId: null,
      virtualKeySlug: null,
      virtualKeyVersion: null,
      deployment: "gpt4o",
    });
    expect(parseRecord(JSON.stringify(r), "ws_1", "conv_1")).toEqual(r);
  });

  it.each([
    ["not JSON", "{"],
    ["another id", JSON.stringify(record("resp_other"))],
    ["another workspace", JSON.stringify(record("resp_1", { workspaceId: "ws_2" }))],
    ["an unknown kind", JSON.stringify({ ...record("resp_1"), kind: "file" })],
    ["a missing upstream", JSON.stringify({ ...record("resp_1"), upstream: undefined })],
    ["a bad date", JSON.stringify({ ...record("resp_1"), createdAt: "yesterday" })],
    ["a fractional version", JSON.stringify({ ...record("resp_1"), virtualKeyVersion: 1.5 })],
  ])("refuses %s", (_, raw) => {
    expect(parseRecord(raw, "ws_1", "resp_1")).toBeNull();
  });
});
