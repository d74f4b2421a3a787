/**
 * Google's Gemini API through its OpenAI-compatible endpoint (https://ai.google.dev/gemini-api/docs/openai),
 * under Portkey's provider name `google`.
 * Its data part (../README.md), built by ../openai-compatible/define-info.ts.
 */
import { defineCompatInfo } from "../openai-compatible/define-info";

export const googleInfo = defineCompatInfo({
  id: "google",
  label: "Google Gemini",
  baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai",
  secretPlaceholder: "Gemini API key (AIza...)",
});
