/**
 * Groq (https://console.groq.com/docs/openai): OpenAI's API under /openai/v1.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const groqInfo = defineCompatInfo({
  id: "groq",
  label: "Groq",
  baseUrl: "https://api.groq.com/openai/v1",
  secretPlaceholder: "gsk_...",
});
