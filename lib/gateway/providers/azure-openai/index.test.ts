import { describe, expect, it } from "vitest";
import { isBuildError, type BuildResult, type ProviderCredentials, type UpstreamRequest } from "../types";
import { azureOpenAiAdapter, buildAzureRequest } from ".";

const KEY = "azure-key-wxyz";
const chat = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
const creds: ProviderCredentials = {
  provider: "azure-openai",
  apiKey: KEY,
  resourceName: "my-resource",
  apiVersion: "2024-06-01",
  deployments: [
    { deploymentName: "prod-4o", alias: "gpt-4o", isDefault: false },
    { deploymentName: "prod-mini", alias: "gpt-4o-mini", isDefault: true, apiVersion: "2024-10-21" },
  ],
};

function built(result: BuildResult): UpstreamRequest {
  if (isBuildError(result)) throw new Error(`expected a request, got ${result.error.message}`);
  return result;
}

describe("Azure OpenAI request", () => {
  it.each(["chat/completions", "completions", "embeddings"] as const)("posts %s to the resource's deployment URL", (endpoint) => {
    const req = built(buildAzureRequest(endpoint, chat, creds));
    expect(req).toEqual({
      url: `https://my-resource.openai.azure.com/openai/deployments/prod-4o/${endpoint}?api-version=2024-06-01`,
      method: "POST",
      headers: { "api-key": KEY, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(chat),
      deployment: "prod-4o",
      apiVersion: "2024-06-01",
    });
  });

  it("keeps model in the body and never sends a Bearer header", () => {
    const req = built(buildAzureRequest("chat/completions", { ...chat, stream: true }, creds));
    expect(JSON.parse(req.body ?? "").model).toBe("gpt-4o");
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers.accept).toBe("text/event-stream");
  });

  it("chooses the default deployment and its own api-version for another model", () => {
    const req = built(buildAzureRequest("chat/completions", { ...chat, model: "gpt-4.1" }, creds));
    expect(req.url).toBe("https://my-resource.openai.azure.com/openai/deployments/prod-mini/chat/completions?api-version=2024-10-21");
  });

  it("custom_host replaces https://{resource}.openai.azure.com/openai, trailing slash tolerated", () => {
    for (const customHost of ["http://127.0.0.1:4010/openai", "http://127.0.0.1:4010/openai/"]) {
      const req = built(buildAzureRequest("embeddings", chat, { ...creds, resourceName: undefined, customHost }));
      expect(req.url).toBe("http://127.0.0.1:4010/openai/deployments/prod-4o/embeddings?api-version=2024-06-01");
    }
  });

  it("URL-encodes the deployment and the api-version", () => {
    const req = built(buildAzureRequest("chat/completions", chat, { ...creds, deploymentId: "a b/c?d#e", apiVersion: "2024&x=1" }));
    expect(req.url).toBe(
      "https://my-resource.openai.azure.com/openai/deployments/a%20b%2Fc%3Fd%23e/chat/completions?api-version=2024%26x%3D1",
    );
    expect(req.deployment).toBe("a b/c?d#e");
  });

  it("refuses dot-segment deployment names that would climb the path", () => {
    for (const deploymentId of ["..", "%2e%2E"]) {
      const result = buildAzureRequest("chat/completions", chat, { ...creds, deploymentId });
      expect(result).toMatchObject({ error: { status: 400, code: "invalid_deployment" } });
    }
  });

  it("refuses a missing resource name without custom_host", () => {
    const result = buildAzureRequest("chat/completions", chat, { ...creds, resourceName: undefined });
    expect(result).toMatchObject({ error: { status: 400, code: "missing_resource_name", param: "resource_name" } });
    if (isBuildError(result)) expect(result.error.message).toContain("resource_name");
  });

  it("refuses a resource name that would change the host", () => {
    for (const resourceName of ["evil.example.com/x#", "a b", "-lead", "x".repeat(65)]) {
      expect(buildAzureRequest("chat/completions", chat, { ...creds, resourceName })).toMatchObject({
        error: { status: 400, code: "invalid_resource_name" },
      });
    }
  });

  it("passes a deployment choice error through", () => {
    const result = buildAzureRequest("chat/completions", chat, { ...creds, deployments: [] });
    expect(result).toMatchObject({ error: { status: 400, code: "missing_deployment" } });
  });

  it("lists the model names its deployments answer to", () => {
    const list = [
      { deploymentName: "a", alias: "gpt-4o", isDefault: false },
      { deploymentName: "b", alias: "gpt-4o", isDefault: true },
      { deploymentName: "embed", alias: null, isDefault: false },
    ];
    expect(azureOpenAiAdapter.listModels?.({ ...creds, deployments: list })).toEqual(["gpt-4o", "embed"]);
    expect(azureOpenAiAdapter.listModels?.({ ...creds, deploymentId: "fixed" })).toEqual([]);
  });
});
