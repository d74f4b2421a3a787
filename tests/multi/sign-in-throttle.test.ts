/**
 * Two instances, one Redis: the sign-in throttle counts failures across instances (an attacker
 * cannot double their guesses by alternating), and while an instance loses Redis its in-memory
 * insurance limiter keeps throttling without locking anyone else out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/crypto";
import { createUserInWorkspace } from "@/lib/store/users";
import { attemptSignIn } from "../../testing/auth-client";
import { probeServices, SERVICES_REQUIRED, startCluster, type Cluster } from "../../testing/multi-instance-harness";

const services = await probeServices();
if (!services.ok && !SERVICES_REQUIRED) {
  console.warn(
    `\n[tests/multi] SKIPPED: ${services.reason}. These tests need PostgreSQL and Redis; with CI=true they fail instead of skipping.\n`,
  );
}

const LOCKED = /^Too many failed sign-ins for this account\. Try again in 15 minutes\.$/;

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: the sign-in throttle shared through Redis", () => {
  let c: Cluster;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
    for (const email of ["shared@detour.test", "insured@detour.test"]) {
      await createUserInWorkspace(c.db, { email, passwordHash: await hashPassword("right-password-123"), workspaceId: c.workspaceId });
    }
  });
  afterAll(async () => c?.close());

  it("failures on A and B add up: the 10th, whichever instance answers it, locks the account on both", async () => {
    const errors: (string | null)[] = [];
    for (let i = 0; i < 10; i++) errors.push((await attemptSignIn(i % 2 ? c.b : c.a, "shared@detour.test", `wrong-${i}`)).error);
    expect(errors.slice(0, 9)).toEqual(Array(9).fill("CredentialsSignin"));
    expect(errors[9]).toMatch(LOCKED);
    for (const i of [c.a, c.b]) {
      const right = await attemptSignIn(i, "shared@detour.test", "right-password-123");
      expect(right.error, `instance ${i.name}`).toMatch(LOCKED);
      expect(right.session).toBeNull();
    }
  });

  it("B without Redis: its insurance limiter still locks after 10 failures, and other accounts still sign in", async () => {
    await c.redisProxy.cut();
    try {
      const errors: (string | null)[] = [];
      for (let i = 0; i < 10; i++) errors.push((await attemptSignIn(c.b, "insured@detour.test", `wrong-${i}`)).error);
      expect(errors.slice(0, 9)).toEqual(Array(9).fill("CredentialsSignin"));
      expect(errors[9]).toMatch(LOCKED);
      expect((await attemptSignIn(c.b, "insured@detour.test", "right-password-123")).error).toMatch(LOCKED);
      const admin = await attemptSignIn(c.b, "admin@detour.local", "multi-tests-pw");
      expect(admin.error).toBeNull();
      expect(admin.session).toBeTruthy();
    } finally {
      await c.redisProxy.restore();
    }
  });
});
