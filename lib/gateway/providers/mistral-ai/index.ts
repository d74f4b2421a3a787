/**
 * Mistral AI serves chat completions and embeddings (its fill-in-the-middle API, /v1/fim/completions, is
 * not OpenAI's legacy completions); its errors are a top-level `{"object":"error",...}` (../openai-compatible/errors.ts).
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { readMistralError } from "../openai-compatible/errors";
import { mistralAiInfo } from "./info";

export const mistralAiAdapter = defineCompatAdapter({
  info: mistralAiInfo,
  endpoints: ["chat/completions", "embeddings"],
  refusals: {
    completions: "Its fill-in-the-middle API (/v1/fim/completions) is not OpenAI's legacy completions; use /v1/chat/completions.",
  },
  modelsPath: "models",
  readError: readMistralError,
});
