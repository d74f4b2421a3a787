/**
 * Groq serves chat completions only (no legacy completions, no embeddings models); errors are OpenAI's shape.
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { groqInfo } from "./info";

export const groqAdapter = defineCompatAdapter({
  info: groqInfo,
  endpoints: ["chat/completions"],
  refusals: {
    completions: "Groq has no legacy completions API; use /v1/chat/completions.",
    embeddings: "Groq serves no embeddings models.",
  },
  modelsPath: "models",
});
