import { describe, expect, it } from "vitest";
import { chooseAzureDeployment, DEFAULT_AZURE_API_VERSION, type AzureDeployment } from "./deployments";

const dep = (deploymentName: string, alias: string | null, extra: Partial<AzureDeployment> = {}): AzureDeployment => ({
  deploymentName,
  alias,
  isDefault: false,
  ...extra,
});

const deployments = [
  dep("prod-4o", "gpt-4o", { apiVersion: "2024-06-01" }),
  dep("prod-mini", "gpt-4o-mini", { isDefault: true }),
  dep("embed-small", null),
];

describe("Azure deployment choice", () => {
  it("uses the deployment whose alias equals the model, with its own api-version", () => {
    expect(chooseAzureDeployment("gpt-4o", { deployments, apiVersion: "2024-02-01" })).toEqual({
      deployment: "prod-4o",
      apiVersion: "2024-06-01",
    });
  });

  it("falls back to the key's api-version, then the documented default", () => {
    expect(chooseAzureDeployment("gpt-4o-mini", { deployments, apiVersion: "2024-02-01" })).toEqual({
      deployment: "prod-mini",
      apiVersion: "2024-02-01",
    });
    expect(chooseAzureDeployment("gpt-4o-mini", { deployments })).toEqual({
      deployment: "prod-mini",
      apiVersion: DEFAULT_AZURE_API_VERSION,
    });
    expect(DEFAULT_AZURE_API_VERSION).toBe("2024-10-21");
    // The builder's fallback on a v1 base URL; a version the deployment or key names still wins.
    expect(chooseAzureDeployment("gpt-4o-mini", { deployments }, "v1")).toMatchObject({ apiVersion: "v1" });
    expect(chooseAzureDeployment("gpt-4o", { deployments }, "v1")).toMatchObject({ apiVersion: "2024-06-01" });
  });

  it("uses the default deployment for a model no alias names, or no model at all", () => {
    expect(chooseAzureDeployment("gpt-4.1", { deployments })).toMatchObject({ deployment: "prod-mini" });
    expect(chooseAzureDeployment(undefined, { deployments })).toMatchObject({ deployment: "prod-mini" });
  });

  it("lets a deployment without an alias answer to its own name", () => {
    expect(chooseAzureDeployment("embed-small", { deployments })).toMatchObject({ deployment: "embed-small" });
    // ...but not one that has an alias: its name is then not a model name
    expect(chooseAzureDeployment("prod-4o", { deployments })).toMatchObject({ deployment: "prod-mini" });
  });

  it("prefers an alias match over a name match, and the first of equal matches", () => {
    const list = [dep("gpt-4o", null), dep("b", "gpt-4o"), dep("c", "gpt-4o")];
    expect(chooseAzureDeployment("gpt-4o", { deployments: list })).toMatchObject({ deployment: "b" });
  });

  it("uses the only deployment when there is one, whatever the model", () => {
    expect(chooseAzureDeployment("anything", { deployments: [dep("solo", "gpt-4o")] })).toMatchObject({ deployment: "solo" });
  });

  it("lets a fixed deploymentId win, with that deployment's api-version when the key lists it", () => {
    expect(chooseAzureDeployment("gpt-4o", { deployments, deploymentId: "embed-small", apiVersion: "v-key" })).toEqual({
      deployment: "embed-small",
      apiVersion: "v-key",
    });
    expect(chooseAzureDeployment("gpt-4o-mini", { deployments, deploymentId: "prod-4o" })).toEqual({
      deployment: "prod-4o",
      apiVersion: "2024-06-01",
    });
    expect(chooseAzureDeployment("x", { deploymentId: "direct", apiVersion: "2025-01-01-preview" })).toEqual({
      deployment: "direct",
      apiVersion: "2025-01-01-preview",
    });
  });

  it("refuses with a 400 naming the model and the deployments known when nothing matches", () => {
    const list = [dep("a", "gpt-4o"), dep("b", null, { apiVersion: "" })];
    const result = chooseAzureDeployment("gpt-4.1", { deployments: list });
    expect(result).toMatchObject({ error: { status: 400, code: "deployment_not_found", param: "model" } });
    const message = "error" in result ? result.error.message : "";
    expect(message).toContain('"gpt-4.1"');
    expect(message).toContain('"a" (alias "gpt-4o")');
    expect(message).toContain('"b" (no alias)');
  });

  it("refuses when no deployment is configured at all", () => {
    expect(chooseAzureDeployment("gpt-4o", { deployments: [] })).toMatchObject({
      error: { status: 400, code: "missing_deployment" },
    });
  });
});
