/**
 * Fireworks AI serves chat completions, legacy completions and embeddings; errors are OpenAI's shape.
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { fireworksAiInfo } from "./info";

export const fireworksAiAdapter = defineCompatAdapter({
  info: fireworksAiInfo,
  endpoints: ["chat/completions", "completions", "embeddings"],
  modelsPath: "models",
});
