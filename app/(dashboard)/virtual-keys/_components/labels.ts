import type { Provider } from "@/lib/gateway/config/schema";

/** How the dashboard names each provider (compile error when a provider is added and not named here). */
export const PROVIDER_LABELS = { openai: "OpenAI", "azure-openai": "Azure OpenAI" } as const satisfies Record<Provider, string>;

export function providerLabel(provider: string): string {
  return (PROVIDER_LABELS as Record<string, string>)[provider] ?? provider;
}

/** "127.0.0.1:4010/v1" from "http://127.0.0.1:4010/v1": what tells hosts apart in a narrow cell. */
export function shortHost(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/$/, "");
}
