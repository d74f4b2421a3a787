/**
 * What the config builder checks beyond the config's schema, as the gateway would find it when a
 * request comes (lib/gateway/request/resolve-targets.ts), so that "Valid" means the gateway can run
 * the config:
 * - a target's `virtual_key` must be an active key of the workspace: any other slug fails every
 *   request routed to it (`virtual_key_not_found`, `virtual_key_revoked`). That is an issue at the
 *   target's field, and the builder does not save it.
 * - a target that names no credentials (no `virtual_key`, no `provider`), or a `provider` without
 *   its `api_key`, runs only with what each request sends (`x-portkey-virtual-key`, or
 *   `x-portkey-provider` with the provider's key as `Authorization`); without it the request fails
 *   400 `no_credentials` (`missing_provider_api_key`). Legitimate (a config of settings only, with
 *   the key in the header), so it is said, not refused.
 * Pure: the builder passes the workspace's active virtual key slugs.
 */
import { formatIssuePath, type ConfigIssue } from "../gateway/config/schema";
import { isRecord } from "../is-record";

export type RunnableCheck = {
  /** Slugs that are not active keys of the workspace, at their `virtual_key` field. */
  issues: ConfigIssue[];
  /** Targets that run only with the credentials each request sends, by their path ("config" for the root). */
  needHeaders: { path: string; why: string }[];
};

export function checkRunnable(config: unknown, activeVirtualKeys: ReadonlySet<string>): RunnableCheck {
  const out: RunnableCheck = { issues: [], needHeaders: [] };
  walk(config, [], activeVirtualKeys, out);
  return out;
}

function walk(node: unknown, path: (string | number)[], active: ReadonlySet<string>, out: RunnableCheck): void {
  if (!isRecord(node)) return;
  if (Array.isArray(node.targets) && node.targets.length > 0) {
    for (let i = 0; i < node.targets.length; i++) walk(node.targets[i], [...path, "targets", i], active, out);
    return;
  }
  const where = path.length ? formatIssuePath(path) : "config";
  const slug = node.virtual_key;
  if (typeof slug === "string" && slug !== "") {
    if (!active.has(slug)) {
      out.issues.push({
        path: formatIssuePath([...path, "virtual_key"]),
        message: `no active virtual key ${JSON.stringify(slug)} in this workspace: every request routed here would be refused (virtual_key_not_found or virtual_key_revoked)`,
      });
    }
    return;
  }
  if (typeof node.provider === "string" && node.provider !== "") {
    if (typeof node.api_key !== "string" || node.api_key === "")
      out.needHeaders.push({ path: where, why: `${node.provider} without an api_key: each request must send the provider's key` });
    return;
  }
  out.needHeaders.push({
    path: where,
    why: path.length ? "names no virtual key or provider" : "names no target: each request must send its virtual key",
  });
}
