/**
 * Anthropic's data part (../README.md): its id and label, the two config keys its targets may set
 * (`anthropic_version`, `anthropic_beta`, sent as the headers of the same names) and the dashboard's
 * wording. A virtual key stores the secret and an optional custom host only. No imports: client
 * components load it through ../catalog.ts.
 */
import type { ProviderInfo } from "../types";

const ID = "anthropic";

/**
 * The `anthropic-version` header sent when the target names none: the version Anthropic's own SDKs
 * send (docs/GATEWAY.md §1.1).
 */
export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

const TARGET_FIELDS = [
  { key: "anthropic_version", label: "anthropic-version", placeholder: DEFAULT_ANTHROPIC_VERSION },
  { key: "anthropic_beta", label: "anthropic-beta", placeholder: "beta-name-1,beta-name-2" },
] as const;

export const anthropicInfo = {
  id: ID,
  label: "Anthropic",
  targetFields: TARGET_FIELDS,
  directHeaders: {
    "x-portkey-anthropic-version": "anthropic_version",
    "x-portkey-anthropic-beta": "anthropic_beta",
  },
  checkTarget(node, report) {
    // Nothing is required of an Anthropic target. A virtual-key target may set these keys too: its
    // provider is the key's, known only at request time, and other providers ignore them.
    if (node.provider === undefined || node.provider === ID) return;
    for (const { key } of TARGET_FIELDS) {
      if (node[key] !== undefined) report([key], `is only used with provider ${ID}`);
    }
  },
  keyFields: {},
  keyForm: {
    secretPlaceholder: "sk-ant-...",
    customHost: {
      label: "Custom host",
      placeholder: "https://api.anthropic.com",
      hint: "Leave empty for api.anthropic.com; without /v1, like the Anthropic SDK's base URL.",
    },
  },
} as const satisfies ProviderInfo;
