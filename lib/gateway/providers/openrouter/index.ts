/**
 * OpenRouter serves chat completions, legacy completions and embeddings; its errors are
 * `{"error":{"code":429,"message":...,"metadata":{...}}}` (../openai-compatible/errors.ts).
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { readOpenRouterError } from "../openai-compatible/errors";
import { openRouterInfo } from "./info";

export const openRouterAdapter = defineCompatAdapter({
  info: openRouterInfo,
  endpoints: ["chat/completions", "completions", "embeddings"],
  modelsPath: "models",
  readError: readOpenRouterError,
});
