/**
 * Sign-in throttling over real HTTP against the production build (lib/auth/sign-in-throttle.ts):
 * repeated wrong passwords are delayed, then lock the account with a message saying how long to
 * wait; the right password is refused during the lock; a success clears an account's count; one
 * address is locked after 50 failures whatever X-Forwarded-For or Detour's own address header a
 * client sends; /metrics counts attempts and locks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/crypto";
import { createUserInWorkspace } from "@/lib/store/users";
import { startHarness, type Harness } from "../gateway/harness";
import { ADMIN_KEY, ADMIN_PASSWORD } from "./api-client";
import { attemptSignIn, sample } from "./auth-client";

const ADMIN = "admin@detour.local";
const ACCOUNT_LOCK = /^Too many failed sign-ins for this account\. Try again in 15 minutes\.$/;
const ADDRESS_LOCK = /^Too many failed sign-ins from your network address\. Try again in 1[45] minutes\.$/;

describe("sign-in throttle", () => {
  let h: Harness;
  const metrics = async () => {
    const res = await fetch(`${h.url}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    await createUserInWorkspace(h.db, {
      email: "second@detour.test",
      passwordHash: await hashPassword("second-user-password"),
      workspaceId: h.workspaceId,
    });
  });
  afterAll(async () => h?.close());

  it("a successful sign-in clears the account's count: 5 failures, a success, then 9 more failures are not locked", async () => {
    for (let i = 0; i < 5; i++) expect((await attemptSignIn(h, "second@detour.test", "wrong-password")).error).toBe("CredentialsSignin");
    const ok = await attemptSignIn(h, "Second@Detour.test", "second-user-password");
    expect(ok.status).toBe(200);
    expect(ok.session).toBeTruthy();
    for (let i = 0; i < 9; i++) expect((await attemptSignIn(h, "second@detour.test", "wrong-password")).error).toBe("CredentialsSignin");
  });

  it("30 wrong passwords in a row: delayed, then locked with a message saying how long; the right password is refused during the lock", async () => {
    const before = await metrics();
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await attemptSignIn(h, ADMIN, `wrong-password-${i}`));
    const errors = answers.map((a) => a.error);
    expect(errors.slice(0, 9)).toEqual(Array(9).fill("CredentialsSignin"));
    for (const e of errors.slice(9)) expect(e).toMatch(ACCOUNT_LOCK);
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.session).toBeNull();
    }
    // Attempts 6 to 10 waited (0.5 s, 1 s, 2 s, 4 s, 4 s) before their password was checked.
    expect(answers.slice(5, 10).reduce((sum, a) => sum + a.ms, 0)).toBeGreaterThanOrEqual(11_000);

    // The right password (any case, any spacing of the email) is refused while locked.
    const right = await attemptSignIn(h, " Admin@Detour.LOCAL ", ADMIN_PASSWORD);
    expect(right.status).toBe(401);
    expect(right.error).toMatch(ACCOUNT_LOCK);
    expect(right.session).toBeNull();

    const after = await metrics();
    const delta = (name: string, labels: string) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta("detour_sign_in_attempts_total", 'outcome="failure"')).toBe(10);
    expect(delta("detour_sign_in_attempts_total", 'outcome="locked"')).toBe(21);
    expect(delta("detour_sign_in_locks_total", 'scope="account"')).toBe(1);
    expect(sample(after, "detour_sign_in_attempts_total", 'outcome="success"')).toBeGreaterThanOrEqual(1);
  });

  it("locks the address after 50 failures across accounts; a forged X-Forwarded-For or address header does not escape it", async () => {
    const before = await metrics();
    // 24 failures so far from this address (14 + 10; the success gave its attempt back).
    const spray = Array.from({ length: 26 }, (_, i) => i);
    const answers = [];
    for (let i = 0; i < spray.length; i += 13) {
      answers.push(
        ...(await Promise.all(
          spray.slice(i, i + 13).map((n) =>
            attemptSignIn(h, `spray-${n}@detour.test`, "guess", {
              "x-forwarded-for": `203.0.113.${n}`,
              "x-detour-client-address": `198.51.100.${n}`,
            }),
          ),
        )),
      );
    }
    expect(answers.filter((a) => a.error === "CredentialsSignin").length).toBe(25);
    expect(answers.filter((a) => ADDRESS_LOCK.test(a.error ?? "")).length).toBe(1);
    const fresh = await attemptSignIn(h, "second@detour.test", "second-user-password", { "x-forwarded-for": "203.0.113.200" });
    expect(fresh.error).toMatch(ADDRESS_LOCK);
    expect(fresh.session).toBeNull();
    const after = await metrics();
    expect(
      sample(after, "detour_sign_in_locks_total", 'scope="address"') - sample(before, "detour_sign_in_locks_total", 'scope="address"'),
    ).toBe(1);
  });
});
