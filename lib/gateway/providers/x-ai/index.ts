/**
 * xAI serves chat completions, legacy completions and embeddings; its errors are `{"code":...,"error":"..."}`
 * (../openai-compatible/errors.ts).
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { readXaiError } from "../openai-compatible/errors";
import { xAiInfo } from "./info";

export const xAiAdapter = defineCompatAdapter({
  info: xAiInfo,
  endpoints: ["chat/completions", "completions", "embeddings"],
  modelsPath: "models",
  readError: readXaiError,
});
