import { describe, expect, it } from "vitest";
import { getRuntime } from "./runtime";
import { peekRuntime, RUNTIME_SLOT } from "./runtime-slot";

describe("the runtime", () => {
  it("is one object in one global slot, found by every reader", () => {
    const rt = getRuntime();
    expect(getRuntime()).toBe(rt);
    expect(peekRuntime()).toBe(rt);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("detour.runtime")]).toBe(rt);
    expect(RUNTIME_SLOT).toBe(Symbol.for("detour.runtime"));
  });

  it("has every part's key from the start (one shape)", () => {
    const rt = getRuntime();
    expect(Object.keys(rt)).toEqual(
      expect.arrayContaining(["env", "db", "logWriter", "redis", "gateway", "inferenceHandlers", "stopping"]),
    );
  });
});
