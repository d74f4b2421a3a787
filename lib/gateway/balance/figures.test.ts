import { describe, expect, it } from "vitest";
import { FAILURE_FLOOR_MS, LATENCY_ALPHA, MAX_TARGETS, parseReport, REMOTE_TTL_MS, STALE_MS, TargetFigures } from "./figures";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TargetFigures", () => {
  it("keeps a moving average of latency per target", () => {
    const c = clock();
    const f = new TargetFigures(c.now);
    expect(f.figure("a", "latency")).toEqual({ value: undefined, failing: false });
    f.observe("a", true, 100);
    expect(f.figure("a", "latency").value).toBe(100);
    f.observe("a", true, 200);
    expect(f.figure("a", "latency").value).toBeCloseTo(100 + LATENCY_ALPHA * 100);
  });

  it("counts a failure as a slow sample, and marks a target failing", () => {
    const f = new TargetFigures(clock().now);
    f.observe("fast-failer", false, 3);
    expect(f.figure("fast-failer", "latency")).toEqual({ value: FAILURE_FLOOR_MS, failing: true });
    f.observe("b", true, 1500);
    f.observe("b", false, 10);
    // At least twice the figure and the floor.
    expect(f.figure("b", "latency").value).toBeCloseTo(1500 + LATENCY_ALPHA * (3000 - 1500));
    expect(f.figure("b", "latency").failing).toBe(false);
  });

  it("forgets a figure with no sample for STALE_MS: unknown, and the next sample starts afresh", () => {
    const c = clock();
    const f = new TargetFigures(c.now);
    f.observe("a", true, 2000);
    c.advance(STALE_MS);
    expect(f.figure("a", "latency").value).toBeUndefined();
    f.observe("a", true, 50);
    expect(f.figure("a", "latency").value).toBe(50);
  });

  it("counts attempts in flight, never below zero", () => {
    const f = new TargetFigures(clock().now);
    f.begin("a");
    f.begin("a");
    expect(f.figure("a", "in_flight").value).toBe(2);
    f.end("a");
    f.end("a");
    f.end("a");
    expect(f.figure("a", "in_flight").value).toBe(0);
  });

  it("merges the other instances' reports: mean latency, summed in flight, until they expire", () => {
    const c = clock();
    const here = new TargetFigures(c.now);
    const there = new TargetFigures(c.now);
    here.observe("a", true, 100);
    here.begin("a");
    there.observe("a", true, 300);
    there.begin("a");
    there.begin("a");
    there.observe("only-there", true, 40);
    const wire = parseReport(JSON.stringify({ origin: "i2", figures: there.report() }));
    expect(wire?.figures).toHaveLength(2);
    here.merge("i2", wire!.figures);
    expect(here.figure("a", "latency").value).toBe(200);
    expect(here.figure("a", "in_flight").value).toBe(3);
    expect(here.figure("only-there", "latency").value).toBe(40);
    c.advance(REMOTE_TTL_MS + 1);
    expect(here.figure("a", "in_flight").value).toBe(1);
    expect(here.figure("only-there", "latency").value).toBeUndefined();
  });

  it("is bounded: past MAX_TARGETS the least recently measured target is forgotten", () => {
    const f = new TargetFigures(clock().now);
    for (let i = 0; i <= MAX_TARGETS; i++) f.observe(`t${i}`, true, 10);
    expect(f.size).toBe(MAX_TARGETS);
    expect(f.figure("t0", "latency").value).toBeUndefined();
    expect(f.figure(`t${MAX_TARGETS}`, "latency").value).toBe(10);
    expect(f.report().length).toBeLessThanOrEqual(1000);
  });

  it("ignores reports that are not ones", () => {
    expect(parseReport("not json")).toBeNull();
    expect(parseReport(JSON.stringify({ origin: 1, figures: [] }))).toBeNull();
    expect(
      parseReport(
        JSON.stringify({
          origin: "x",
          figures: [
            ["a", -1, 0, 0, 0],
            ["b", null, 5, 0, 1],
          ],
        }),
      )?.figures,
    ).toEqual([["b", null, 5, 0, 1]]);
  });
});
