/** The provider adapters by id (GATEWAY.md §1): one adapter per provider Detour speaks. */
import { PROVIDERS } from "../config/schema";
import { azureOpenAiAdapter } from "./azure-openai";
import { openAiAdapter } from "./openai";
import type { ProviderAdapter, ProviderId } from "./types";

export const PROVIDER_ADAPTERS: Readonly<Record<ProviderId, ProviderAdapter>> = Object.freeze({
  openai: openAiAdapter,
  "azure-openai": azureOpenAiAdapter,
});

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === "string" && (PROVIDERS as readonly string[]).includes(value);
}

/** The adapter for `provider` (e.g. from `x-portkey-provider`), or undefined for an unknown one (answer 400). */
export function getProviderAdapter(provider: string): ProviderAdapter | undefined {
  return isProviderId(provider) ? PROVIDER_ADAPTERS[provider] : undefined;
}
