/**
 * Together AI serves chat completions, legacy completions and embeddings; errors are OpenAI's shape. Its
 * model list (`GET /v1/models`) is a bare JSON array rather than OpenAI's `{object:"list",data}`.
 * The adapter is ../openai-compatible/define.ts's; docs/GATEWAY.md §1.
 */
import { defineCompatAdapter } from "../openai-compatible/define";
import { togetherAiInfo } from "./info";

export const togetherAiAdapter = defineCompatAdapter({
  info: togetherAiInfo,
  endpoints: ["chat/completions", "completions", "embeddings"],
  modelsPath: "models",
});
