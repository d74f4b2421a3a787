/**
 * Fireworks AI (https://docs.fireworks.ai/tools-sdks/openai-compatibility): OpenAI's API under /inference/v1.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const fireworksAiInfo = defineCompatInfo({
  id: "fireworks-ai",
  label: "Fireworks AI",
  baseUrl: "https://api.fireworks.ai/inference/v1",
  secretPlaceholder: "fw_...",
});
