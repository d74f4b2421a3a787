import { RateLimiterMemory } from "rate-limiter-flexible";
import { describe, expect, it } from "vitest";
import { delayAfter, formatWait, lockMessage, SIGN_IN_LIMITS, SignInThrottle } from "./sign-in-throttle";

const memory = (scope: "account" | "address") => {
  const l = SIGN_IN_LIMITS[scope];
  return new RateLimiterMemory({
    points: l.failures,
    duration: l.windowSeconds,
    blockDuration: l.lockSeconds,
    keyPrefix: `t-${scope}-${Math.random()}`,
  });
};

function throttle() {
  const waits: number[] = [];
  const t = new SignInThrottle(memory("account"), memory("address"), async (ms) => {
    waits.push(ms);
  });
  return { t, waits };
}

const wrong = async () => null;
const right = async () => ({ id: "u1" });

describe("SignInThrottle", () => {
  it("answers 5 failures at once, then delays 0.5, 1, 2, 4, 4 s, and the 10th failure locks the account for 15 minutes", async () => {
    const { t, waits } = throttle();
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) outcomes.push((await t.attempt({ email: "a@x.test", address: "192.0.2.1" }, wrong)).outcome);
    expect(outcomes).toEqual([...Array(9).fill("failure"), "locked"]);
    expect(waits).toEqual([500, 1000, 2000, 4000, 4000]);
    const locked = await t.attempt({ email: "A@X.test ", address: "192.0.2.1" }, right);
    expect(locked).toMatchObject({
      outcome: "locked",
      scope: "account",
      lockedNow: false,
      message: "Too many failed sign-ins for this account. Try again in 15 minutes.",
    });
  });

  it("refuses the right password while locked, without checking it", async () => {
    const { t } = throttle();
    for (let i = 0; i < 10; i++) await t.attempt({ email: "b@x.test", address: "192.0.2.2" }, wrong);
    let checked = false;
    const r = await t.attempt({ email: "b@x.test", address: "192.0.2.3" }, async () => {
      checked = true;
      return { id: "u" };
    });
    expect(r.outcome).toBe("locked");
    expect(checked).toBe(false);
  });

  it("a success clears the account's count", async () => {
    const { t, waits } = throttle();
    for (let i = 0; i < 8; i++) await t.attempt({ email: "c@x.test", address: "192.0.2.4" }, wrong);
    expect((await t.attempt({ email: "c@x.test", address: "192.0.2.4" }, right)).outcome).toBe("success");
    waits.length = 0;
    for (let i = 0; i < 5; i++) expect((await t.attempt({ email: "c@x.test", address: "192.0.2.4" }, wrong)).outcome).toBe("failure");
    expect(waits).toEqual([]);
  });

  it("locks an address after 50 failures across many accounts; other addresses are unaffected", async () => {
    const { t } = throttle();
    let last: Awaited<ReturnType<typeof t.attempt>> | undefined;
    for (let i = 0; i < 50; i++) last = await t.attempt({ email: `spray-${i}@x.test`, address: "198.51.100.7" }, wrong);
    expect(last).toMatchObject({ outcome: "locked", scope: "address", lockedNow: true });
    expect(await t.attempt({ email: "fresh@x.test", address: "198.51.100.7" }, right)).toMatchObject({
      outcome: "locked",
      scope: "address",
      message: "Too many failed sign-ins from your network address. Try again in 15 minutes.",
    });
    expect((await t.attempt({ email: "fresh@x.test", address: "198.51.100.8" }, right)).outcome).toBe("success");
  });

  it("counts concurrent attempts: 30 at once cannot all be checked", async () => {
    const { t } = throttle();
    let checked = 0;
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.attempt({ email: "d@x.test", address: "192.0.2.9" }, async () => {
          checked++;
          return null;
        }),
      ),
    );
    expect(checked).toBe(10);
    expect(results.filter((r) => r.outcome === "locked").length).toBe(21);
  });

  it("an error while checking the password is not counted", async () => {
    const { t } = throttle();
    for (let i = 0; i < 12; i++) {
      await expect(
        t.attempt({ email: "e@x.test", address: "192.0.2.10" }, async () => Promise.reject(new Error("db down"))),
      ).rejects.toThrow("db down");
    }
    expect((await t.attempt({ email: "e@x.test", address: "192.0.2.10" }, right)).outcome).toBe("success");
  });

  it("formats waits and messages", () => {
    expect(delayAfter(4, 5)).toBe(0);
    expect(delayAfter(5, 5)).toBe(500);
    expect(delayAfter(40, 5)).toBe(4000);
    expect(formatWait(15 * 60_000)).toBe("15 minutes");
    expect(formatWait(60_000)).toBe("1 minute");
    expect(formatWait(61_000)).toBe("2 minutes");
    expect(formatWait(40_000)).toBe("40 seconds");
    expect(formatWait(1)).toBe("1 second");
    expect(lockMessage("account", 90_000)).toBe("Too many failed sign-ins for this account. Try again in 2 minutes.");
  });
});
