/**
 * Mistral AI (https://docs.mistral.ai/api): OpenAI-shaped chat and embeddings under /v1.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const mistralAiInfo = defineCompatInfo({
  id: "mistral-ai",
  label: "Mistral AI",
  baseUrl: "https://api.mistral.ai/v1",
  secretPlaceholder: "Mistral API key",
});
