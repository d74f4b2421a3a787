/**
 * Gemini's OpenAI-compatible endpoint serves chat completions and embeddings (no legacy completions); its
 * errors are Google's `{"error":{"code","message","status"}}`, at times in an array (../openai-compatible/errors.ts).
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { readGoogleError } from "../openai-compatible/errors";
import { googleInfo } from "./info";

export const googleAdapter = defineCompatAdapter({
  info: googleInfo,
  endpoints: ["chat/completions", "embeddings"],
  refusals: {
    completions: "Gemini's OpenAI-compatible endpoint has no legacy completions; use /v1/chat/completions.",
  },
  modelsPath: "models",
  readError: readGoogleError,
});
