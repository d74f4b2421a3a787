/** The management API's body schemas (shared with the dashboard's forms), without HTTP. */
import { describe, expect, it } from "vitest";
import { DetourError } from "../errors";
import { createApiKeySchema, rotateApiKeySchema, updateApiKeySchema } from "./api-key-schemas";
import { createConfigSchema, updateConfigSchema } from "./config-schemas";
import { parseInput } from "./input";
import { deploymentsFrom } from "../gateway/providers/azure-openai/key-fields";
import { createVirtualKeySchema, virtualKeyShapeIssues } from "./virtual-key-schemas";

function issuesOf(run: () => unknown): { code: string; issues: readonly { path: string; message: string }[] } {
  try {
    run();
  } catch (err) {
    if (err instanceof DetourError) return { code: err.code, issues: err.issues ?? [] };
    throw err;
  }
  throw new Error("expected a validation error");
}

describe("virtual key schemas", () => {
  it("normalises the SDK's camelCase into snake_case, nested deployments included", () => {
    const body = parseInput(createVirtualKeySchema, {
      name: " Azure ",
      provider: "azure-openai",
      key: "k",
      resourceName: "res",
      deploymentConfig: [
        { deploymentName: "d1", apiVersion: "2024-06-01", is_default: true },
        { deployment_name: "d2", alias: "gpt-4o-mini" },
      ],
    });
    expect(body).toMatchObject({ name: "Azure", resource_name: "res" });
    expect(deploymentsFrom(body)).toEqual([
      { deploymentName: "d1", alias: null, apiVersion: "2024-06-01", isDefault: true },
      { deploymentName: "d2", alias: "gpt-4o-mini", apiVersion: null, isDefault: false },
    ]);
  });

  it("makes a single deployment the default and reports every rule with its path", () => {
    expect(deploymentsFrom({ deployments: [{ deployment_name: "only" }] })).toEqual([
      { deploymentName: "only", alias: null, apiVersion: null, isDefault: true },
    ]);
    const { issues } = issuesOf(() =>
      parseInput(createVirtualKeySchema, {
        name: "n",
        provider: "azure-openai",
        key: "k",
        deployments: [
          { deployment_name: "a", is_default: true },
          { deployment_name: "a", is_default: true },
        ],
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(["deployments[1].deployment_name", "deployments[1].is_default", "resource_name"]);
  });

  it("refuses at save a resource name the gateway refuses at use (one rule)", () => {
    const body = { name: "n", provider: "azure-openai", key: "k", deployment_name: "d" };
    for (const resourceName of ["res-", "-res", "r".repeat(65), "res.example"]) {
      expect(issuesOf(() => parseInput(createVirtualKeySchema, { ...body, resource_name: resourceName })).issues).toEqual([
        {
          path: "resource_name",
          message:
            "must be a resource name (letters, digits and hyphens) or a full host <name>.openai.azure.com or <name>.services.ai.azure.com",
        },
      ]);
    }
    expect(parseInput(createVirtualKeySchema, { ...body, resource_name: " My-Res-1 " }).resource_name).toBe("My-Res-1");
  });

  it("checks a merged key the same way (used by PUT)", () => {
    expect(virtualKeyShapeIssues({ provider: "openai", resourceName: null, apiVersion: null, customHost: null, deployments: [] })).toEqual(
      [],
    );
    expect(
      virtualKeyShapeIssues({
        provider: "azure-openai",
        resourceName: null,
        apiVersion: null,
        customHost: "https://proxy.example.com/openai",
        deployments: [{ deploymentName: "d", alias: null, apiVersion: null, isDefault: true }],
      }),
    ).toEqual([]);
  });
});

describe("config schemas", () => {
  it("validates the config with the engine's schema; issues are under config.", () => {
    const { code, issues } = issuesOf(() =>
      parseInput(createConfigSchema, { name: "n", config: { targets: [{ provider: "nope" }] } }, () => "invalid_config"),
    );
    expect(code).toBe("invalid_config");
    expect(issues[0]).toMatchObject({ path: "config.targets[0].provider" });
  });

  it("accepts is_default as 0/1 and refuses a status of deleted", () => {
    expect(parseInput(createConfigSchema, { name: "n", config: { virtual_key: "vk" }, isDefault: 1 }).is_default).toBe(true);
    expect(issuesOf(() => parseInput(updateConfigSchema, { status: "deleted" })).issues[0]!.message).toContain("DELETE");
  });
});

describe("API key schema", () => {
  it("defaults to the gateway scope", () => {
    expect(parseInput(createApiKeySchema, { name: "ci" })).toMatchObject({ name: "ci", scope: "gateway" });
    expect(issuesOf(() => parseInput(createApiKeySchema, { name: "ci", scope: "root" })).issues[0]!.path).toBe("scope");
  });

  it("default_config: a config id or null; defaultConfig is the same field; blank and non-strings are refused", () => {
    expect(parseInput(createApiKeySchema, { name: "ci", default_config: " pc-a-123456 " }).default_config).toBe("pc-a-123456");
    expect(parseInput(createApiKeySchema, { name: "ci", defaultConfig: "pc-a-123456" }).default_config).toBe("pc-a-123456");
    expect(parseInput(updateApiKeySchema, { defaultConfig: null })).toEqual({ default_config: null });
    expect(parseInput(updateApiKeySchema, { rate_limits: { rpm: 5 } }).default_config).toBeUndefined();
    for (const bad of ["", "  ", 42, { id: "pc-a" }]) {
      const found = issuesOf(() => parseInput(updateApiKeySchema, { default_config: bad }));
      expect(found.issues[0], JSON.stringify(bad)).toMatchObject({ path: "default_config", message: expect.stringContaining("config id") });
    }
    const clash = issuesOf(() => parseInput(updateApiKeySchema, { default_config: "pc-a", defaultConfig: "pc-b" }));
    expect(clash.issues[0]!.path).toBe("defaultConfig");
    expect(issuesOf(() => parseInput(updateApiKeySchema, { name: "x" })).issues[0]!.message).toContain(
      "only rate_limits, default_config, expires_at, allowed_models and budget",
    );
  });

  it("expires_at and allowed_models (camelCase too) on create and PUT; rotate's grace period is 0 to 30 days, 0 by default", () => {
    const at = "2999-01-01T00:00:00Z";
    expect(parseInput(createApiKeySchema, { name: "ci", expiresAt: at, allowedModels: ["gpt-4o"] })).toMatchObject({
      expires_at: new Date(at),
      allowed_models: ["gpt-4o"],
    });
    expect(parseInput(updateApiKeySchema, { expires_at: null, allowed_models: null })).toMatchObject({
      expires_at: null,
      allowed_models: null,
    });
    expect(parseInput(rotateApiKeySchema, {})).toEqual({ grace_period_seconds: 0 });
    expect(parseInput(rotateApiKeySchema, { gracePeriodSeconds: 2_592_000 })).toEqual({ grace_period_seconds: 2_592_000 });
    for (const bad of [-1, 2_592_001, 0.5, "1"]) {
      const found = issuesOf(() => parseInput(rotateApiKeySchema, { grace_period_seconds: bad }));
      expect(found.issues[0], JSON.stringify(bad)).toMatchObject({ path: "grace_period_seconds" });
    }
  });
});
