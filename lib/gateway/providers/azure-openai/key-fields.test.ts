/** An Azure virtual key's own fields through the management API's body schemas (no HTTP). */
import { describe, expect, it } from "vitest";
import { DetourError } from "../../../errors";
import { parseInput } from "../../../api/input";
import { createVirtualKeySchema, keyDetailsFrom, updateVirtualKeySchema, virtualKeyShapeIssues } from "../../../api/virtual-key-schemas";

const body = { name: "Azure", provider: "azure-openai", key: "k-000000000000", resource_name: "res", deployment_name: "prod" };

function issuesOf(input: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parseInput(createVirtualKeySchema, input);
  } catch (err) {
    if (err instanceof DetourError) return [...(err.issues ?? [])];
    throw err;
  }
  return [];
}

describe("Azure virtual key fields", () => {
  it("stores v1 on a new key that names no api_version; an update leaves the stored one alone", () => {
    expect(keyDetailsFrom(parseInput(createVirtualKeySchema, body), "create").apiVersion).toBe("v1");
    expect(keyDetailsFrom(parseInput(createVirtualKeySchema, { ...body, api_version: "2024-10-21" }), "create").apiVersion).toBe(
      "2024-10-21",
    );
    expect(keyDetailsFrom(parseInput(createVirtualKeySchema, { ...body, apiVersion: " V1 " }), "create").apiVersion).toBe("v1");
    expect(keyDetailsFrom(parseInput(updateVirtualKeySchema, { provider: "azure-openai", name: "renamed" }), "update").apiVersion).toBe(
      undefined,
    );
    expect(keyDetailsFrom(parseInput(updateVirtualKeySchema, { api_version: null }), "update").apiVersion).toBe(null);
    // Not for other providers' keys: api_version is Azure's.
    expect(keyDetailsFrom(parseInput(createVirtualKeySchema, { name: "o", provider: "openai", key: "sk-x" }), "create").apiVersion).toBe(
      undefined,
    );
  });

  it("takes a Foundry or Azure OpenAI host in full as resource_name, and refuses any other host", () => {
    for (const resource_name of ["res.services.ai.azure.com", "res.openai.azure.com"]) {
      expect(issuesOf({ ...body, resource_name }), resource_name).toEqual([]);
    }
    for (const resource_name of [
      "res.cognitiveservices.azure.com",
      "res.services.ai.azure.com.example",
      "https://res.services.ai.azure.com",
    ]) {
      expect(issuesOf({ ...body, resource_name }), resource_name).toEqual([
        {
          path: "resource_name",
          message:
            "must be a resource name (letters, digits and hyphens) or a full host <name>.openai.azure.com or <name>.services.ai.azure.com",
        },
      ]);
    }
  });

  it("takes a v1 base URL as custom_host, with v1 (stored by default) and never with a dated api-version", () => {
    const v1Host = { ...body, resource_name: undefined, custom_host: "https://gw.example/openai/v1" };
    expect(issuesOf(v1Host)).toEqual([]);
    expect(keyDetailsFrom(parseInput(createVirtualKeySchema, v1Host), "create").apiVersion).toBe("v1");
    const dated = issuesOf({ ...v1Host, api_version: "2024-10-21" });
    expect(dated.map((i) => i.path)).toEqual(["api_version"]);
    expect(dated[0]?.message).toContain("custom_host ends in /openai/v1");
    const deployment = issuesOf({
      ...v1Host,
      deployment_name: undefined,
      deployments: [{ deployment_name: "a" }, { deployment_name: "b", api_version: "2025-01-01-preview" }],
    });
    expect(deployment.map((i) => i.path)).toEqual(["deployments[1].api_version"]);
    // The merged key of an update is checked the same way.
    expect(
      virtualKeyShapeIssues({
        provider: "azure-openai",
        resourceName: null,
        apiVersion: "2024-06-01",
        customHost: "https://x.openai.azure.com/openai/v1/",
        deployments: [{ deploymentName: "d", alias: null, apiVersion: null, isDefault: true }],
      }).map((i) => i.path),
    ).toEqual([["api_version"]]);
  });
});
