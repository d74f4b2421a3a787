/**
 * The provider adapters by id (docs/GATEWAY.md §1; README.md in this folder): the server part of each
 * provider module. catalog.ts lists the same providers' data parts (for client code too); this
 * record must have an adapter for every id there, which the type below enforces.
 */
import { anthropicAdapter } from "./anthropic";
import { azureOpenAiAdapter } from "./azure-openai";
import { providerInfo, PROVIDER_CATALOG } from "./catalog";
import { deepSeekAdapter } from "./deepseek";
import { fireworksAiAdapter } from "./fireworks-ai";
import { googleAdapter } from "./google";
import { groqAdapter } from "./groq";
import { mistralAiAdapter } from "./mistral-ai";
import { ollamaAdapter } from "./ollama";
import { openAiAdapter } from "./openai";
import { openAiCompatibleAdapter } from "./openai-compatible";
import { openRouterAdapter } from "./openrouter";
import { perplexityAiAdapter } from "./perplexity-ai";
import { togetherAiAdapter } from "./together-ai";
import { xAiAdapter } from "./x-ai";
import type { KeyFields, ProviderAdapter, ProviderId } from "./types";

const ADAPTERS = {
  openai: openAiAdapter,
  "azure-openai": azureOpenAiAdapter,
  anthropic: anthropicAdapter,
  groq: groqAdapter,
  "mistral-ai": mistralAiAdapter,
  "together-ai": togetherAiAdapter,
  "fireworks-ai": fireworksAiAdapter,
  deepseek: deepSeekAdapter,
  "x-ai": xAiAdapter,
  "perplexity-ai": perplexityAiAdapter,
  openrouter: openRouterAdapter,
  ollama: ollamaAdapter,
  google: googleAdapter,
  "openai-compatible": openAiCompatibleAdapter,
} as const satisfies Record<ProviderId, ProviderAdapter>;

export const PROVIDER_ADAPTERS: Readonly<Record<ProviderId, ProviderAdapter>> = Object.freeze(ADAPTERS);

export { isProviderId } from "./catalog";

/** The adapter for `provider` (e.g. from `x-portkey-provider`), or undefined for an unknown one (answer 400). */
export function getProviderAdapter(provider: string): ProviderAdapter | undefined {
  return providerInfo(provider) ? PROVIDER_ADAPTERS[provider as ProviderId] : undefined;
}

/** Every adapter, in catalog order. */
export const ADAPTER_LIST: readonly ProviderAdapter[] = PROVIDER_CATALOG.map((p) => PROVIDER_ADAPTERS[p.id]);

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every provider's own virtual-key body fields (zod), merged: what `/v1/virtual-keys` bodies may hold besides the common fields. */
export type ProviderKeyShape = UnionToIntersection<(typeof ADAPTERS)[ProviderId]["keyFields"]["shape"]>;

/** The virtual-key body fields of every provider, in catalog order. */
export const PROVIDER_KEY_FIELDS: readonly KeyFields[] = ADAPTER_LIST.map((a) => a.keyFields);
