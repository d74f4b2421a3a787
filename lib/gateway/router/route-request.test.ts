import { describe, expect, it } from "vitest";
import { InvalidRouteTreeError, NoMatchingConditionError } from "./errors";
import { route } from "./route-request";
import { leaf, networkError, ok, scriptedAttempt, seededRandom, status, strategy, fakeClock } from "../../../testing/router-fakes";

const A = "config.targets[0]";
const B = "config.targets[1]";
const C = "config.targets[2]";

describe("single", () => {
  it("sends to the first target only, even when it fails", async () => {
    const tree = strategy("config", { mode: "single" }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(500)], [B]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.outcome.status).toBe(500);
    expect(result.path).toBe(A);
    expect(calls.map((c) => c.path)).toEqual([A]);
    expect(result.fallbackUsed).toBe(false);
  });

  it("routes a bare target (a leaf at the root) with path config", async () => {
    const { attempt } = scriptedAttempt({ config: [ok("bare")] });
    const result = await route(leaf("config"), { attempt });
    expect(result).toMatchObject({ path: "config", target: "target@config", retryCount: 0, fallbackUsed: false });
    expect(result.outcome.response).toBe("bare");
  });
});

describe("fallback", () => {
  it("stops at the first 2xx and reports the fallback", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B), leaf(C)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(500)], [B]: [ok("from B")], [C]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.outcome).toEqual(ok("from B"));
    expect(result.path).toBe(B);
    expect(result.target).toBe(`target@${B}`);
    expect(result.fallbackUsed).toBe(true);
    expect(calls.map((c) => c.path)).toEqual([A, B]);
  });

  it("does not fall back when the first target answers 2xx", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B)]);
    const { attempt } = scriptedAttempt({ [A]: [ok()], [B]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.path).toBe(A);
    expect(result.fallbackUsed).toBe(false);
    expect(result.attempts).toHaveLength(1);
  });

  it("by default falls back on any non-2xx, including 4xx and network errors", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B), leaf(C)]);
    const { attempt } = scriptedAttempt({ [A]: [status(400)], [B]: [networkError], [C]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.path).toBe(C);
    expect(result.attempts.map((a) => a.reason)).toEqual(["fallback: status 400", "fallback: network error", undefined]);
  });

  it("with on_status_codes [429] returns a 503 as it is", async () => {
    const tree = strategy("config", { mode: "fallback", onStatusCodes: [429] }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(503)], [B]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.outcome).toEqual(status(503));
    expect(result.path).toBe(A);
    expect(result.fallbackUsed).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it("with on_status_codes [429] falls back on a 429", async () => {
    const tree = strategy("config", { mode: "fallback", onStatusCodes: [429] }, [leaf(A), leaf(B)]);
    const { attempt } = scriptedAttempt({ [A]: [status(429)], [B]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.path).toBe(B);
    expect(result.attempts[0]?.reason).toBe("fallback: status 429 in on_status_codes");
  });

  it("lets a target's own on_status_codes override the strategy's", async () => {
    const tree = strategy("config", { mode: "fallback", onStatusCodes: [429] }, [{ node: leaf(A), onStatusCodes: [503] }, leaf(B)]);
    const { attempt } = scriptedAttempt({ [A]: [status(503)], [B]: [ok()] });
    expect((await route(tree, { attempt })).path).toBe(B);
  });

  it("always moves past a stream broken before its first chunk", async () => {
    const tree = strategy("config", { mode: "fallback", onStatusCodes: [429] }, [leaf(A), leaf(B)]);
    const broken = { status: 502, errorClass: "stream_broken" as const };
    const { attempt } = scriptedAttempt({ [A]: [broken], [B]: [ok()] });
    const result = await route(tree, { attempt });
    expect(result.path).toBe(B);
    expect(result.attempts[0]?.reason).toBe("fallback: stream broken before its first chunk");
  });

  it("returns the last target's outcome when every target fails", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B), leaf(C)]);
    const { attempt } = scriptedAttempt({ [A]: [status(500)], [B]: [status(429)], [C]: [status(503)] });
    const result = await route(tree, { attempt });
    expect(result.outcome).toEqual(status(503));
    expect(result.path).toBe(C);
    expect(result.fallbackUsed).toBe(true);
    expect(result.attempts.map((a) => [a.path, a.status, a.reason])).toEqual([
      [A, 500, "fallback: status 500"],
      [B, 429, "fallback: status 429"],
      [C, 503, undefined],
    ]);
  });

  it("tries nested strategies in order and reports the inner leaf's path", async () => {
    const inner = strategy(A, { mode: "fallback" }, [leaf(`${A}.targets[0]`), leaf(`${A}.targets[1]`)]);
    const tree = strategy("config", { mode: "fallback" }, [inner, leaf(B)]);
    const { attempt } = scriptedAttempt({
      [`${A}.targets[0]`]: [status(500)],
      [`${A}.targets[1]`]: [status(502)],
      [B]: [ok()],
    });
    const result = await route(tree, { attempt });
    expect(result.path).toBe(B);
    expect(result.attempts.map((a) => a.reason)).toEqual(["fallback: status 500", "fallback: status 502", undefined]);
  });
});

describe("loadbalance", () => {
  it("draws each target with probability weight / total and never a weight-0 target", async () => {
    const tree = strategy("config", { mode: "loadbalance" }, [
      { node: leaf(A), weight: 1 },
      { node: leaf(B), weight: 3 },
      { node: leaf(C), weight: 0 },
    ]);
    const { attempt } = scriptedAttempt({ [A]: [ok()], [B]: [ok()], [C]: [ok()] });
    const random = seededRandom(42);
    const draws = 20_000;
    const counts: Record<string, number> = { [A]: 0, [B]: 0, [C]: 0 };
    for (let i = 0; i < draws; i++) {
      const { path } = await route(tree, { attempt, random });
      counts[path] = (counts[path] ?? 0) + 1;
    }
    expect(counts[C]).toBe(0);
    expect(Math.abs((counts[A] ?? 0) / draws - 0.25)).toBeLessThan(0.015);
    expect(Math.abs((counts[B] ?? 0) / draws - 0.75)).toBeLessThan(0.015);
  });

  it("does not fall back to another target when the drawn one fails", async () => {
    const tree = strategy("config", { mode: "loadbalance" }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(500)], [B]: [ok()] });
    const result = await route(tree, { attempt, random: () => 0.1 });
    expect(result.outcome.status).toBe(500);
    expect(calls).toHaveLength(1);
    expect(result.fallbackUsed).toBe(false);
  });

  it("runs a fallback nested inside the drawn target", async () => {
    const nested = strategy(B, { mode: "fallback" }, [leaf(`${B}.targets[0]`), leaf(`${B}.targets[1]`)]);
    const tree = strategy("config", { mode: "loadbalance" }, [leaf(A), nested]);
    const { attempt, calls } = scriptedAttempt({
      [A]: [ok()],
      [`${B}.targets[0]`]: [status(503)],
      [`${B}.targets[1]`]: [ok("nested")],
    });
    const result = await route(tree, { attempt, random: () => 0.9 });
    expect(calls.map((c) => c.path)).toEqual([`${B}.targets[0]`, `${B}.targets[1]`]);
    expect(result.path).toBe(`${B}.targets[1]`);
    expect(result.outcome.response).toBe("nested");
    expect(result.fallbackUsed).toBe(true);
  });

  it("rejects a tree with no positive weight", async () => {
    const tree = strategy("config", { mode: "loadbalance" }, [{ node: leaf(A), weight: 0 }]);
    const { attempt } = scriptedAttempt({ [A]: [ok()] });
    await expect(route(tree, { attempt })).rejects.toBeInstanceOf(InvalidRouteTreeError);
  });
});

describe("conditional", () => {
  const tree = strategy(
    "config",
    {
      mode: "conditional",
      conditions: [
        { query: { "metadata.tier": "pro" }, then: "fast" },
        { query: { "params.model": { $regex: "^gpt-4" } }, then: "big" },
      ],
      default: "cheap",
    },
    [
      { node: leaf(A), name: "fast" },
      { node: leaf(B), name: "big" },
      { node: leaf(C), name: "cheap" },
    ],
  );
  const { attempt } = scriptedAttempt({ [A]: [ok()], [B]: [ok()], [C]: [ok()] });

  it("routes to the target named by the first matching condition", async () => {
    const both = { metadata: { tier: "pro" }, params: { model: "gpt-4o" } };
    expect((await route(tree, { attempt, ...both })).path).toBe(A);
    expect((await route(tree, { attempt, params: { model: "gpt-4o" } })).path).toBe(B);
  });

  it("uses default when nothing matches", async () => {
    expect((await route(tree, { attempt, metadata: { tier: "free" } })).path).toBe(C);
  });

  it("throws NoMatchingConditionError (400) when nothing matches and there is no default", async () => {
    const noDefault = strategy("config", { mode: "conditional", conditions: [{ query: { "metadata.x": "1" }, then: "a" }] }, [
      { node: leaf(A), name: "a" },
    ]);
    const error = await route(noDefault, { attempt, metadata: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoMatchingConditionError);
    expect(error).toMatchObject({ code: "no_matching_condition", path: "config", attempts: [] });
  });
});

describe("attempt list", () => {
  it("records every attempt in order with index, retry index, latency and reason", async () => {
    const clock = fakeClock();
    const tree = strategy("config", { mode: "fallback" }, [leaf(A, { retry: { attempts: 1 } }), leaf(B)]);
    const { attempt } = scriptedAttempt({ [A]: [status(429), status(503)], [B]: [ok()] }, () => clock.advance(40));
    const result = await route(tree, { attempt, now: clock.now, sleep: () => Promise.resolve(), random: () => 0 });
    expect(result.attempts).toEqual([
      { index: 0, path: A, target: `target@${A}`, retryIndex: 0, status: 429, latencyMs: 40, reason: "retry: status 429" },
      { index: 1, path: A, target: `target@${A}`, retryIndex: 1, status: 503, latencyMs: 40, reason: "fallback: status 503" },
      { index: 2, path: B, target: `target@${B}`, retryIndex: 0, status: 200, latencyMs: 40 },
    ]);
    expect(result.fallbackUsed).toBe(true);
    expect(result.retryCount).toBe(0);
  });
});
