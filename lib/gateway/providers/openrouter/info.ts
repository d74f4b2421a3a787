/**
 * OpenRouter (https://openrouter.ai/docs/api-reference/overview): OpenAI's API under /api/v1.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const openRouterInfo = defineCompatInfo({
  id: "openrouter",
  label: "OpenRouter",
  baseUrl: "https://openrouter.ai/api/v1",
  secretPlaceholder: "sk-or-v1-...",
});
