import { describe, expect, it } from "vitest";
import {
  FAILURE_FLOOR_MS,
  LATENCY_ALPHA,
  MAX_TARGETS,
  P95_MIN_SAMPLES,
  P95_RATIO,
  P95_WINDOW,
  parseReport,
  REMOTE_TTL_MS,
  STALE_MS,
  TargetFigures,
} from "./figures";

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
    const wire = parseReport(JSON.stringify({ origin: "i2", ...there.report() }));
    expect(wire?.figures).toHaveLength(2);
    here.merge("i2", wire!);
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
    expect(f.report().figures.length).toBeLessThanOrEqual(1000);
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
    // An older instance's report has no histograms; a malformed histogram is skipped, not thrown on.
    expect(parseReport(JSON.stringify({ origin: "x", figures: [] }))?.times).toEqual([]);
    expect(
      parseReport(
        JSON.stringify({
          origin: "x",
          figures: [],
          times: [
            ["a", 10, [3, 2.5, 7, 1]],
            ["b", 10, [3, -1]],
            ["c", 10, "x"],
            ["d", 10],
          ],
        }),
      )?.times,
    ).toEqual([["a", 10, [3, 2.5, 7, 1]]]);
  });
});

describe("TargetFigures p95", () => {
  it("is read from every instance's samples: the others' published histograms count with this one's", () => {
    const c = clock();
    const here = new TargetFigures(c.now);
    const there = new TargetFigures(c.now);
    // Neither has enough samples alone; together they do. There: mostly slow; here: a few fast.
    for (let i = 0; i < P95_MIN_SAMPLES - 5; i++) there.time("a", 2000);
    for (let i = 0; i < 5; i++) here.time("a", 50);
    expect(here.p95("a")).toBeUndefined();
    expect(there.p95("a")).toBeUndefined();
    const wire = parseReport(JSON.stringify({ origin: "i2", ...there.report() }));
    expect(wire?.times.map((t) => t[0])).toEqual(["a"]);
    here.merge("i2", wire!);
    expect(here.p95("a")).toBeGreaterThanOrEqual(2000);
    expect(here.p95("a")).toBeLessThanOrEqual(2000 * P95_RATIO);
    // A newly started instance hedges after the fleet's p95 at once.
    const fresh = new TargetFigures(c.now);
    for (let i = 0; i < P95_MIN_SAMPLES; i++) there.time("b", 300);
    fresh.merge("i2", parseReport(JSON.stringify({ origin: "i2", ...there.report() }))!);
    expect(fresh.p95("b")).toBeGreaterThanOrEqual(300);
    expect(fresh.p95("b")).toBeLessThanOrEqual(300 * P95_RATIO);
    // Reports expire: back to this instance's own samples.
    c.advance(REMOTE_TTL_MS + 1);
    expect(here.p95("a")).toBeUndefined();
    expect(fresh.p95("b")).toBeUndefined();
  });

  it("does not publish histograms that are stale or empty, nor targets without one", () => {
    const c = clock();
    const f = new TargetFigures(c.now);
    f.observe("latency-only", true, 10);
    f.time("timed", 100);
    expect(f.report().times.map((t) => t[0])).toEqual(["timed"]);
    c.advance(STALE_MS);
    expect(f.report().times).toEqual([]);
  });

  it("is unknown below P95_MIN_SAMPLES samples, then the 95th percentile within one bucket", () => {
    const f = new TargetFigures(clock().now);
    for (let i = 0; i < P95_MIN_SAMPLES - 1; i++) f.time("a", 100);
    expect(f.p95("a")).toBeUndefined();
    f.time("a", 100);
    expect(f.p95("a")).toBeGreaterThanOrEqual(100);
    expect(f.p95("a")).toBeLessThanOrEqual(100 * P95_RATIO);
    // 90 fast, 10 slow: the 95th is a slow one.
    const g = new TargetFigures(clock().now);
    for (let i = 0; i < 90; i++) g.time("b", 50);
    for (let i = 0; i < 10; i++) g.time("b", 2000);
    expect(g.p95("b")).toBeGreaterThanOrEqual(2000);
    expect(g.p95("b")).toBeLessThanOrEqual(2000 * P95_RATIO);
    // 97 fast, 3 slow: the 95th is a fast one.
    const h = new TargetFigures(clock().now);
    for (let i = 0; i < 97; i++) h.time("c", 50);
    for (let i = 0; i < 3; i++) h.time("c", 2000);
    expect(h.p95("c")).toBeLessThanOrEqual(50 * P95_RATIO);
  });

  it("decays: after a change, the p95 follows the new times within a window", () => {
    const f = new TargetFigures(clock().now);
    for (let i = 0; i < P95_WINDOW; i++) f.time("a", 1000);
    expect(f.p95("a")).toBeGreaterThanOrEqual(1000);
    // A sample's weight halves every P95_WINDOW / 2 samples: the old tail is under 5% after 3 windows.
    for (let i = 0; i < 3 * P95_WINDOW; i++) f.time("a", 20);
    expect(f.p95("a")).toBeLessThanOrEqual(20 * P95_RATIO);
  });

  it("starts afresh after STALE_MS without a sample; only targets given times keep a histogram", () => {
    const c = clock();
    const f = new TargetFigures(c.now);
    for (let i = 0; i < P95_MIN_SAMPLES; i++) f.time("a", 100);
    c.advance(STALE_MS);
    expect(f.p95("a")).toBeUndefined();
    f.time("a", 100);
    expect(f.p95("a")).toBeUndefined();
    f.observe("b", true, 100);
    expect(f.p95("b")).toBeUndefined();
  });
});
