import { describe, expect, it } from "vitest";
import { EXPLORE_SHARE, pickByFigures, type Scored } from "./balance";
import { route } from "./route-request";
import type { Balance, RouteLeaf } from "./types";
import { leaf, ok, scriptedAttempt, seededRandom, status, strategy } from "../../../testing/router-fakes";

const A = "config.targets[0]";
const B = "config.targets[1]";
const C = "config.targets[2]";

/** A random source whose first value is `first` (the exploration draw), then a seeded sequence. */
function randomFrom(first: number, seed = 7): () => number {
  const rest = seededRandom(seed);
  let used = false;
  return () => {
    if (used) return rest();
    used = true;
    return first;
  };
}

const item = (name: string, value: number | undefined, weight = 1, failing = false): Scored<string> => ({
  item: name,
  weight,
  value,
  failing,
});
/** Counts of what `n` draws pick. */
function tally(scored: Scored<string>[], by: "latency" | "in_flight", n = 4000, seed = 11): Record<string, number> {
  const random = seededRandom(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const picked = pickByFigures(scored, by, random) ?? "none";
    counts[picked] = (counts[picked] ?? 0) + 1;
  }
  return counts;
}

describe("pickByFigures", () => {
  it("latency: the fastest target, the others only by exploration (a share of draws by weight)", () => {
    const counts = tally([item("fast", 100), item("slow", 900)], "latency");
    // The slow one gets half of the exploration draws (equal weights): about 5%.
    expect(counts.slow! / 4000).toBeGreaterThan(EXPLORE_SHARE / 2 - 0.02);
    expect(counts.slow! / 4000).toBeLessThan(EXPLORE_SHARE / 2 + 0.02);
    expect(pickByFigures([item("fast", 100), item("slow", 900)], "latency", randomFrom(0.5))).toBe("fast");
  });

  it("latency: targets within the tie margin share the traffic by weight", () => {
    const counts = tally([item("a", 100, 3), item("b", 110, 1), item("c", 500, 1)], "latency");
    // a: 3/4 of the non-exploring draws, b 1/4; c only explored.
    expect(counts.a! / (counts.a! + counts.b!)).toBeGreaterThan(0.7);
    expect(counts.a! / (counts.a! + counts.b!)).toBeLessThan(0.8);
    expect(counts.c! / 4000).toBeLessThan(EXPLORE_SHARE);
  });

  it("latency: an unknown or failing target is left to exploration; all unknown draws by weight", () => {
    expect(pickByFigures([item("known", 800), item("new", undefined)], "latency", randomFrom(0.5))).toBe("known");
    expect(pickByFigures([item("failing", 10, 1, true), item("ok", 800)], "latency", randomFrom(0.5))).toBe("ok");
    const counts = tally([item("x", undefined, 1), item("y", undefined, 3)], "latency");
    expect(counts.y! / 4000).toBeGreaterThan(0.7);
    expect(counts.y! / 4000).toBeLessThan(0.8);
  });

  it("never draws weight 0, exploring included", () => {
    const counts = tally([item("zero", 1, 0), item("one", 1000, 1)], "latency");
    expect(counts).toEqual({ one: 4000 });
    expect(tally([item("zero", 0, 0), item("busy", 9, 1)], "in_flight")).toEqual({ busy: 4000 });
  });

  it("in_flight: the fewest attempts in flight per unit of weight; equal ones by weight", () => {
    expect(pickByFigures([item("busy", 5), item("idle", 1)], "in_flight", randomFrom(0.5))).toBe("idle");
    // 6 in flight on weight 3 (2 each) beats 3 on weight 1.
    expect(pickByFigures([item("big", 6, 3), item("small", 3, 1)], "in_flight", randomFrom(0.5))).toBe("big");
    const counts = tally([item("a", 0, 1), item("b", 0, 1)], "in_flight");
    expect(counts.a! / 4000).toBeGreaterThan(0.45);
    expect(counts.a! / 4000).toBeLessThan(0.55);
  });

  it("in_flight: a target failing fast (nothing in flight) does not win", () => {
    expect(pickByFigures([item("failing", 0, 1, true), item("working", 4, 1)], "in_flight", randomFrom(0.5))).toBe("working");
  });
});

/** A Balance over a fixed table of figures, recording what it is told. */
function tableBalance(table: Record<string, number | undefined>) {
  const observed: { path: string; status: number; latencyMs: number }[] = [];
  const balance: Balance<string> = {
    figure: (l: RouteLeaf<string>) => ({ value: table[l.path], failing: false }),
    observe: (l, outcome, latencyMs) => observed.push({ path: l.path, status: outcome.status, latencyMs }),
  };
  return { balance, observed };
}

describe("route() with loadbalance by figures", () => {
  const measured = { measured: true as const };

  it("sends to the target with the best figure and reports each measured attempt", async () => {
    const tree = strategy("config", { mode: "loadbalance", by: "latency" }, [leaf(A, measured), leaf(B, measured), leaf(C, measured)]);
    const { balance, observed } = tableBalance({ [A]: 900, [B]: 40, [C]: 300 });
    const { attempt, calls } = scriptedAttempt({ [A]: [ok()], [B]: [ok("B")], [C]: [ok()] });
    // A fixed clock: the attempt's measured latency is 0 however busy the machine is.
    const result = await route(tree, { attempt, balance, random: randomFrom(0.5), now: () => 0 });
    expect(result.path).toBe(B);
    expect(calls.map((c) => c.path)).toEqual([B]);
    expect(observed).toEqual([{ path: B, status: 200, latencyMs: 0 }]);
  });

  it("scores a nested strategy child by its leaves (mean latency)", async () => {
    const nested = strategy(`${A}`, { mode: "fallback" }, [leaf(`${A}.targets[0]`, measured), leaf(`${A}.targets[1]`, measured)]);
    const tree = strategy("config", { mode: "loadbalance", by: "latency" }, [nested, leaf(B, measured)]);
    const { balance } = tableBalance({ [`${A}.targets[0]`]: 50, [`${A}.targets[1]`]: 70, [B]: 400 });
    const { attempt } = scriptedAttempt({ [`${A}.targets[0]`]: [status(503)], [`${A}.targets[1]`]: [ok()], [B]: [ok()] });
    const result = await route(tree, { attempt, balance, random: randomFrom(0.5) });
    expect(result.path).toBe(`${A}.targets[1]`);
  });

  it("draws by weight without a balance, and does not report unmeasured leaves", async () => {
    const tree = strategy("config", { mode: "loadbalance", by: "latency" }, [leaf(A), { node: leaf(B), weight: 0 }]);
    const { balance, observed } = tableBalance({ [A]: 900, [B]: 1 });
    const { attempt } = scriptedAttempt({ [A]: [ok()], [B]: [ok()] });
    expect((await route(tree, { attempt })).path).toBe(A);
    expect((await route(tree, { attempt, balance, random: randomFrom(0.5) })).path).toBe(A);
    expect(observed).toEqual([]);
  });
});
