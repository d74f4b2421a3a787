/**
 * How much one config may ask of Detour (docs/SECURITY.md, "Limits"):
 * - at most MAX_CONFIG_TARGETS leaf targets (nested ones included), counted before the schema
 *   runs, so a config of 1,000 targets costs one message, not 1,000 parsed targets;
 * - at most MAX_TARGET_DEPTH levels of nested `targets` (keys.ts);
 * - a plan of at most MAX_UPSTREAM_ATTEMPTS upstream attempts for one request in the worst case
 *   (every target fails and every retry is used), computed with the router's own rules: a
 *   fallback tries each child in turn (their worst cases add up), single tries its first child,
 *   loadbalance and conditional one child (the largest worst case counts; a loadbalance with
 *   `hedge` up to 1 + `hedge.max` children: the largest ones add up), a target makes
 *   1 + `retry.attempts` attempts (`retry` inherited down the tree, replaced whole).
 * Refused at validation, so a saved config can always run its whole plan; the router enforces the
 * same budget at run time (router/route-request.ts `maxAttempts`), which an operator may lower
 * (DETOUR_MAX_UPSTREAM_ATTEMPTS).
 * Framework-free and browser-safe: the dashboard's config builder refuses what the gateway refuses.
 */
import { isRecord } from "../../is-record";

export const MAX_CONFIG_TARGETS = 50;
export const MAX_UPSTREAM_ATTEMPTS = 20;

/** Leaf targets of a (normalised, not yet validated) config: every node that holds no `targets` list. */
export function countLeafTargets(node: unknown): number {
  if (!isRecord(node) || !Array.isArray(node.targets)) return 1;
  let count = 0;
  for (const child of node.targets as unknown[]) count += countLeafTargets(child);
  return count;
}

/** The fields the worst case reads (a parsed config node). */
export type PlanNode = {
  strategy?: { mode: string; hedge?: { max?: number } };
  targets?: PlanNode[];
  weight?: number;
  retry?: { attempts: number };
};

/** Upstream attempts one request makes over `node` when every target fails and every retry is used. */
export function worstCaseAttempts(node: PlanNode, inheritedRetries = 0): number {
  const retries = node.retry?.attempts ?? inheritedRetries;
  if (!node.strategy || !node.targets) return 1 + retries;
  const children = node.targets.map((child) => ({ child, worst: worstCaseAttempts(child, retries) }));
  switch (node.strategy.mode) {
    case "fallback":
      return children.reduce((sum, { worst }) => sum + worst, 0);
    case "single":
      return children[0]?.worst ?? 0;
    case "loadbalance": {
      // A target of weight 0 is never drawn; a hedge draws up to 1 + max of them for one request.
      const drawn = children.filter(({ child }) => (child.weight ?? 1) > 0).map(({ worst }) => worst);
      const hedge = node.strategy.hedge;
      if (!hedge) return Math.max(0, ...drawn);
      drawn.sort((a, b) => b - a);
      return drawn.slice(0, 1 + (hedge.max ?? 1)).reduce((sum, worst) => sum + worst, 0);
    }
    default:
      return Math.max(0, ...children.map(({ worst }) => worst));
  }
}
