/**
 * The two choices an Azure target's URL rests on (docs/GATEWAY.md §1.1), as plain rules with no
 * imports, so info.ts (loaded by client components) can use them too:
 *
 * - **Which host.** A resource name `<name>` means Azure OpenAI's `https://<name>.openai.azure.com`.
 *   An Azure AI Foundry resource serves the same Azure OpenAI API (dated and v1) on
 *   `https://<name>.services.ai.azure.com` as well; it is named by that full host in `resource_name`.
 *   Those two host forms are the only ones: a resource name can never point a key anywhere else
 *   (any other host is a `custom_host`, with the rules that come with one).
 * - **Which API.** Azure's v1 API (`/openai/v1/{endpoint}`, deployment name in the body's `model`,
 *   no dated api-version; GA since August 2025) when the api-version is `v1` (or `preview`, the v1
 *   API's preview channel, sent as `?api-version=preview`) or when the custom host is already a v1
 *   base URL (ending in `/openai/v1`); else the dated form
 *   `/openai/deployments/{deployment}/{endpoint}?api-version=YYYY-MM-DD[-preview]`.
 */

/** The api-version values of Azure's v1 API (its spec's `AzureAIFoundryModelsApiVersion`). */
export const AZURE_V1 = "v1";
export const AZURE_V1_PREVIEW = "preview";

/** Used when neither the deployment nor the key or target names an api-version (and the host is no v1 base). */
export const DEFAULT_AZURE_API_VERSION = "2024-10-21";

/** The api-version a NEW virtual key stores when its body names none (existing keys keep what they store). */
export const NEW_KEY_AZURE_API_VERSION = AZURE_V1;

/** `v1` or `preview` (any case): the v1 API rather than a dated version. */
export function isAzureV1Version(version: string): boolean {
  const v = version.trim().toLowerCase();
  return v === AZURE_V1 || v === AZURE_V1_PREVIEW;
}

/** The canonical spelling of a v1 api-version (`V1` -> `v1`); any other version as given, trimmed. */
export function canonicalApiVersion(version: string): string {
  const v = version.trim();
  return isAzureV1Version(v) ? v.toLowerCase() : v;
}

/**
 * Whether a base URL is already Azure's v1 base (its path, trailing slashes aside, ends in
 * `/openai/v1`): `https://x.openai.azure.com/openai/v1`, or a proxy's `https://gw.example/aoai/openai/v1`.
 * Not a URL: false (the custom-host checks refuse it with their own message).
 */
export function isAzureV1BaseUrl(url: string): boolean {
  try {
    return /\/openai\/v1$/i.test(new URL(url.trim()).pathname.replace(/\/+$/, ""));
  } catch {
    return false;
  }
}

// Azure resource (custom subdomain) names: letters, digits and hyphens, not at either end. Checked
// so a resource name can never change the host (e.g. "evil.example/x#").
const NAME = "[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?";
const BARE_NAME = new RegExp(`^${NAME}$`, "i");

/** The domains a resource name may be given as a full host under: Azure OpenAI's and Azure AI Foundry's. */
export const AZURE_RESOURCE_DOMAINS = ["openai.azure.com", "services.ai.azure.com"] as const;

const FULL_HOST = new RegExp(`^${NAME}\\.(?:${AZURE_RESOURCE_DOMAINS.map((d) => d.replaceAll(".", "\\.")).join("|")})$`, "i");

/** The accepted forms, for error messages. */
export const RESOURCE_NAME_FORMS =
  "a resource name (letters, digits and hyphens) or a full host <name>.openai.azure.com or <name>.services.ai.azure.com";

/**
 * The host a resource name stands for, lower-cased: `<name>.openai.azure.com` for a bare name, the
 * host itself for `<name>.openai.azure.com` or `<name>.services.ai.azure.com`; undefined for
 * anything else.
 */
export function azureResourceHost(resourceName: string): string | undefined {
  const name = resourceName.trim().toLowerCase();
  if (BARE_NAME.test(name)) return `${name}.openai.azure.com`;
  return FULL_HOST.test(name) ? name : undefined;
}

/** The one rule for a resource name: virtual keys at save, config targets when validated, every target at use. */
export function isAzureResourceName(name: string): boolean {
  return azureResourceHost(name) !== undefined;
}
