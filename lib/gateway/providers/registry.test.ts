import { describe, expect, it } from "vitest";
import { PROVIDERS } from "../config/schema";
import { getProviderAdapter, isProviderId, PROVIDER_ADAPTERS } from "./registry";

describe("provider registry", () => {
  it("has one adapter per provider the config schema accepts, under its own id", () => {
    for (const id of PROVIDERS) expect(PROVIDER_ADAPTERS[id].id).toBe(id);
    expect(Object.keys(PROVIDER_ADAPTERS).sort()).toEqual([...PROVIDERS].sort());
  });

  it("finds adapters by id and nothing for unknown or inherited names", () => {
    expect(getProviderAdapter("openai")?.id).toBe("openai");
    expect(getProviderAdapter("azure-openai")?.id).toBe("azure-openai");
    for (const name of ["anthropic", "OpenAI", "toString", "__proto__", ""]) expect(getProviderAdapter(name)).toBeUndefined();
    expect(isProviderId(42)).toBe(false);
  });
});
