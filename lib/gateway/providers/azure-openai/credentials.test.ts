import { describe, expect, it } from "vitest";
import { openAiAdapter } from "../openai";
import type { ProviderAdapter } from "../types";
import { azureOpenAiAdapter } from ".";

// Called as shared code calls it: through the interface.
const openai: ProviderAdapter = openAiAdapter;

const deployments = [{ deploymentName: "prod-4o", alias: "gpt-4o", apiVersion: null, isDefault: true }];

describe("how credentials resolve", () => {
  it("takes an Azure virtual key's resource, api-version and deployments; the target's own keys win", () => {
    const key = { resourceName: "res", apiVersion: "2024-06-01", customHost: "https://proxy.example/openai", deployments };
    expect(azureOpenAiAdapter.credentials("k", key, {})).toEqual({
      provider: "azure-openai",
      apiKey: "k",
      resourceName: "res",
      apiVersion: "2024-06-01",
      deployments,
    });
    expect(azureOpenAiAdapter.credentials("k", key, { api_version: "2025-01-01", deployment_id: "fixed" })).toMatchObject({
      apiVersion: "2025-01-01",
      deploymentId: "fixed",
      resourceName: "res",
    });
  });

  it("reads a provider target's keys over the direct-mode headers'", () => {
    const direct = { resource_name: "from-header", deployment_id: "d-header", api_version: "v-header" };
    expect(azureOpenAiAdapter.credentials("k", null, { resource_name: "from-config" }, direct)).toEqual({
      provider: "azure-openai",
      apiKey: "k",
      resourceName: "from-config",
      deploymentId: "d-header",
      apiVersion: "v-header",
    });
  });

  it("gives OpenAI the key only, whatever else the target or headers carry", () => {
    expect(openai.credentials("sk-x", { resourceName: "res", deployments }, { resource_name: "r" }, { api_version: "v" })).toEqual({
      provider: "openai",
      apiKey: "sk-x",
    });
  });

  it("keeps the circuit breaker's upstream part of earlier versions (resource, deployment)", () => {
    expect(azureOpenAiAdapter.upstreamKey({ provider: "azure-openai", apiKey: "", resourceName: "r", deploymentId: "d" })).toBe("r\0d");
    expect(azureOpenAiAdapter.upstreamKey({ provider: "azure-openai", apiKey: "" })).toBe("\0");
    expect(openai.upstreamKey({ provider: "openai", apiKey: "" })).toBe("\0");
  });
});
