import { describe, expect, it } from "vitest";
import { completeAt, jsonSyntaxError, levelAt, locatePath, parseIssuePath } from "./config-json";

const slugs = [
  { slug: "openai-prod-a1b2c3", detail: "OpenAI · prod" },
  { slug: "azure-eu-d4e5f6", detail: "Azure OpenAI · eu" },
];

/** `text` with the cursor where `|` is. */
function at(marked: string): [string, number] {
  const pos = marked.indexOf("|");
  return [marked.slice(0, pos) + marked.slice(pos + 1), pos];
}

describe("parseIssuePath", () => {
  it("reads the paths formatIssuePath writes", () => {
    expect(parseIssuePath("targets[1].retry.attempts")).toEqual(["targets", 1, "retry", "attempts"]);
    expect(parseIssuePath('strategy.conditions[0].query["metadata.tier"].$in')).toEqual([
      "strategy",
      "conditions",
      0,
      "query",
      "metadata.tier",
      "$in",
    ]);
    expect(parseIssuePath("")).toEqual([]);
  });
});

describe("jsonSyntaxError", () => {
  it("is null for JSON, and points at the first character the grammar cannot read", () => {
    expect(jsonSyntaxError('{"a": 1}')).toBeNull();
    const text = '{\n  "a": 1,\n  "b": ]\n}';
    const error = jsonSyntaxError(text);
    expect(error).not.toBeNull();
    expect(text.slice(error!.pos, error!.pos + 1)).toBe("]");
    expect(error!.message.length).toBeGreaterThan(0);
  });

  it("points at the end of an unfinished document", () => {
    const text = '{"a": [1, 2';
    expect(jsonSyntaxError(text)!.pos).toBe(text.length);
  });
});

describe("locatePath", () => {
  const text = JSON.stringify({ strategy: { mode: "fallbak" }, targets: [{ virtual_key: "x" }, { retry: { attempts: 9 } }] }, null, 2);

  it("finds a scalar value, and the key of a block", () => {
    const mode = locatePath(text, ["strategy", "mode"])!;
    expect(text.slice(mode.from, mode.to)).toBe('"fallbak"');
    expect(mode.exact).toBe(true);
    const attempts = locatePath(text, ["targets", 1, "retry", "attempts"])!;
    expect(text.slice(attempts.from, attempts.to)).toBe("9");
    const retry = locatePath(text, ["targets", 1, "retry"])!;
    expect(text.slice(retry.from, retry.to)).toBe('"retry"');
  });

  it("falls back to the deepest part that exists for a missing key", () => {
    const missing = locatePath(text, ["targets", 0, "strategy", "mode"])!;
    expect(missing.exact).toBe(false);
    expect(text.slice(missing.from, missing.to)).toBe("{");
    const root = locatePath(text, ["nope"])!;
    expect(root).toEqual({ from: 0, to: 1, exact: false });
  });
});

describe("levelAt", () => {
  it("follows targets and conditions to their levels; user data has none", () => {
    expect(levelAt([])?.name).toBe("target");
    expect(levelAt(["targets", 2, "targets", 0])?.name).toBe("target");
    expect(levelAt(["targets", 0, "retry"])?.name).toBe("retry");
    expect(levelAt(["strategy", "conditions", 1])?.name).toBe("condition");
    expect(levelAt(["circuitBreaker"])?.name).toBe("circuit_breaker");
    expect(levelAt(["override_params"])).toBeNull();
    expect(levelAt(["strategy", "conditions", 0, "query"])).toBeNull();
  });
});

describe("completeAt", () => {
  it("offers the schema's keys of the level, inside a key's quotes", () => {
    const [text, pos] = at('{\n  "targets": [{ "re|" }]\n}');
    const result = completeAt(text, pos, slugs)!;
    const labels = result.options.map((o) => o.label);
    expect(labels).toEqual(expect.arrayContaining(["virtual_key", "retry", "request_timeout", "on_status_codes", "targets", "weight"]));
    expect(labels).not.toContain("mode");
    expect(text.slice(result.from, result.to)).toBe("re");
    expect(result.options.find((o) => o.label === "retry")).toMatchObject({ apply: "retry", detail: "object" });
    expect(result.options.find((o) => o.label === "request_timeout")?.detail).toBe("number");
  });

  it("offers a nested level's keys: strategy, retry", () => {
    const [s, p] = at('{"strategy": {"|"}}');
    expect(completeAt(s, p, slugs)!.options.map((o) => o.label)).toEqual([
      "mode",
      "on_status_codes",
      "hedge",
      "by",
      "conditions",
      "default",
    ]);
    const [r, q] = at('{"targets": [{}, {"retry": {"a|');
    expect(completeAt(r, q, slugs)!.options.map((o) => o.label)).toEqual(["attempts", "on_status_codes", "use_retry_after_header"]);
  });

  it("writes a bare word where a key goes as a quoted key and a colon", () => {
    const [text, pos] = at('{\n  "strategy": {"mode": "fallback"},\n  ret|\n}');
    const result = completeAt(text, pos, slugs)!;
    expect(text.slice(result.from, result.to)).toBe("ret");
    expect(result.options.find((o) => o.label === "retry")?.apply).toBe('"retry": ');
  });

  it("offers the workspace's virtual-key slugs as a virtual_key's value", () => {
    const [text, pos] = at('{"targets": [{"virtual_key": "op|"}]}');
    const result = completeAt(text, pos, slugs)!;
    expect(result.options).toEqual([
      { label: "openai-prod-a1b2c3", detail: "OpenAI · prod", apply: "openai-prod-a1b2c3", type: "variable" },
      { label: "azure-eu-d4e5f6", detail: "Azure OpenAI · eu", apply: "azure-eu-d4e5f6", type: "variable" },
    ]);
    expect(text.slice(result.from, result.to)).toBe("op");
  });

  it("offers strategy modes and providers as values, camelCase keys included", () => {
    const [m, p] = at('{"strategy": {"mode": "|"}}');
    expect(completeAt(m, p, slugs)!.options.map((o) => o.label)).toEqual(["single", "fallback", "loadbalance", "conditional"]);
    const [b, bp] = at('{"strategy": {"mode": "loadbalance", "by": "|"}}');
    expect(completeAt(b, bp, slugs)!.options.map((o) => o.label)).toEqual(["weight", "latency", "in_flight"]);
    const [v, q] = at('{"virtualKey": "|');
    expect(completeAt(v, q, slugs)!.options).toHaveLength(2);
    const [pr, r] = at('{"provider": "|"}');
    expect(completeAt(pr, r, slugs)!.options.map((o) => o.label)).toContain("azure-openai");
  });

  it("offers nothing inside user data, in values it does not know, or after a value", () => {
    expect(completeAt(...at('{"override_params": {"|"}}'), slugs)).toBeNull();
    expect(completeAt(...at('{"name": "|"}'), slugs)).toBeNull();
    expect(completeAt(...at('{"weight": 1|}'), slugs)).toBeNull();
    expect(completeAt(...at("|"), slugs)).toBeNull();
  });

  it("offers the node's target names as a condition's then and a strategy's default, even before the targets in the text", () => {
    const [text, pos] = at(
      '{"strategy": {"mode": "conditional", "conditions": [{"query": {}, "then": "|"}]}, "targets": [{"name": "fast"}, {"name": "cheap"}, {}]}',
    );
    const result = completeAt(text, pos, slugs)!;
    expect(result.options.map((o) => o.label)).toEqual(["fast", "cheap"]);
    expect(result.options[0]).toMatchObject({ detail: "target name", apply: "fast" });
    const [d, q] = at(
      '{"targets": [{}, {"strategy": {"mode": "conditional", "default": "c|"}, "targets": [{"name": "a"}, {"name": "b"}]}]}',
    );
    expect(completeAt(d, q, slugs)!.options.map((o) => o.label)).toEqual(["a", "b"]);
  });
});
