import { describe, expect, it } from "vitest";
import { settingsChanges, settingsInputOf, type SettingsFields, type VirtualKeySettings } from "./virtual-key-settings";

const AZURE: SettingsFields = { resourceName: true, apiVersion: true, deployments: true };
const OPENAI: SettingsFields = { resourceName: false, apiVersion: false, deployments: false };

const azureKey: VirtualKeySettings = {
  name: "azure-prod",
  note: "billing: team A",
  customHost: null,
  resourceName: "contoso",
  apiVersion: "2024-10-21",
  deployments: [
    { alias: "gpt-4o", deploymentName: "gpt4o-prod", apiVersion: null, isDefault: true },
    { alias: null, deploymentName: "mini", apiVersion: "2024-08-01-preview", isDefault: false },
  ],
  rpm: 600,
  tpm: null,
};

describe("settingsChanges", () => {
  it("is empty when nothing was touched, whatever the provider's fields", () => {
    expect(settingsChanges(azureKey, settingsInputOf(azureKey), AZURE)).toEqual({});
    expect(settingsChanges(azureKey, settingsInputOf(azureKey), OPENAI)).toEqual({});
  });

  it("sends only what changed, trimmed; emptied optional fields are removed (null)", () => {
    const input = { ...settingsInputOf(azureKey), name: "  azure-eu  ", note: "   ", customHost: " https://eu.example.com/openai " };
    expect(settingsChanges(azureKey, input, AZURE)).toEqual({ name: "azure-eu", note: null, custom_host: "https://eu.example.com/openai" });
  });

  it("sends the whole deployment list when a row changed, was added or the default moved", () => {
    const input = settingsInputOf(azureKey);
    input.deployments = [
      { ...input.deployments[0]!, isDefault: false },
      { ...input.deployments[1]!, isDefault: true },
      { alias: "o3", deployment: " o3-prod ", apiVersion: "", isDefault: false },
    ];
    expect(settingsChanges(azureKey, input, AZURE)).toEqual({
      deployments: [
        { deployment_name: "gpt4o-prod", alias: "gpt-4o", is_default: false },
        { deployment_name: "mini", api_version: "2024-08-01-preview", is_default: true },
        { deployment_name: "o3-prod", alias: "o3", is_default: false },
      ],
    });
  });

  it("ignores the provider fields a provider does not use", () => {
    const input = { ...settingsInputOf(azureKey), resourceName: "other", apiVersion: "" };
    expect(settingsChanges(azureKey, input, OPENAI)).toEqual({});
    expect(settingsChanges(azureKey, input, AZURE)).toEqual({ resource_name: "other", api_version: null });
  });

  it("sends rate limits one by one: a number, null to remove, and anything else as typed for the API to name", () => {
    const base = settingsInputOf(azureKey);
    expect(settingsChanges(azureKey, { ...base, rpm: "", tpm: "120000" }, OPENAI)).toEqual({ rate_limits: { rpm: null, tpm: 120_000 } });
    expect(settingsChanges(azureKey, { ...base, rpm: " 600 " }, OPENAI)).toEqual({});
    expect(settingsChanges(azureKey, { ...base, rpm: "1.5" }, OPENAI)).toEqual({ rate_limits: { rpm: "1.5" } });
    expect(settingsChanges(azureKey, { ...base, tpm: "-3" }, OPENAI)).toEqual({ rate_limits: { tpm: "-3" } });
  });
});
