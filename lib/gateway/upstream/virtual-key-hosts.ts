/**
 * Where a virtual key's secret may go. A virtual key is an admin's secret lent to gateway-scope
 * callers; they choose the model and the body, never the destination. So its decrypted provider
 * key is sent only to:
 *   - its provider's default host for the key (the adapter's `defaultBaseUrl`; OpenAI:
 *     https://api.openai.com; Azure: the key's own resource, https://{resource_name}.openai.azure.com,
 *     or exactly the Azure OpenAI / Azure AI Foundry host its resource_name gives in full, e.g.
 *     https://{name}.services.ai.azure.com, never the resource's other host),
 *   - the custom host stored on the key,
 *   - an origin an admin listed in the key's `allowed_hosts`.
 * Origins are compared (scheme + host + port, normalised by `originOf`): another path on an allowed
 * origin is fine. A request or config pointing a virtual-key target anywhere else (the
 * `x-portkey-custom-host` header, `custom_host` in an inline or saved config) is refused with 400
 * `custom_host_not_allowed_for_virtual_key`. The check is on the target's final destination (the
 * custom host, else the adapter's default for the final credentials), so any other input that could
 * move it (the config schema already refuses `resource_name` beside `virtual_key`) is caught too.
 * The allowed origins are computed once when the key is loaded into the gateway's cache, so the
 * check is a set lookup per target (no database read on the request path).
 */
import { DetourError } from "../../errors";
import { originOf } from "./origin";
import type { ProviderAdapter, ProviderCredentials, StoredKeyDetails } from "../providers/types";

export type VirtualKeyHostDetails = StoredKeyDetails & {
  /** The admin-set allow-list (origins). */
  allowedHosts: readonly string[];
};

const NO_TARGET_KEYS = Object.freeze({});

/**
 * The base URL the provider sends a key's secret to when the key has no custom host (the
 * adapter's default for the key's stored details), or undefined when these name none.
 */
export function keyDefaultBaseUrl(adapter: ProviderAdapter, vk: StoredKeyDetails): string | undefined {
  return adapter.defaultBaseUrl(adapter.credentials("", vk, NO_TARGET_KEYS));
}

/** Every origin the key's secret may be sent to (computed when the key is cached). */
export function virtualKeyOrigins(adapter: ProviderAdapter, vk: VirtualKeyHostDetails): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const url of [keyDefaultBaseUrl(adapter, vk), vk.customHost ?? undefined, ...vk.allowedHosts]) {
    const origin = url ? originOf(url) : undefined;
    if (origin) origins.add(origin);
  }
  return origins;
}

/** Where the destination of a target was chosen, for the error message and `param`. */
export type DestinationSource = { what: string; param: string };

/**
 * The origin the target's final credentials (custom host, else the adapter's default for its
 * resource) would send the key to when `allowed` does not include it; undefined when the
 * destination is allowed or is not a URL (left to the custom-host check, which refuses it with its
 * own message). Shared by the gateway (at use) and the configs API (at save).
 */
export function refusedVirtualKeyOrigin(
  allowed: ReadonlySet<string>,
  adapter: ProviderAdapter,
  creds: ProviderCredentials,
): string | undefined {
  const destination = creds.customHost ?? adapter.defaultBaseUrl(creds);
  const origin = destination ? originOf(destination) : undefined;
  return !origin || allowed.has(origin) ? undefined : origin;
}

/**
 * Why `origin` is refused for virtual key `slug`: the allowed origins, what chose the destination
 * (`what`, e.g. "the config's custom_host (config.targets[1])") and how an admin allows it. The
 * one wording of `custom_host_not_allowed_for_virtual_key`, at use and at save.
 */
export function virtualKeyDestinationMessage(slug: string, allowed: ReadonlySet<string>, origin: string, what: string): string {
  const list = [...allowed].join(", ") || "none";
  return (
    `Virtual key ${JSON.stringify(slug)} may only send its provider key to its provider's default host or its own custom host (${list}); ` +
    `${what} points it at ${origin}. To allow that host, an admin adds ${JSON.stringify(origin)} to the virtual key's allowed_hosts ` +
    `(PUT /v1/virtual-keys/${slug} or the key's dashboard page).`
  );
}

/** Throws the gateway's 400 when the target's final credentials send the key outside `allowed`. */
export function assertVirtualKeyDestination(
  slug: string,
  allowed: ReadonlySet<string>,
  adapter: ProviderAdapter,
  creds: ProviderCredentials,
  source: DestinationSource,
): void {
  const origin = refusedVirtualKeyOrigin(allowed, adapter, creds);
  if (origin)
    throw new DetourError("custom_host_not_allowed_for_virtual_key", virtualKeyDestinationMessage(slug, allowed, origin, source.what), {
      param: source.param,
    });
}
