/**
 * Any server that speaks OpenAI's API (vLLM, LM Studio, llama.cpp's server, a proxy): no default host, so
 * every target and key names its `custom_host`.
 * Its data part (../README.md), built by ./define-info.ts.
 */
import { defineCompatInfo } from "./define-info";

export const openAiCompatibleInfo = defineCompatInfo({
  id: "openai-compatible",
  label: "OpenAI-compatible",
  secretPlaceholder: "the server's API key",
  hostExample: "http://localhost:8000/v1",
});
