/**
 * Any OpenAI-compatible server, at its custom host (required): chat completions, legacy completions and
 * embeddings are passed on; a server that lacks one answers with its own error.
 * The adapter is ./define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "./define";
import { openAiCompatibleInfo } from "./info";

export const openAiCompatibleAdapter = defineCompatAdapter({
  info: openAiCompatibleInfo,
  endpoints: ["chat/completions", "completions", "embeddings"],
  modelsPath: "models",
});
