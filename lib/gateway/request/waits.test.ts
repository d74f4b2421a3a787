/** The waits that are not Detour's own: upstream waits counted as their union, in progress ones included. */
import { describe, expect, it } from "vitest";
import { newWaits, upstreamMsNow, upstreamWait } from "./waits";

const resolvesIn = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe("upstreamWait", () => {
  it("counts a wait, and not the work around it", async () => {
    const w = newWaits();
    const start = performance.now();
    busy(30);
    expect(await upstreamWait(w, resolvesIn(60, "answer"))).toBe("answer");
    busy(30);
    expect(w.upstreamMs).toBeGreaterThanOrEqual(55);
    // The 60 ms of work, before and after, are not in it (however late the timer was).
    expect(w.upstreamMs).toBeLessThanOrEqual(performance.now() - start - 59);
    expect(w.waiting).toBe(0);
  });

  it("counts two waits at once (a hedge) once: their union", async () => {
    const w = newWaits();
    const start = performance.now();
    const first = upstreamWait(w, resolvesIn(100, 1));
    await resolvesIn(40, null);
    const second = upstreamWait(w, resolvesIn(100, 2)); // 40 -> 140: the union is 0 -> 140, the sum 200
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(w.upstreamMs).toBeGreaterThanOrEqual(135);
    expect(w.upstreamMs).toBeLessThanOrEqual(performance.now() - start);
  });

  it("counts a failed wait, and one in progress", async () => {
    const w = newWaits();
    await expect(
      upstreamWait(
        w,
        resolvesIn(50, null).then(() => Promise.reject(new Error("reset"))),
      ),
    ).rejects.toThrow("reset");
    const failed = w.upstreamMs;
    expect(failed).toBeGreaterThanOrEqual(45);
    const pending = upstreamWait(w, resolvesIn(80, null));
    await resolvesIn(40, null);
    expect(upstreamMsNow(w) - failed).toBeGreaterThanOrEqual(35);
    expect(w.upstreamMs).toBe(failed); // not ended yet
    await pending;
    expect(w.upstreamMs - failed).toBeGreaterThanOrEqual(75);
  });

  it("counts nothing without a record", async () => {
    expect(await upstreamWait(null, resolvesIn(5, "x"))).toBe("x");
  });
});
