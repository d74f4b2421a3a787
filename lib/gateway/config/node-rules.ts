/**
 * Rules across the fields of one config node, run by the schema after each node's own fields
 * parse. A node is either a strategy node (`strategy` + `targets`) or a leaf target whose
 * credential is `virtual_key`, or `provider` (+ `api_key`), or nothing (the request's default
 * `x-portkey-virtual-key` is used then). The rules of each provider's own keys are the provider's
 * (`checkTarget` in lib/gateway/providers/<name>/info.ts).
 */
import type { z } from "zod";
import { PROVIDER_IDS, PROVIDER_INFOS, PROVIDER_TARGET_KEYS, type ProviderTargetKey } from "../providers/catalog";
import type { PathSegment } from "./keys";
import { MAX_UPSTREAM_ATTEMPTS, worstCaseAttempts, type PlanNode } from "./limits";

/** The fields the rules read: structural so that the recursive schema can call them. */
export type NodeFields = {
  strategy?: { mode: string; conditions?: { then: string }[]; default?: string };
  targets?: { name?: string; weight: number; affinity?: unknown }[];
  virtual_key?: string;
  provider?: string;
  api_key?: string;
  custom_host?: string;
  on_status_codes?: number[];
} & { [K in ProviderTargetKey]?: string };

type Report = (path: PathSegment[], message: string) => void;

const LEAF_ONLY_KEYS = ["virtual_key", "provider", "api_key", ...PROVIDER_TARGET_KEYS] as const;

function reporter(ctx: z.core.$RefinementCtx): Report {
  return (path, message) => ctx.addIssue({ code: "custom", path, message });
}

export function checkNode(node: NodeFields, ctx: z.core.$RefinementCtx): void {
  const report = reporter(ctx);
  if (node.targets === undefined && node.strategy === undefined) {
    checkLeafCredentials(node, report);
    return;
  }
  if (node.strategy === undefined) {
    report(["strategy"], 'is required when targets are given: {"mode": one of single, fallback, loadbalance, conditional}');
  }
  if (node.targets === undefined) {
    report(["targets"], "is required when strategy is given: a non-empty list of targets");
  }
  for (const key of LEAF_ONLY_KEYS) {
    if (node[key] !== undefined) report([key], "cannot be set on a node with targets; set it on each target");
  }
  if (node.strategy && node.targets) checkStrategyNode(node.strategy, node.targets, report);
  node.targets?.forEach((child, index) => {
    if (child.affinity !== undefined) report(["targets", index, "affinity"], "is read at the top level of the config only");
  });
}

/** Rules for the top level only (on top of `checkNode`). */
export function checkRoot(config: NodeFields & PlanNode, ctx: z.core.$RefinementCtx): void {
  const worst = worstCaseAttempts(config);
  if (worst > MAX_UPSTREAM_ATTEMPTS) {
    reporter(ctx)(
      [],
      `config can make up to ${worst} upstream attempts for one request (when every target fails, retries included); ` +
        `at most ${MAX_UPSTREAM_ATTEMPTS} are allowed: lower retry.attempts or use fewer fallback targets`,
    );
  }
  if (config.on_status_codes !== undefined) {
    reporter(ctx)(
      ["on_status_codes"],
      "has no effect at the top level (it tells a parent fallback when to move past a target); " + "use strategy.on_status_codes",
    );
  }
}

function checkLeafCredentials(node: NodeFields, report: Report): void {
  if (node.virtual_key !== undefined && node.provider !== undefined) {
    report(["provider"], "a target takes either virtual_key or provider (+ api_key), not both");
  }
  if (node.api_key !== undefined && node.provider === undefined) {
    report(
      ["api_key"],
      node.virtual_key !== undefined
        ? "cannot be combined with virtual_key (the virtual key holds the provider key)"
        : `needs provider (one of ${PROVIDER_IDS.join(", ")})`,
    );
  }
  for (const provider of PROVIDER_INFOS) provider.checkTarget(node, report);
}

function checkStrategyNode(
  strategy: NonNullable<NodeFields["strategy"]>,
  targets: NonNullable<NodeFields["targets"]>,
  report: Report,
): void {
  if (strategy.mode === "loadbalance" && !targets.some((target) => target.weight > 0)) {
    report(["targets"], "loadbalance needs at least one target with weight > 0");
  }
  if (strategy.mode !== "conditional") return;

  const names = new Set<string>();
  targets.forEach((target, index) => {
    if (target.name === undefined) return;
    if (names.has(target.name)) {
      const message = `duplicate target name "${target.name}": names must be unique under a conditional strategy`;
      report(["targets", index, "name"], message);
    }
    names.add(target.name);
  });
  const known = names.size > 0 ? `targets here are named ${[...names].join(", ")}` : "no target here has a name";
  strategy.conditions?.forEach((condition, index) => {
    if (!names.has(condition.then)) {
      report(["strategy", "conditions", index, "then"], `"${condition.then}" names no target of this node; ${known}`);
    }
  });
  if (strategy.default !== undefined && !names.has(strategy.default)) {
    report(["strategy", "default"], `"${strategy.default}" names no target of this node; ${known}`);
  }
}
