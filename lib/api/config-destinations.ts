/**
 * A saved config may not send a virtual key's secret where the gateway would refuse it: the
 * configs API runs, at save (create, update, restore), the check the gateway runs at use
 * (`custom_host_not_allowed_for_virtual_key`, lib/gateway/upstream/virtual-key-hosts.ts). Each target with
 * its own `virtual_key` gets its effective custom host from the router's own tree building
 * (`buildRouteTree`: `custom_host` inherited down the tree) and is compared with the key's allowed
 * origins (its provider's default host, its own custom host, its `allowed_hosts`), computed as
 * the gateway computes them. The keys are read in one query; a key that does not exist or is
 * revoked is left to the gateway (it refuses it at use), as before this check.
 */
import { getDb } from "../db";
import type { Config, Target } from "../gateway/config/schema";
import { getProviderAdapter } from "../gateway/providers/registry";
import { buildRouteTree, listRouteLeaves, ROOT_PATH, type LeafTarget, type RouteLeaf } from "../gateway/router";
import { refusedVirtualKeyOrigin, virtualKeyDestinationMessage, virtualKeyOrigins } from "../gateway/upstream/virtual-key-hosts";
import { findActiveVirtualKeyHosts } from "../store/virtual-keys";
import { type ErrorIssue, issuesError } from "../errors";

export const VIRTUAL_KEY_HOST_CODE = "custom_host_not_allowed_for_virtual_key";

/** Leaves that send their own virtual key to a custom host (their own or inherited). */
type KeyLeaf = { leaf: RouteLeaf<LeafTarget>; slug: string; customHost: string };

/**
 * The issues (path `config.<node>.custom_host`, where the host is set) of every target of `config`
 * that would send its virtual key to an origin the key does not allow; empty when none does.
 */
export async function virtualKeyHostIssues(workspaceId: string, config: Config): Promise<ErrorIssue[]> {
  const leaves: KeyLeaf[] = [];
  for (const leaf of listRouteLeaves(buildRouteTree(config))) {
    const slug = leaf.target.virtual_key;
    const customHost = leaf.settings.customHost;
    if (slug && customHost) leaves.push({ leaf, slug, customHost });
  }
  if (!leaves.length) return [];
  const keys = new Map(
    (
      await findActiveVirtualKeyHosts(
        getDb(),
        workspaceId,
        leaves.map((l) => l.slug),
      )
    ).map((k) => [k.slug, k]),
  );
  const issues: ErrorIssue[] = [];
  for (const { leaf, slug, customHost } of leaves) {
    const key = keys.get(slug);
    const adapter = key ? getProviderAdapter(key.provider) : undefined;
    if (!key || !adapter) continue;
    const allowed = virtualKeyOrigins(adapter, key);
    const origin = refusedVirtualKeyOrigin(allowed, adapter, { provider: adapter.id, apiKey: "", customHost });
    if (!origin) continue;
    const setAt = customHostSetAt(config, leaf.path);
    const where = leaf.path === ROOT_PATH ? "" : setAt === leaf.path ? ` (${leaf.path})` : ` (set at ${setAt}, inherited by ${leaf.path})`;
    issues.push({
      path: `${setAt}.custom_host`,
      message: virtualKeyDestinationMessage(slug, allowed, origin, `the config's custom_host${where}`),
    });
  }
  return issues;
}

/** Throws the 400 (`issues` at each offending custom_host) when `config` sends a virtual key where it may not go. */
export async function assertVirtualKeyHosts(workspaceId: string, config: Config, prefix = ""): Promise<void> {
  const issues = await virtualKeyHostIssues(workspaceId, config);
  if (!issues.length) return;
  throw issuesError(VIRTUAL_KEY_HOST_CODE, issues, { prefix });
}

/**
 * The path of the node whose `custom_host` a leaf uses: the leaf itself or its nearest ancestor
 * that sets one (the value itself comes from the router's tree; this only names where to change it).
 */
function customHostSetAt(config: Config, leafPath: string): string {
  let node: Target | undefined = config;
  let path = ROOT_PATH;
  let setAt = ROOT_PATH;
  const indices = [...leafPath.slice(ROOT_PATH.length).matchAll(/\.targets\[(\d+)\]/g)].map((m) => Number(m[1]));
  for (let depth = 0; node; depth++) {
    if (node.custom_host !== undefined) setAt = path;
    const index = indices[depth];
    if (index === undefined) break;
    node = node.targets?.[index];
    path = `${path}.targets[${index}]`;
  }
  return setAt;
}
