/**
 * Sessions end on the server (lib/auth/session-state.ts), over real HTTP against the production
 * build: a copied session cookie stops working after sign-out (management API 401, dashboard
 * redirect to /login); a password change ends every other session, keeps the one that made it,
 * and only the new password signs in. The password route's own rules (same-origin JSON, session
 * only, validation) are checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/crypto";
import { createUserInWorkspace } from "@/lib/store/users";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD } from "../../testing/api-client";
import { attemptSignIn, cookieHeader, cookiesOf, signOut, type Jar } from "../../testing/auth-client";

describe("sessions end on the server", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    await createUserInWorkspace(h.db, {
      email: "pw@detour.test",
      passwordHash: await hashPassword("first-password-123"),
      workspaceId: h.workspaceId,
    });
    await createUserInWorkspace(h.db, {
      email: "rules@detour.test",
      passwordHash: await hashPassword("rules-password-123"),
      workspaceId: h.workspaceId,
    });
  });
  afterAll(async () => h?.close());

  const signedIn = async (email: string, password: string): Promise<Jar> => {
    const a = await attemptSignIn(h, email, password);
    expect(a.session, `sign-in of ${email}: ${a.error}`).toBeTruthy();
    return a.jar;
  };
  const api = (jar: Jar) => fetch(`${h.baseURL}/configs`, { headers: { cookie: cookieHeader(jar) } }).then((r) => r.status);
  const page = async (jar: Jar, path = "/logs") => {
    const res = await fetch(`${h.url}${path}`, { headers: { cookie: cookieHeader(jar) }, redirect: "manual" });
    return { status: res.status, location: res.headers.get("location") };
  };
  const changePassword = (jar: Jar, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/api/account/password`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: h.url, cookie: cookieHeader(jar), ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("a copied session cookie is refused after sign-out: 401 from the API, /login from a page", async () => {
    const jar = await signedIn("admin@detour.local", ADMIN_PASSWORD);
    const copy = { ...jar };
    expect(await api(copy)).toBe(200);
    expect((await page(copy)).status).toBe(200);

    await signOut(h, jar);

    expect(await api(copy)).toBe(401);
    const after = await page(copy);
    expect(after.status).toBe(307);
    expect(after.location).toMatch(/\/login\?callbackUrl=/);
    // next-auth's own session endpoint says "no session" and clears the cookie.
    const s = await fetch(`${h.url}/api/auth/session`, { headers: { cookie: cookieHeader(copy) } });
    expect(await s.json()).toEqual({});
    expect(s.headers.getSetCookie().some((c) => /session-token=;/.test(c))).toBe(true);
    // Another session of the same user is untouched.
    expect(await api(await signedIn("admin@detour.local", ADMIN_PASSWORD))).toBe(200);
  });

  it("a password change ends the other sessions, keeps this one, and only the new password signs in", async () => {
    const a = await signedIn("pw@detour.test", "first-password-123");
    const b = await signedIn("pw@detour.test", "first-password-123");
    expect(await api(a)).toBe(200);
    expect(await api(b)).toBe(200);

    const res = await changePassword(a, {
      current_password: "first-password-123",
      new_password: "second-password-456",
      confirm_password: "second-password-456",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, other_sessions_ended: true });
    const renewed = { ...a, ...cookiesOf(res.headers) };

    expect(await api(b)).toBe(401);
    expect((await page(b)).location).toMatch(/\/login/);
    expect(await api(renewed)).toBe(200);
    expect((await page(renewed)).status).toBe(200);
    // The cookie as it was before the change (a copy) is refused too.
    expect(await api(a)).toBe(401);

    expect((await attemptSignIn(h, "pw@detour.test", "first-password-123")).error).toBe("CredentialsSignin");
    expect(await api(await signedIn("pw@detour.test", "second-password-456"))).toBe(200);
  });

  it("the password route: session only, same-origin JSON, clear validation errors at their field", async () => {
    const jar = await signedIn("rules@detour.test", "rules-password-123");
    const good = { current_password: "rules-password-123", new_password: "a-new-password-789", confirm_password: "a-new-password-789" };
    const error = async (r: Response) => ({ status: r.status, ...((await r.json()) as { error: Record<string, unknown> }).error });

    expect(await error(await changePassword(jar, good, { origin: "http://evil.example" }))).toMatchObject({
      status: 403,
      code: "cross_origin_write",
    });
    expect(await error(await changePassword(jar, JSON.stringify(good), { "content-type": "text/plain" }))).toMatchObject({
      status: 415,
      code: "unsupported_media_type",
    });
    expect(await error(await changePassword({}, good))).toMatchObject({ status: 401, code: "unauthorized" });
    expect(await error(await changePassword(jar, { ...good, new_password: "short", confirm_password: "short" }))).toMatchObject({
      status: 400,
      param: "new_password",
      message: expect.stringContaining("at least 12 characters"),
    });
    expect(await error(await changePassword(jar, { ...good, confirm_password: "something-else-1" }))).toMatchObject({
      status: 400,
      param: "confirm_password",
    });
    expect(await error(await changePassword(jar, { ...good, current_password: "not-the-password" }))).toMatchObject({
      status: 400,
      code: "wrong_password",
      param: "current_password",
    });
    expect(await error(await changePassword(jar, "{not json"))).toMatchObject({ status: 400, code: "invalid_json" });
    // Nothing above changed the password.
    expect(await api(jar)).toBe(200);
    expect((await changePassword(jar, good)).status).toBe(200);
  });
});
