import { describe, expect, it } from "vitest";
import { built } from "@/testing/build-result";
import { isBuildError, type ProviderCredentials, type UpstreamRequest } from "../types";
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

describe("Azure's v1 API and Azure AI Foundry hosts", () => {
  const v1 = { ...creds, apiVersion: "v1" };
  const sent = (req: UpstreamRequest) => JSON.parse(req.body ?? "") as Record<string, unknown>;

  // Every combination of API form and host: [what, credentials, expected URL of chat/completions for "gpt-4o"].
  const matrix: [string, ProviderCredentials, string][] = [
    ["v1, resource", v1, "https://my-resource.openai.azure.com/openai/v1/chat/completions"],
    ["dated, resource", creds, "https://my-resource.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-06-01"],
    [
      "v1, Foundry host",
      { ...v1, resourceName: "My-Foundry.services.ai.azure.com" },
      "https://my-foundry.services.ai.azure.com/openai/v1/chat/completions",
    ],
    [
      "dated, Foundry host",
      { ...creds, resourceName: "my-foundry.services.ai.azure.com" },
      "https://my-foundry.services.ai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-06-01",
    ],
    [
      "v1, Azure OpenAI host given in full",
      { ...v1, resourceName: "my-resource.openai.azure.com" },
      "https://my-resource.openai.azure.com/openai/v1/chat/completions",
    ],
    [
      "v1, custom host ending in /openai",
      { ...v1, customHost: "https://gw.example/aoai/openai/" },
      "https://gw.example/aoai/openai/v1/chat/completions",
    ],
    [
      "dated, custom host ending in /openai",
      { ...creds, customHost: "https://gw.example/aoai/openai" },
      "https://gw.example/aoai/openai/deployments/prod-4o/chat/completions?api-version=2024-06-01",
    ],
    [
      "v1 base URL as custom host, no api-version anywhere",
      {
        ...creds,
        apiVersion: undefined,
        deployments: [{ deploymentName: "prod-4o", alias: "gpt-4o", isDefault: true }],
        customHost: "https://x.openai.azure.com/openai/v1/",
      },
      "https://x.openai.azure.com/openai/v1/chat/completions",
    ],
    [
      "v1 base URL as custom host with api-version v1",
      { ...v1, customHost: "https://proxy.example/openai/v1" },
      "https://proxy.example/openai/v1/chat/completions",
    ],
    [
      "Foundry v1 base URL as custom host",
      { ...v1, customHost: "https://my-foundry.services.ai.azure.com/openai/v1" },
      "https://my-foundry.services.ai.azure.com/openai/v1/chat/completions",
    ],
    [
      "v1 preview channel",
      { ...creds, apiVersion: "preview" },
      "https://my-resource.openai.azure.com/openai/v1/chat/completions?api-version=preview",
    ],
    ["v1 in another case", { ...creds, apiVersion: "V1" }, "https://my-resource.openai.azure.com/openai/v1/chat/completions"],
  ];

  it.each(matrix)("%s", (_what, c, url) => {
    const req = built(buildAzureRequest("chat/completions", chat, c));
    expect(req.url).toBe(url);
    expect(req.headers["api-key"]).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.deployment).toBe("prod-4o");
    // v1 names the deployment in the body's model; the dated form keeps the body as sent.
    expect(sent(req).model).toBe(url.includes("/deployments/") ? "gpt-4o" : "prod-4o");
    expect(req.apiVersion).toBe(url.includes("/deployments/") ? "2024-06-01" : url.includes("preview") ? "preview" : "v1");
  });

  it.each(["chat/completions", "completions", "embeddings"] as const)(
    "v1 posts %s below /openai/v1 with the deployment as model",
    (endpoint) => {
      const req = built(buildAzureRequest(endpoint, { ...chat, stream: true }, v1));
      expect(req.url).toBe(`https://my-resource.openai.azure.com/openai/v1/${endpoint}`);
      expect(sent(req)).toEqual({ ...chat, stream: true, model: "prod-4o" });
      expect(req.headers.accept).toBe("text/event-stream");
    },
  );

  it("chooses the deployment as the dated form does: alias, default, a fixed deployment_id; each deployment's own api-version decides its form", () => {
    const mixed = {
      ...v1,
      deployments: [
        { deploymentName: "prod-4o", alias: "gpt-4o", isDefault: false },
        { deploymentName: "legacy", alias: "gpt-35-turbo-instruct", isDefault: false, apiVersion: "2024-10-21" },
        { deploymentName: "prod-mini", alias: "gpt-4o-mini", isDefault: true },
      ],
    };
    const by = (model: string, extra: Partial<ProviderCredentials> = {}) =>
      built(buildAzureRequest("chat/completions", { ...chat, model }, { ...mixed, ...extra }));
    expect([by("gpt-4.1").url, sent(by("gpt-4.1")).model]).toEqual([
      "https://my-resource.openai.azure.com/openai/v1/chat/completions",
      "prod-mini",
    ]);
    expect(by("gpt-35-turbo-instruct").url).toBe(
      "https://my-resource.openai.azure.com/openai/deployments/legacy/chat/completions?api-version=2024-10-21",
    );
    expect(sent(by("gpt-35-turbo-instruct")).model).toBe("gpt-35-turbo-instruct");
    expect(sent(by("gpt-4o", { deploymentId: "pinned" })).model).toBe("pinned");
    // A key on a dated version with one deployment on v1.
    const req = built(
      buildAzureRequest(
        "embeddings",
        { model: "e" },
        { ...creds, deploymentId: "embed", deployments: [{ deploymentName: "embed", isDefault: true, apiVersion: "v1" }] },
      ),
    );
    expect([req.url, sent(req).model]).toEqual(["https://my-resource.openai.azure.com/openai/v1/embeddings", "embed"]);
  });

  it("sends a deployment name that would be a dot segment in the dated path as a plain model on v1", () => {
    const req = built(buildAzureRequest("chat/completions", chat, { ...v1, deploymentId: ".." }));
    expect([req.url, sent(req).model]).toEqual(["https://my-resource.openai.azure.com/openai/v1/chat/completions", ".."]);
  });

  it("refuses a dated api-version on a v1 base URL, naming both", () => {
    const result = buildAzureRequest("chat/completions", chat, { ...creds, customHost: "https://x.openai.azure.com/openai/v1" });
    expect(result).toMatchObject({ error: { status: 400, code: "invalid_custom_host", param: "custom_host" } });
    const message = isBuildError(result) ? result.error.message : "";
    expect(message).toContain('"2024-06-01" is a dated api-version');
    expect(message).toContain("/openai/v1");
  });

  it("accepts exactly the two resource host forms, and no other host", () => {
    for (const resourceName of ["x.openai.azure.com", "x.services.ai.azure.com", "X.Services.AI.Azure.Com"]) {
      expect(isBuildError(buildAzureRequest("chat/completions", chat, { ...v1, resourceName })), resourceName).toBe(false);
    }
    for (const resourceName of [
      "x.cognitiveservices.azure.com",
      "x.services.ai.azure.com.evil.example",
      "evil.example",
      "a.b.openai.azure.com",
      "x.openai.azure.com/",
      "https://x.services.ai.azure.com",
      ".services.ai.azure.com",
    ]) {
      const result = buildAzureRequest("chat/completions", chat, { ...v1, resourceName });
      expect(result, resourceName).toMatchObject({ error: { status: 400, code: "invalid_resource_name", param: "resource_name" } });
      if (isBuildError(result)) expect(result.error.message).toContain("<name>.services.ai.azure.com");
    }
  });

  it("names the resource's own host as its default base URL (where a virtual key's secret may go)", () => {
    const base = (resourceName?: string) => azureOpenAiAdapter.defaultBaseUrl({ provider: "azure-openai", apiKey: "", resourceName });
    expect(base("Res")).toBe("https://res.openai.azure.com/openai");
    expect(base("res.services.ai.azure.com")).toBe("https://res.services.ai.azure.com/openai");
    expect(base("res.openai.azure.com")).toBe("https://res.openai.azure.com/openai");
    expect(base("res.example.com")).toBeUndefined();
    expect(base(undefined)).toBeUndefined();
  });
});

describe("Azure OpenAI Responses API", () => {
  const body = { model: "gpt-4o", input: "hi" };

  it("dated form: /openai/responses with a Responses api-version, the deployment as the body's model", () => {
    const req = built(buildAzureRequest("responses", body, creds));
    expect(req.url).toBe("https://my-resource.openai.azure.com/openai/responses?api-version=2025-04-01-preview");
    expect(JSON.parse(req.body ?? "")).toEqual({ model: "prod-4o", input: "hi" });
    expect([req.deployment, req.apiVersion]).toEqual(["prod-4o", "2025-04-01-preview"]);
    // A preview from 2025-03-01 on is kept as it is.
    const newer = built(
      buildAzureRequest("responses", body, { ...creds, apiVersion: "2025-05-01-preview", deployments: [], deploymentId: "d1" }),
    );
    expect(newer.url).toBe("https://my-resource.openai.azure.com/openai/responses?api-version=2025-05-01-preview");
  });

  it("v1 form: /openai/v1/responses, no api-version", () => {
    const req = built(buildAzureRequest("responses", body, { ...creds, apiVersion: "v1" }));
    expect(req.url).toBe("https://my-resource.openai.azure.com/openai/v1/responses");
    expect(JSON.parse(req.body ?? "")).toEqual({ model: "prod-4o", input: "hi" });
  });

  it("calls on a stored response need no deployment; the caller cannot choose the api-version", () => {
    const call = {
      method: "GET" as const,
      id: "resp_1",
      query: [
        ["api-version", "2020-01-01"],
        ["stream", "true"],
      ] as [string, string][],
    };
    const dated = built(buildAzureRequest("responses/{id}", {}, creds, call));
    expect(dated).toEqual({
      url: "https://my-resource.openai.azure.com/openai/responses/resp_1?stream=true&api-version=2025-04-01-preview",
      method: "GET",
      headers: { "api-key": KEY, accept: "text/event-stream" },
      apiVersion: "2025-04-01-preview",
    });
    const v1 = built(
      buildAzureRequest("responses/{id}/input_items", {}, { ...creds, apiVersion: "v1" }, { method: "GET", id: "resp_1", query: [] }),
    );
    expect(v1.url).toBe("https://my-resource.openai.azure.com/openai/v1/responses/resp_1/input_items");
  });
});

describe("Azure OpenAI: the model a deployment stands for", () => {
  it("is its alias, or its own name without one; unknown names stand for nothing", () => {
    expect(azureOpenAiAdapter.modelOfDeployment("prod-4o", creds as never)).toBe("gpt-4o");
    expect(azureOpenAiAdapter.modelOfDeployment("elsewhere", creds as never)).toBeUndefined();
  });
});
