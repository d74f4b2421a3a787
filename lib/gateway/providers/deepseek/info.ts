/**
 * DeepSeek (https://api-docs.deepseek.com): OpenAI's chat completions at the host's root (/v1 is an alias).
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const deepSeekInfo = defineCompatInfo({
  id: "deepseek",
  label: "DeepSeek",
  baseUrl: "https://api.deepseek.com",
  secretPlaceholder: "sk-...",
});
