/**
 * Ollama serves chat completions, legacy completions and embeddings under /v1 of the custom host (there is
 * no default); its errors are OpenAI's shape, or `{"error":"..."}` from its native routes.
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { ollamaInfo } from "./info";

export const ollamaAdapter = defineCompatAdapter({
  info: ollamaInfo,
  endpoints: ["chat/completions", "completions", "embeddings"],
  modelsPath: "models",
});
