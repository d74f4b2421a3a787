/**
 * Together AI (https://docs.together.ai/docs/openai-api-compatibility): OpenAI's API under /v1.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const togetherAiInfo = defineCompatInfo({
  id: "together-ai",
  label: "Together AI",
  baseUrl: "https://api.together.xyz/v1",
  secretPlaceholder: "Together API key",
});
