import { describe, expect, it } from "vitest";
import { checkRunnable } from "./config-runnable";

const active = new Set(["openai-prod-a1b2c3", "azure-eu-d4e5f6"]);

describe("checkRunnable", () => {
  it("passes a config whose every target names an active virtual key or a provider with its key", () => {
    const config = {
      strategy: { mode: "fallback" },
      targets: [
        { virtual_key: "openai-prod-a1b2c3" },
        { strategy: { mode: "loadbalance" }, targets: [{ virtual_key: "azure-eu-d4e5f6" }, { provider: "openai", api_key: "sk-x" }] },
      ],
    };
    expect(checkRunnable(config, active)).toEqual({ issues: [], needHeaders: [] });
  });

  it("names a slug that is not an active key of the workspace, at its field, nested too", () => {
    const config = {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: "openai-prod-a1b2c3" }, { strategy: { mode: "single" }, targets: [{ virtual_key: "gone-000000" }] }],
    };
    const { issues } = checkRunnable(config, active);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("targets[1].targets[0].virtual_key");
    expect(issues[0]!.message).toMatch(/no active virtual key "gone-000000" in this workspace/);
  });

  it("says which targets run only with the credentials each request sends", () => {
    const config = { strategy: { mode: "fallback" }, targets: [{}, { provider: "anthropic" }, { virtual_key: "azure-eu-d4e5f6" }] };
    expect(checkRunnable(config, active)).toEqual({
      issues: [],
      needHeaders: [
        { path: "targets[0]", why: "names no virtual key or provider" },
        { path: "targets[1]", why: "anthropic without an api_key: each request must send the provider's key" },
      ],
    });
  });

  it("a config of settings only runs with the virtual key each request sends", () => {
    expect(checkRunnable({ retry: { attempts: 3 } }, active).needHeaders).toEqual([
      { path: "config", why: "names no target: each request must send its virtual key" },
    ]);
    expect(checkRunnable({ virtual_key: "openai-prod-a1b2c3" }, active)).toEqual({ issues: [], needHeaders: [] });
  });
});
