import { describe, expect, it } from "vitest";
import { PROVIDERS } from "../config/schema";
import { PROVIDER_CATALOG, PROVIDER_DIRECT_HEADERS, PROVIDER_TARGET_KEYS, providerLabel } from "./catalog";
import { getProviderAdapter, isProviderId, PROVIDER_ADAPTERS } from "./registry";

describe("provider registry", () => {
  it("has one adapter per provider the config schema accepts, under its own id", () => {
    for (const id of PROVIDERS) expect(PROVIDER_ADAPTERS[id].id).toBe(id);
    expect(Object.keys(PROVIDER_ADAPTERS).sort()).toEqual([...PROVIDERS].sort());
  });

  it("lists the same providers in the catalog and the registry, each adapter with its catalog entry", () => {
    expect(PROVIDERS).toEqual(PROVIDER_CATALOG.map((p) => p.id));
    for (const info of PROVIDER_CATALOG) expect(PROVIDER_ADAPTERS[info.id].info).toBe(info);
  });

  it("gives every provider target key and direct-mode header one owner", () => {
    expect(new Set(PROVIDER_TARGET_KEYS).size).toBe(PROVIDER_TARGET_KEYS.length);
    expect(new Set(PROVIDER_DIRECT_HEADERS.map(([header]) => header)).size).toBe(PROVIDER_DIRECT_HEADERS.length);
    for (const [header, key] of PROVIDER_DIRECT_HEADERS) {
      expect(header).toBe(header.toLowerCase());
      expect(PROVIDER_TARGET_KEYS).toContain(key);
    }
  });

  it("finds adapters by id and nothing for unknown or inherited names", () => {
    expect(getProviderAdapter("openai")?.id).toBe("openai");
    expect(getProviderAdapter("azure-openai")?.id).toBe("azure-openai");
    expect(getProviderAdapter("anthropic")?.id).toBe("anthropic");
    for (const name of ["Anthropic", "OpenAI", "toString", "__proto__", ""]) expect(getProviderAdapter(name)).toBeUndefined();
    expect(isProviderId(42)).toBe(false);
  });

  it("names providers by their label, unknown ids as they are", () => {
    expect(providerLabel("azure-openai")).toBe("Azure OpenAI");
    expect(providerLabel("openai")).toBe("OpenAI");
    expect(providerLabel("toString")).toBe("toString");
  });
});
