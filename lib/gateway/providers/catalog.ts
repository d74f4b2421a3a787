/**
 * The providers Detour speaks, as data (README.md in this folder): one entry per provider module,
 * its `info.ts`. The config schema's provider list, the config keys and direct-mode headers of each
 * provider, and the dashboard's labels are all derived from this list. Client components import
 * it, so nothing here (nor in any `info.ts`) may import server code; the adapters are in registry.ts.
 */
import { anthropicInfo } from "./anthropic/info";
import { azureOpenAiInfo } from "./azure-openai/info";
import { deepSeekInfo } from "./deepseek/info";
import { fireworksAiInfo } from "./fireworks-ai/info";
import { googleInfo } from "./google/info";
import { groqInfo } from "./groq/info";
import { mistralAiInfo } from "./mistral-ai/info";
import { ollamaInfo } from "./ollama/info";
import { openAiCompatibleInfo } from "./openai-compatible/info";
import { openAiInfo } from "./openai/info";
import { openRouterInfo } from "./openrouter/info";
import { perplexityAiInfo } from "./perplexity-ai/info";
import { togetherAiInfo } from "./together-ai/info";
import { xAiInfo } from "./x-ai/info";
import type { ProviderInfo } from "./types";

/** The data parts by name, for code that names one provider (scripts, demo data). */
export { anthropicInfo, azureOpenAiInfo, openAiInfo };

/** Every provider, in the order error messages and the dashboard list them. */
export const PROVIDER_CATALOG = [
  openAiInfo,
  azureOpenAiInfo,
  anthropicInfo,
  // OpenAI-compatible providers (openai-compatible/define-info.ts), under Portkey's names.
  groqInfo,
  mistralAiInfo,
  togetherAiInfo,
  fireworksAiInfo,
  deepSeekInfo,
  xAiInfo,
  perplexityAiInfo,
  openRouterInfo,
  ollamaInfo,
  googleInfo,
  openAiCompatibleInfo,
] as const;

type Catalog = typeof PROVIDER_CATALOG;

/** The same list, typed as the interface (what code that loops over providers wants). */
export const PROVIDER_INFOS: readonly ProviderInfo[] = PROVIDER_CATALOG;

export type ProviderId = Catalog[number]["id"];

/** A config key that one provider's `provider` targets use (`resource_name`...). */
export type ProviderTargetKey = Catalog[number]["targetFields"][number]["key"];

/** The provider ids, in catalog order (a tuple, as `z.enum` wants it). */
export const PROVIDER_IDS = PROVIDER_CATALOG.map((p) => p.id) as unknown as IdsOf<Catalog>;

type IdsOf<T extends readonly { id: string }[]> = { readonly [I in keyof T]: T[I] extends { id: infer Id } ? Id : never };

const BY_ID: ReadonlyMap<string, ProviderInfo> = new Map(PROVIDER_INFOS.map((p) => [p.id, p]));

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === "string" && BY_ID.has(value);
}

/** The provider's data part, or undefined for an unknown id. */
export function providerInfo(id: string): ProviderInfo | undefined {
  return BY_ID.get(id);
}

/** How the dashboard names a provider ("Azure OpenAI"); an unknown id is shown as it is. */
export function providerLabel(id: string): string {
  return BY_ID.get(id)?.label ?? id;
}

/** Every provider's own config target keys, in catalog order (the config schema's and canonical JSON's order). */
export const PROVIDER_TARGET_KEYS: readonly ProviderTargetKey[] = PROVIDER_CATALOG.flatMap((p) => p.targetFields.map((f) => f.key));

/** Direct-mode request headers (`x-portkey-provider` requests) and the target key each one sets. */
export const PROVIDER_DIRECT_HEADERS: readonly (readonly [header: string, key: string])[] = PROVIDER_INFOS.flatMap((p) =>
  Object.entries(p.directHeaders),
);
