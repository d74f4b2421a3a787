/**
 * OpenAI's data part (../README.md): its id and label and the dashboard's wording. Its targets and
 * keys need nothing beyond the key (and an optional custom host). No imports: client components
 * load it through ../catalog.ts.
 */
import type { ProviderInfo } from "../types";

export const openAiInfo = {
  id: "openai",
  label: "OpenAI",
  targetFields: [],
  directHeaders: {},
  checkTarget() {},
  keyFields: {},
  keyForm: {
    secretPlaceholder: "sk-...",
    customHost: {
      label: "Custom host",
      placeholder: "https://api.openai.com/v1",
      hint: "Leave empty for api.openai.com; set it for an OpenAI-compatible server.",
    },
  },
} as const satisfies ProviderInfo;
