import { describe, expect, it } from "vitest";
import type { TargetNode } from "../types";
import { azureOpenAiInfo } from "./info";

function issues(node: TargetNode): [string, string][] {
  const found: [string, string][] = [];
  azureOpenAiInfo.checkTarget(node, (path, message) => found.push([path.join("."), message]));
  return found;
}

const target = { provider: "azure-openai", api_key: "k", deployment_id: "d" };

describe("Azure config target rules", () => {
  it("takes v1 or a dated api-version; without one a target must have a v1 base URL as custom_host", () => {
    expect(issues({ ...target, resource_name: "res", api_version: "v1" })).toEqual([]);
    expect(issues({ ...target, resource_name: "res", api_version: "2024-10-21" })).toEqual([]);
    expect(issues({ ...target, resource_name: "res" })).toEqual([
      ["api_version", 'is required with provider azure-openai ("v1" or a dated version such as 2024-10-21)'],
    ]);
    expect(issues({ ...target, custom_host: "https://x.openai.azure.com/openai/v1/" })).toEqual([]);
    expect(issues({ ...target, custom_host: "https://gw.example/openai" }).map(([path]) => path)).toEqual(["api_version"]);
  });

  it("refuses a dated api-version beside a v1 base URL", () => {
    const found = issues({ ...target, custom_host: "https://gw.example/openai/v1", api_version: "2024-10-21" });
    expect(found).toHaveLength(1);
    expect(found[0]?.[0]).toBe("api_version");
    expect(found[0]?.[1]).toMatch(/^"2024-10-21" is a dated api-version, but custom_host ends in \/openai\/v1/);
    expect(issues({ ...target, custom_host: "https://gw.example/openai/v1", api_version: "preview" })).toEqual([]);
  });

  it("accepts a resource name or a full Azure OpenAI / Foundry host as resource_name, nothing else", () => {
    for (const resource_name of ["res", "res.openai.azure.com", "res.services.ai.azure.com"]) {
      expect(issues({ ...target, resource_name, api_version: "v1" }), resource_name).toEqual([]);
    }
    for (const resource_name of ["res.example.com", "res.cognitiveservices.azure.com", "https://res.services.ai.azure.com"]) {
      expect(issues({ ...target, resource_name, api_version: "v1" }), resource_name).toEqual([
        [
          "resource_name",
          "must be a resource name (letters, digits and hyphens) or a full host <name>.openai.azure.com or <name>.services.ai.azure.com",
        ],
      ]);
    }
  });

  it("still refuses Azure's keys on other targets", () => {
    expect(issues({ virtual_key: "vk", api_version: "v1" })).toEqual([
      ["api_version", "is only used with provider azure-openai (an Azure virtual key carries its own deployments)"],
    ]);
  });
});
