import { describe, expect, it } from "vitest";
import { getProviderAdapter } from "../providers/registry";
import { assertVirtualKeyDestination, refusedVirtualKeyOrigin, virtualKeyDestinationMessage, virtualKeyOrigins } from "./virtual-key-hosts";

const openai = getProviderAdapter("openai")!;
const azure = getProviderAdapter("azure-openai")!;

describe("where a virtual key's secret may go", () => {
  const allowed = virtualKeyOrigins(openai, { customHost: "http://127.0.0.1:4010/v1", allowedHosts: ["https://proxy.example:8443"] });

  it("allows the default host, the key's own custom host and its allowed_hosts, compared as origins", () => {
    expect([...allowed]).toEqual(["https://api.openai.com", "http://127.0.0.1:4010", "https://proxy.example:8443"]);
    for (const customHost of [
      undefined,
      "http://127.0.0.1:4010/other/",
      "HTTP://127.0.0.1:4010",
      "https://PROXY.example:8443/v1",
      "https://api.openai.com./v1",
    ]) {
      expect(
        refusedVirtualKeyOrigin(allowed, openai, { provider: "openai", apiKey: "", ...(customHost ? { customHost } : {}) }),
        customHost,
      ).toBeUndefined();
    }
    const az = virtualKeyOrigins(azure, { resourceName: "Detour-Own", allowedHosts: [] });
    expect(refusedVirtualKeyOrigin(az, azure, { provider: "azure-openai", apiKey: "", resourceName: "Detour-Own" })).toBeUndefined();
  });

  it("refuses any other origin (another port too) and names it; a destination that is no URL is left to the custom-host check", () => {
    expect(refusedVirtualKeyOrigin(allowed, openai, { provider: "openai", apiKey: "", customHost: "https://proxy.example/v1" })).toBe(
      "https://proxy.example",
    );
    expect(
      refusedVirtualKeyOrigin(allowed, openai, { provider: "openai", apiKey: "", customHost: "https://elsewhere.example:443/v1" }),
    ).toBe("https://elsewhere.example");
    expect(refusedVirtualKeyOrigin(allowed, openai, { provider: "openai", apiKey: "", customHost: "not a url" })).toBeUndefined();
  });

  it("one wording at use and at save: the key, the allowed origins, what chose the host, how to allow it", () => {
    const message = virtualKeyDestinationMessage(
      "vk-main",
      allowed,
      "https://elsewhere.example",
      "the config's custom_host (config.targets[1])",
    );
    expect(message).toBe(
      'Virtual key "vk-main" may only send its provider key to its provider\'s default host or its own custom host (https://api.openai.com, http://127.0.0.1:4010, https://proxy.example:8443); ' +
        "the config's custom_host (config.targets[1]) points it at https://elsewhere.example. To allow that host, an admin adds \"https://elsewhere.example\" to the virtual key's allowed_hosts " +
        "(PUT /v1/virtual-keys/vk-main or the key's dashboard page).",
    );
    expect(() =>
      assertVirtualKeyDestination(
        "vk-main",
        allowed,
        openai,
        { provider: "openai", apiKey: "", customHost: "https://elsewhere.example/v1" },
        { what: "the config's custom_host (config.targets[1])", param: "custom_host" },
      ),
    ).toThrow(expect.objectContaining({ status: 400, code: "custom_host_not_allowed_for_virtual_key", param: "custom_host", message }));
  });

  it("an Azure key's secret goes to the one host its resource_name names: Azure OpenAI's or Foundry's, not the other", () => {
    const creds = (extra: Record<string, string>) => ({ provider: "azure-openai" as const, apiKey: "", ...extra });
    const plain = virtualKeyOrigins(azure, { resourceName: "res", allowedHosts: [] });
    const foundry = virtualKeyOrigins(azure, { resourceName: "res.services.ai.azure.com", allowedHosts: [] });
    expect([...plain]).toEqual(["https://res.openai.azure.com"]);
    expect([...foundry]).toEqual(["https://res.services.ai.azure.com"]);
    expect(refusedVirtualKeyOrigin(foundry, azure, creds({ resourceName: "res.services.ai.azure.com" }))).toBeUndefined();
    expect(refusedVirtualKeyOrigin(foundry, azure, creds({ resourceName: "res" }))).toBe("https://res.openai.azure.com");
    expect(refusedVirtualKeyOrigin(plain, azure, creds({ resourceName: "res.services.ai.azure.com" }))).toBe(
      "https://res.services.ai.azure.com",
    );
    // A v1 base URL on the resource's own host is that origin; Foundry's v1 URL for a plain key is not.
    expect(refusedVirtualKeyOrigin(plain, azure, creds({ customHost: "https://res.openai.azure.com/openai/v1" }))).toBeUndefined();
    expect(refusedVirtualKeyOrigin(plain, azure, creds({ customHost: "https://res.services.ai.azure.com/openai/v1" }))).toBe(
      "https://res.services.ai.azure.com",
    );
    // A resource name of no accepted form gives no default host at all (nothing to send to).
    expect([...virtualKeyOrigins(azure, { resourceName: "res.example.com", allowedHosts: [] })]).toEqual([]);
  });

  it("a key whose own custom host is a v1 base URL allows that origin", () => {
    const v1 = virtualKeyOrigins(azure, { customHost: "https://gw.example/openai/v1", allowedHosts: [] });
    expect([...v1]).toEqual(["https://gw.example"]);
    expect(
      refusedVirtualKeyOrigin(v1, azure, { provider: "azure-openai", apiKey: "", customHost: "https://gw.example/openai/v1/" }),
    ).toBeUndefined();
  });
});
