/**
 * Perplexity (https://docs.perplexity.ai/api-reference/chat-completions-post): chat completions at the host's root.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const perplexityAiInfo = defineCompatInfo({
  id: "perplexity-ai",
  label: "Perplexity AI",
  baseUrl: "https://api.perplexity.ai",
  secretPlaceholder: "pplx-...",
});
