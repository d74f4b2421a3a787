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
});
