/**
 * From a validated config to the router's tree: JSON paths (`config`, `config.targets[0]`, ...),
 * settings inherited down the tree (mergeSettings), strategies in camelCase. A config without
 * `targets` is a bare single target: the tree is one leaf at path `config`.
 * Leaves hold the config's leaf fields; the resolver turns them into concrete targets (virtual
 * key lookup, provider defaults) with `mapRouteLeaves`, before routing or lazily inside attempt().
 */
import type { Config, HedgeSettings, Strategy, Target } from "../config/schema";
import { mergeSettings, settingsFromTarget } from "./settings";
import type { HedgePolicy, NodeSettings, RouteChild, RouteLeaf, RouteNode, StrategySpec } from "./types";
import { withChanges } from "../../object";

/** A config node without its nested strategy: what a leaf of the tree holds before resolution. */
export type LeafTarget = Omit<Target, "strategy" | "targets">;

export const ROOT_PATH = "config";

export function buildRouteTree(config: Config): RouteNode<LeafTarget> {
  return buildNode(config, ROOT_PATH, {});
}

function buildNode(node: Target, path: string, inherited: NodeSettings): RouteNode<LeafTarget> {
  const settings = mergeSettings(inherited, settingsFromTarget(node));
  const { strategy, targets, ...leafFields } = node;
  if (!strategy || !targets) return { kind: "leaf", path, target: leafFields, settings };
  // The leaves below a node that draws by figures feed them (router/balance.ts).
  if (strategy.mode === "loadbalance" && strategy.by !== undefined && strategy.by !== "weight") settings.measured = true;
  // The leaves below a hedge after their p95 feed their time histogram (balance/figures.ts).
  if ((strategy.mode === "fallback" || strategy.mode === "loadbalance") && strategy.hedge?.after_ms === "p95") {
    settings.measured = true;
    settings.timed = true;
  }
  const children = targets.map((child, index): RouteChild<LeafTarget> => {
    const entry: RouteChild<LeafTarget> = {
      weight: child.weight,
      node: buildNode(child, `${path}.targets[${index}]`, settings),
    };
    if (child.name !== undefined) entry.name = child.name;
    if (child.on_status_codes) entry.onStatusCodes = child.on_status_codes;
    return entry;
  });
  return { kind: "strategy", path, strategy: toStrategySpec(strategy), children, settings };
}

function toStrategySpec(strategy: Strategy): StrategySpec {
  switch (strategy.mode) {
    case "single":
      return { mode: "single" };
    case "loadbalance": {
      const spec: Extract<StrategySpec, { mode: "loadbalance" }> = { mode: "loadbalance" };
      if (strategy.by !== undefined && strategy.by !== "weight") spec.by = strategy.by;
      if (strategy.hedge) spec.hedge = toHedgePolicy(strategy.hedge);
      return spec;
    }
    case "fallback": {
      const spec: Extract<StrategySpec, { mode: "fallback" }> = { mode: "fallback" };
      if (strategy.on_status_codes) spec.onStatusCodes = strategy.on_status_codes;
      if (strategy.hedge) spec.hedge = toHedgePolicy(strategy.hedge);
      return spec;
    }
    case "conditional": {
      const spec: StrategySpec = { mode: "conditional", conditions: strategy.conditions };
      if (strategy.default !== undefined) spec.default = strategy.default;
      return spec;
    }
  }
}

function toHedgePolicy(hedge: HedgeSettings): HedgePolicy {
  const policy: HedgePolicy = { afterMs: hedge.after_ms, max: hedge.max ?? 1 };
  if (hedge.allow_non_idempotent) policy.allowNonIdempotent = true;
  return policy;
}

/** The same tree with every leaf's target replaced by `resolve(leaf)`; leaves resolve in parallel. */
export async function mapRouteLeaves<From, To>(
  node: RouteNode<From>,
  resolve: (leaf: RouteLeaf<From>) => To | Promise<To>,
): Promise<RouteNode<To>> {
  if (node.kind === "leaf") return withChanges(node, { target: await resolve(node) });
  const children = await Promise.all(
    node.children.map(async (child): Promise<RouteChild<To>> => withChanges(child, { node: await mapRouteLeaves(child.node, resolve) })),
  );
  return withChanges(node, { children });
}

/** Whether a leaf of the tree feeds the per-target figures (`settings.measured`): most trees have none. */
export function hasMeasuredLeaf<T>(node: RouteNode<T>): boolean {
  if (node.kind === "leaf") return node.settings.measured === true;
  for (const child of node.children) if (hasMeasuredLeaf(child.node)) return true;
  return false;
}

/** Every leaf of a tree, in order. */
export function listRouteLeaves<T>(node: RouteNode<T>): RouteLeaf<T>[] {
  return node.kind === "leaf" ? [node] : node.children.flatMap((child) => listRouteLeaves(child.node));
}
