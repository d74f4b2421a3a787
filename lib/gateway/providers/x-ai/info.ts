/**
 * xAI (https://docs.x.ai/docs/api-reference): OpenAI's API under /v1.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const xAiInfo = defineCompatInfo({
  id: "x-ai",
  label: "xAI",
  baseUrl: "https://api.x.ai/v1",
  secretPlaceholder: "xai-...",
});
