import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  configKeyMask,
  envelopesByMask,
  isEnvelope,
  maskConfigKeys,
  openConfigInput,
  openConfigKeys,
  sealClearKeys,
  sealConfigInput,
} from "./config-secrets";
import { isConfigKeyMask } from "./gateway/config/credentials";

const key = randomBytes(32);
const config = {
  strategy: { mode: "fallback" },
  targets: [
    { provider: "openai", api_key: "sk-proj-0123456789abcd" },
    { virtual_key: "vk" },
    { targets: [{ provider: "azure-openai", apiKey: "short" }] },
  ],
};

describe("saved-config provider keys", () => {
  it("seals keys in clear, opens them back, and leaves sealed ones alone", () => {
    const { config: sealed, changed } = sealClearKeys(config, key);
    expect(changed).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain("sk-proj-0123456789abcd");
    expect(isEnvelope(sealed.targets[0]!.api_key as string)).toBe(true);
    expect(openConfigKeys(sealed, key)).toEqual(config);
    expect(sealClearKeys(sealed, key)).toEqual({ config: sealed, changed: false });
  });

  it("masks as sk-...abcd#fingerprint: recognisable, different for different keys", () => {
    const mask = configKeyMask("sk-proj-0123456789abcd", key);
    expect(mask).toMatch(/^sk-\.\.\.abcd#[0-9a-f]{8}$/);
    expect(isConfigKeyMask(mask)).toBe(true);
    expect(isConfigKeyMask("sk-proj-0123456789abcd")).toBe(false);
    expect(configKeyMask("sk-proj-9999999999abcd", key)).not.toBe(mask);
    expect(configKeyMask("short", key)).toMatch(/^\.\.\.#[0-9a-f]{8}$/);
    const shown = maskConfigKeys(sealClearKeys(config, key).config, key);
    expect(shown.targets[0]!.api_key).toBe(mask);
    expect(JSON.stringify(shown)).not.toMatch(/enc:v1|sk-proj-0123456789abcd|"short"/);
  });

  it("a mask sent back becomes the stored envelope; a new value is sealed; an unknown mask is reported", () => {
    const stored = sealClearKeys(config, key).config;
    const known = envelopesByMask([stored], key);
    const shown = maskConfigKeys(stored, key);
    const edited = {
      ...shown,
      targets: [
        { ...shown.targets[0], api_key: shown.targets[0]!.api_key },
        { provider: "openai", api_key: "sk-new-key-000000000" },
        { provider: "openai", api_key: "...wxyz#0000abcd" },
      ],
    };
    const { config: sealed, unknownMasks } = sealConfigInput(edited, key, known);
    expect(sealed.targets[0]!.api_key).toBe(stored.targets[0]!.api_key);
    expect(openConfigKeys(sealed, key).targets[1]!.api_key).toBe("sk-new-key-000000000");
    expect(unknownMasks).toEqual([{ path: "targets[2].api_key", mask: "...wxyz#0000abcd" }]);
  });

  it("a value that looks like an envelope from a client is sealed as a key, never opened", () => {
    const foreign = sealClearKeys({ api_key: "sk-other-workspace-000" }, key).config.api_key;
    const { config: sealed } = sealConfigInput({ provider: "openai", api_key: foreign }, key, new Map());
    expect(openConfigKeys(sealed, key).api_key).toBe(foreign);
  });

  it("a config to run now: a mask opens to the key it stands for, a typed key stays, an unknown mask is reported, an envelope is never opened", () => {
    const stored = sealClearKeys(config, key).config;
    const shown = maskConfigKeys(stored, key);
    const foreign = sealClearKeys({ api_key: "sk-other-workspace-000" }, key).config.api_key;
    const edited = {
      ...shown,
      targets: [
        shown.targets[0],
        { provider: "openai", api_key: "sk-typed-key-000000000" },
        { provider: "openai", api_key: "...wxyz#0000abcd" },
        { provider: "openai", api_key: foreign },
      ],
    };
    const { config: opened, unknownMasks } = openConfigInput(edited, key, envelopesByMask([stored], key));
    expect(opened.targets[0]!.api_key).toBe("sk-proj-0123456789abcd");
    expect(opened.targets[1]!.api_key).toBe("sk-typed-key-000000000");
    expect(opened.targets[3]!.api_key).toBe(foreign);
    expect(unknownMasks).toEqual([{ path: "targets[2].api_key", mask: "...wxyz#0000abcd" }]);
  });
});
