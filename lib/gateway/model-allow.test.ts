import { describe, expect, it } from "vitest";
import { globMatches, modelAllowed } from "./model-allow";

describe("model allow-lists", () => {
  it.each([
    ["gpt-4o", "gpt-4o", true],
    ["gpt-4o", "gpt-4o-mini", false],
    ["gpt-4o*", "gpt-4o-mini", true],
    ["gpt-4o*", "gpt-4o", true],
    ["*-mini", "gpt-4o-mini", true],
    ["claude-*-4-5*", "claude-sonnet-4-5-20250929", true],
    ["claude-*-4-5", "claude-sonnet-4-5-20250929", false],
    ["*", "anything", true],
    ["gpt-4.1", "gpt-401", false], // "." is literal
    ["ft:gpt-4o:acme:*", "ft:gpt-4o:acme:x1", true],
    ["GPT-4o", "gpt-4o", false], // case-sensitive
    ["a*a*a*a*a*b", "a".repeat(60), false], // no backtracking blow-up
  ])("%s vs %s: %s", (pattern, model, expected) => {
    expect(globMatches(pattern, model)).toBe(expected);
  });

  it("any pattern of the list allows", () => {
    expect(modelAllowed(["gpt-4o", "o3*"], "o3-mini")).toBe(true);
    expect(modelAllowed(["gpt-4o", "o3*"], "gpt-4.1")).toBe(false);
    expect(modelAllowed([], "gpt-4o")).toBe(false);
  });
});
