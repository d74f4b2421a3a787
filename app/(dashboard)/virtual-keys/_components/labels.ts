/** How the dashboard names a provider: its label in the provider catalog ("Azure OpenAI"); an unknown id as it is. */
export { providerLabel } from "@/lib/gateway/providers/catalog";

/** "127.0.0.1:4010/v1" from "http://127.0.0.1:4010/v1": what tells hosts apart in a narrow cell. */
export function shortHost(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/$/, "");
}
