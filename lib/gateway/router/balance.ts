/**
 * The loadbalance draw by per-target figures (docs/GATEWAY.md §5.10), `strategy.by`:
 *
 * - `latency`: the child with the lowest figure (a moving average of time to response headers, for
 *   a stream to its first content chunk); children within TIE_RATIO x the best + TIE_SLACK_MS of it
 *   count as tied and are drawn among by weight.
 * - `in_flight`: the child with the fewest attempts in flight per unit of weight (weighted least
 *   connections); equal ones are drawn among by weight.
 *
 * Both: weight 0 is never drawn. A child with no figure (latency unknown) or one that is `failing`
 * (fails more than it answers) is left out of the choice; it gets traffic only through exploration:
 * EXPLORE_SHARE of the draws are plain weighted draws over every child, so a slow, failing or
 * unmeasured target is tried again and its figure follows it when it recovers. When no child can
 * be chosen (all unknown or failing) the draw is by weight.
 *
 * A child that is itself a strategy node is scored by the leaves below it: latency is the mean of
 * their known figures (failing when all of those are failing), in flight their sum.
 */
import type { Balance, RouteChild, RouteNode } from "./types";
import { pickWeighted } from "./weighted";

/** Share of the draws made by weight alone, whatever the figures say. */
export const EXPLORE_SHARE = 0.1;
/** Latencies within best x TIE_RATIO + TIE_SLACK_MS count as tied with the best. */
export const TIE_RATIO = 1.2;
export const TIE_SLACK_MS = 5;

export type Scored<Item> = { item: Item; weight: number; value: number | undefined; failing: boolean };

/** Picks among scored items (see the top of this file); undefined only when no item has weight > 0. */
export function pickByFigures<Item>(scored: readonly Scored<Item>[], by: "latency" | "in_flight", random: () => number): Item | undefined {
  const byWeight = () => pickWeighted(scored, (s) => s.weight, random)?.item;
  if (random() < EXPLORE_SHARE) return byWeight();
  let best = Number.POSITIVE_INFINITY;
  for (const s of scored) {
    const value = rank(s, by);
    if (value !== undefined && value < best) best = value;
  }
  if (best === Number.POSITIVE_INFINITY) return byWeight();
  const limit = by === "latency" ? best * TIE_RATIO + TIE_SLACK_MS : best;
  const tied = scored.filter((s) => {
    const value = rank(s, by);
    return value !== undefined && value <= limit;
  });
  return pickWeighted(tied, (s) => s.weight, random)?.item ?? byWeight();
}

/** What an item is ranked by, or undefined when it takes no part in the choice. */
function rank(s: Scored<unknown>, by: "latency" | "in_flight"): number | undefined {
  if (!(s.weight > 0) || !Number.isFinite(s.weight) || s.failing || s.value === undefined) return undefined;
  return by === "in_flight" ? s.value / s.weight : s.value;
}

/** The children of a loadbalance node with their figures (a nested strategy child scored by its leaves). */
export function scoreChildren<T>(
  children: readonly RouteChild<T>[],
  by: "latency" | "in_flight",
  balance: Balance<T>,
): Scored<RouteChild<T>>[] {
  return children.map((child) => ({ item: child, weight: child.weight, ...nodeFigure(child.node, by, balance) }));
}

function nodeFigure<T>(
  node: RouteNode<T>,
  by: "latency" | "in_flight",
  balance: Balance<T>,
): { value: number | undefined; failing: boolean } {
  if (node.kind === "leaf") return balance.figure(node, by);
  let sum = 0;
  let known = 0;
  let failing = 0;
  for (const child of node.children) {
    const figure = nodeFigure(child.node, by, balance);
    if (figure.value === undefined) continue;
    known++;
    sum += figure.value;
    if (figure.failing) failing++;
  }
  if (by === "in_flight") return { value: sum, failing: known > 0 && failing === known };
  return { value: known > 0 ? sum / known : undefined, failing: known > 0 && failing === known };
}
