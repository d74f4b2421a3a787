/**
 * DeepSeek serves chat completions; its FIM completion is a beta on another base URL and it has no
 * embeddings models. Errors are OpenAI's shape.
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { deepSeekInfo } from "./info";

export const deepSeekAdapter = defineCompatAdapter({
  info: deepSeekInfo,
  endpoints: ["chat/completions"],
  refusals: {
    completions:
      "DeepSeek's FIM completion is a beta under https://api.deepseek.com/beta: use provider openai-compatible with that custom_host.",
    embeddings: "DeepSeek serves no embeddings models.",
  },
  modelsPath: "models",
});
