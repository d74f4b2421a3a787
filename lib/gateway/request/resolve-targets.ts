/**
 * From the request's headers to a tree of concrete targets: the config (saved id, inline JSON, a
 * bare virtual key or direct provider mode) is validated, built into the router's tree, and every
 * leaf gets its provider adapter and credentials (virtual keys decrypted in memory only): what a
 * provider reads from a virtual key, a target or direct-mode headers is its adapter's `credentials`.
 */
import { getEnv } from "../../env";
import { parseInlineConfig, parseVirtualKeyConfig } from "../cache/parse-memo";
import { formatConfigIssues, PROVIDERS, type Config } from "../config/schema";
import { DetourError } from "../../errors";
import { checkCustomHostWithoutDns, validateCustomHost, type CustomHostCheck } from "../upstream/custom-host";
import { getProviderAdapter } from "../providers/registry";
import type { ProviderAdapter, ProviderCredentials, ProviderId } from "../providers/types";
import type { RequestContext } from "./headers";
import { buildRouteTree, mapRouteLeaves, type LeafTarget, type RouteLeaf, type RouteNode } from "../router";
import { lookupConfig, lookupVirtualKey } from "../cache/lookups";
import { assertVirtualKeyDestination, type DestinationSource } from "../upstream/virtual-key-hosts";
import { withChanges } from "../../object";

export type ResolvedTarget = {
  provider: ProviderId;
  adapter: ProviderAdapter;
  creds: ProviderCredentials;
  virtualKey: {
    id: string;
    slug: string;
    version: number;
    rpmLimit: number | null;
    tpmLimit: number | null;
    /** The models this target may send (names or globs; null: any): checked per attempt (attempt.ts). */
    allowedModels: string[] | null;
  } | null;
};

export type Routing = {
  tree: RouteNode<ResolvedTarget>;
  /** The saved config that routed the request; `fromKey`: the API key's default (the request named none). */
  config: { id: string; slug: string; version: number; fromKey?: boolean } | null;
};

/** `defaultConfigSlug`: the API key's default config, used when the request names no target (docs/GATEWAY.md §2). */
export async function resolveRouting(ctx: RequestContext, workspaceId: string, defaultConfigSlug: string | null = null): Promise<Routing> {
  const { config, saved } = await loadConfig(ctx, workspaceId, defaultConfigSlug);
  return { tree: await resolveTree(config, ctx, workspaceId), config: saved };
}

/**
 * A config object's tree of targets with their credentials, as for a request naming it: the
 * dashboard's "Test this config" routes its unsaved config this way (config-test.ts).
 */
export async function resolveTree(config: Config, ctx: RequestContext, workspaceId: string): Promise<RouteNode<ResolvedTarget>> {
  let tree = buildRouteTree(config) as RouteNode<LeafTarget>;
  if (ctx.requestTimeoutMs !== null) tree = withTimeout(tree, ctx.requestTimeoutMs);
  return mapRouteLeaves(tree, (leaf) => resolveLeaf(leaf, ctx, workspaceId));
}

/**
 * The config that routes the request, first match: x-portkey-config; else x-portkey-virtual-key;
 * else direct mode; else the API key's default config, loaded as `x-portkey-config: <slug>` would
 * be (`fromKey` marks it for the log); else 400 `no_target`. What the request names always wins
 * over the key's default (docs/GATEWAY.md §2).
 */
async function loadConfig(
  ctx: RequestContext,
  workspaceId: string,
  defaultConfigSlug: string | null,
): Promise<{ config: Config; saved: Routing["config"] }> {
  if (ctx.config?.kind === "id") return loadSavedConfig(workspaceId, ctx.config.slug, false);
  if (ctx.config?.kind === "inline") {
    const parsed = parseInlineConfig(ctx.config.text);
    if (!parsed.ok)
      throw new DetourError("invalid_config", `Invalid config in x-portkey-config: ${formatConfigIssues(parsed.issues)}`, {
        param: "x-portkey-config",
      });
    return { config: parsed.config, saved: null };
  }
  if (ctx.virtualKey) {
    const parsed = parseVirtualKeyConfig(ctx.virtualKey);
    if (!parsed.ok) throw new DetourError("invalid_config", formatConfigIssues(parsed.issues));
    return { config: parsed.config, saved: null };
  }
  if (ctx.direct) {
    if (!getProviderAdapter(ctx.direct.provider)) {
      throw new DetourError(
        "unknown_provider",
        `Unknown provider ${JSON.stringify(ctx.direct.provider)} in x-portkey-provider; supported: ${PROVIDERS.join(", ")}.`,
        { param: "x-portkey-provider" },
      );
    }
    return { config: { provider: ctx.direct.provider as ProviderId, weight: 1 } as Config, saved: null };
  }
  if (defaultConfigSlug) return loadSavedConfig(workspaceId, defaultConfigSlug, true);
  throw new DetourError(
    "no_target",
    "Nothing to route to: send x-portkey-config (a config id or JSON), x-portkey-virtual-key, or x-portkey-provider with the provider key in Authorization, or give this API key a default config.",
  );
}

/** A saved config by slug, named by x-portkey-config or (`fromKey`) the API key's default config. */
async function loadSavedConfig(
  workspaceId: string,
  slug: string,
  fromKey: boolean,
): Promise<{ config: Config; saved: NonNullable<Routing["config"]> }> {
  const found = await lookupConfig(workspaceId, slug);
  if (!found || found.status === "deleted") {
    throw new DetourError(
      "config_not_found",
      fromKey
        ? `Config ${JSON.stringify(slug)}, this API key's default config, does not exist in this workspace any more (it was deleted): give the key another default config (PUT /v1/api-keys/{id} with default_config, or the API keys page), or send x-portkey-config.`
        : `Config ${JSON.stringify(slug)} does not exist in this workspace (x-portkey-config).`,
    );
  }
  if (!found.ok) {
    throw new DetourError(
      "invalid_saved_config",
      `Saved config ${slug} (version ${found.version}${fromKey ? ", this API key's default config" : ""}) is no longer valid: ${formatConfigIssues(found.issues)}`,
    );
  }
  const saved = { id: found.id, slug, version: found.version };
  return { config: found.config, saved: fromKey ? withChanges(saved, { fromKey: true }) : saved };
}

function withTimeout<T>(node: RouteNode<T>, ms: number): RouteNode<T> {
  const settings = withChanges(node.settings, { requestTimeoutMs: ms });
  if (node.kind === "leaf") return withChanges(node, { settings });
  return withChanges(node, { settings, children: node.children.map((c) => withChanges(c, { node: withTimeout(c.node, ms) })) });
}

async function resolveLeaf(leaf: RouteLeaf<LeafTarget>, ctx: RequestContext, workspaceId: string): Promise<ResolvedTarget> {
  const t = leaf.target;
  const where = leaf.path === "config" ? "" : ` (${leaf.path})`;
  const slug = t.virtual_key ?? (t.provider ? undefined : (ctx.virtualKey ?? undefined));
  let adapter: ProviderAdapter;
  let creds: ProviderCredentials;
  let keyHost: string | undefined;
  let virtualKey: ResolvedTarget["virtualKey"] = null;
  let allowedOrigins: ReadonlySet<string> | null = null;

  if (slug) {
    const vk = await lookupVirtualKey(workspaceId, slug);
    if (!vk)
      throw new DetourError("virtual_key_not_found", `Virtual key ${JSON.stringify(slug)} does not exist in this workspace${where}.`);
    if (vk.status !== "active") throw new DetourError("virtual_key_revoked", `Virtual key ${JSON.stringify(slug)} was revoked${where}.`);
    // The clock at each use, not the cache's load time: a cached key stops at its expiresAt.
    if (vk.expiresAt !== null && vk.expiresAt <= Date.now()) {
      throw new DetourError(
        "virtual_key_expired",
        `Virtual key ${JSON.stringify(slug)} expired at ${new Date(vk.expiresAt).toISOString()}${where}.`,
      );
    }
    const found = getProviderAdapter(vk.provider);
    if (!found) throw new DetourError("unknown_provider", `Virtual key ${slug} names an unsupported provider.`, { status: 500 });
    adapter = found;
    creds = adapter.credentials(vk.apiKey, vk, t);
    keyHost = vk.customHost || undefined;
    virtualKey = {
      id: vk.id,
      slug: vk.slug,
      version: vk.version,
      rpmLimit: vk.rpmLimit,
      tpmLimit: vk.tpmLimit,
      allowedModels: vk.allowedModels,
    };
    allowedOrigins = vk.allowedOrigins;
  } else if (t.provider || ctx.direct) {
    const provider = (t.provider ?? ctx.direct?.provider) as string;
    const found = getProviderAdapter(provider);
    if (!found)
      throw new DetourError(
        "unknown_provider",
        `Unknown provider ${JSON.stringify(provider)}${where}; supported: ${PROVIDERS.join(", ")}.`,
      );
    adapter = found;
    const apiKey = t.api_key ?? (ctx.direct && ctx.direct.provider === provider ? ctx.direct.apiKey : null);
    if (!apiKey) {
      throw new DetourError(
        "missing_provider_api_key",
        `No ${provider} API key${where}: give the target an api_key or a virtual_key, or send the provider key as Authorization: Bearer with x-portkey-provider.`,
      );
    }
    creds = adapter.credentials(apiKey, null, t, ctx.direct?.fields);
  } else {
    throw new DetourError(
      "no_credentials",
      `Target${where || " config"} has no credentials: set virtual_key or provider, or send x-portkey-virtual-key.`,
    );
  }

  const customHost = ctx.customHost ?? leaf.settings.customHost ?? keyHost;
  const allowedPrivateHosts = getEnv().allowedPrivateHosts;
  const refused = (check: CustomHostCheck | "resolve") =>
    check !== "resolve" && !check.ok ? new DetourError("custom_host_not_allowed", check.message, { param: "custom_host" }) : null;
  // Order: what needs no DNS (bad URL, user info, private IP literal), then the virtual key's own
  // rule (a destination it refuses is never resolved), then the addresses of a host name.
  const early = customHost ? refused(checkCustomHostWithoutDns(customHost, allowedPrivateHosts)) : null;
  if (early) throw early;
  if (virtualKey && allowedOrigins) {
    const destination = customHost ? withChanges(creds, { customHost }) : creds;
    assertVirtualKeyDestination(virtualKey.slug, allowedOrigins, adapter, destination, destinationSource(ctx, leaf, where));
  }
  if (customHost) {
    const late = refused(await validateCustomHost(customHost, allowedPrivateHosts));
    if (late) throw late;
    creds.customHost = customHost;
  }
  return { provider: adapter.id, adapter, creds, virtualKey };
}

/** Which input chose a virtual-key target's destination (for the error naming it). */
function destinationSource(ctx: RequestContext, leaf: RouteLeaf<LeafTarget>, where: string): DestinationSource {
  if (ctx.customHost) return { what: "the x-portkey-custom-host header", param: "x-portkey-custom-host" };
  if (leaf.settings.customHost) return { what: `the config's custom_host${where}`, param: "custom_host" };
  return { what: "this target", param: "virtual_key" };
}
