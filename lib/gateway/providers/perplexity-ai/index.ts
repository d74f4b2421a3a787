/**
 * Perplexity serves chat completions only and publishes no model list endpoint; its errors are OpenAI's
 * shape with a numeric `code`.
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { perplexityAiInfo } from "./info";

export const perplexityAiAdapter = defineCompatAdapter({
  info: perplexityAiInfo,
  endpoints: ["chat/completions"],
  refusals: {
    completions: "Perplexity serves chat completions only.",
    embeddings: "Perplexity serves chat completions only.",
  },
  modelsPath: null,
});
