/**
 * Ollama (https://docs.ollama.com/api/openai-compatibility): a server of your own, so no default host; its
 * OpenAI-compatible API is under /v1 and a local one ignores the key (any non-empty value will do).
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const ollamaInfo = defineCompatInfo({
  id: "ollama",
  label: "Ollama",
  secretPlaceholder: "any value (a local Ollama ignores it)",
  hostExample: "http://localhost:11434/v1",
});
