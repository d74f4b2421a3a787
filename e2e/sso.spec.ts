/**
 * Single sign-on in Chromium against a real OpenID Connect provider (testing/oidc-provider.ts,
 * started by e2e/global-setup.ts; its development login form takes the email as the login name and
 * any password). The e2e server allows corp.example only and gives newcomers the viewer role
 * (playwright.config.ts E2E_OIDC). Audit rows are read from the server's SQLite file directly.
 */
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import Database from "better-sqlite3";
import { E2E_ADMIN, E2E_OIDC, E2E_PORT } from "../playwright.config";
import { screenshotPath } from "../testing/e2e-fixtures";

const at = (p: string) => new URL(p, test.info().project.use.baseURL).href;

type AuditRow = {
  action: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  address: string | null;
  userAgent: string | null;
  after: string | null;
};

/** Rows of the e2e server's database (read-only; the server keeps writing beside us). */
function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.resolve(process.cwd(), `.e2e/data-${E2E_PORT}/detour.db`), { readonly: true, timeout: 10_000 });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The browser's address as the audit records it: localhost may be ::1, which counts per /64 (lib/auth/client-address.ts). */
const LOOPBACK = ["127.0.0.1", "0:0:0:0::/64"];

const auditOf = (label: string, action: string) =>
  query<AuditRow>(`SELECT * FROM "AuditEvent" WHERE "actorLabel" = ? AND "action" = ? ORDER BY "at"`, label, action);

/** From Detour's sign-in page through the provider's login and consent forms. */
async function signInWithSso(page: Page, email: string) {
  await page.getByRole("link", { name: `Sign in with ${E2E_OIDC.name}` }).click();
  await expect(page).toHaveURL(new RegExp(`^${E2E_OIDC.issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(email);
  await page.locator('input[name="password"]').fill("any-password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  // First sign-in of this account at the provider: it asks to share email and profile with Detour.
  await page.getByRole("button", { name: "Continue" }).click();
}

test.describe("single sign-on", () => {
  test("the sign-in page offers SSO above the password form", async ({ page }, info) => {
    await page.goto("/login");
    const sso = page.getByRole("link", { name: "Sign in with Corp SSO" });
    await expect(sso).toBeVisible();
    await expect(page.getByLabel("Email")).toBeVisible();
    await expect(page.getByLabel("Password")).toBeVisible();
    const ssoBox = (await sso.boundingBox())!;
    const emailBox = (await page.getByLabel("Email").boundingBox())!;
    expect(ssoBox.y).toBeLessThan(emailBox.y);
    await page.screenshot({ path: screenshotPath(info.outputDir, "login-with-sso"), fullPage: true });
    // The client secret never reaches the browser.
    expect(await page.content()).not.toContain(E2E_OIDC.clientSecret);
  });

  test("alice@corp.example signs in as a viewer of the default workspace, and it is audited", async ({ page }, info) => {
    await page.goto("/");
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
    await signInWithSso(page, "alice@corp.example");
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page).toHaveURL(at("/"));
    await expect(page.getByText("alice@corp.example")).toBeVisible();
    await page.screenshot({ path: screenshotPath(info.outputDir, "sso-overview"), fullPage: true });

    // The session works on the management API as a viewer: reads yes, admin changes no.
    const ws = await page.request.get("/v1/workspace");
    expect(ws.status()).toBe(200);
    expect(await ws.json()).toMatchObject({ object: "workspace", slug: "default" });
    const put = await page.request.put("/v1/workspace", {
      headers: { origin: at("/").slice(0, -1) },
      data: { name: "Renamed by a viewer" },
    });
    expect(put.status()).toBe(403);

    const [user] = query<{ id: string; passwordHash: string; oidcSubject: string; name: string; lastLoginAt: number | null }>(
      `SELECT * FROM "User" WHERE "email" = ?`,
      "alice@corp.example",
    );
    expect(user).toMatchObject({ passwordHash: "", name: "Alice" });
    expect(user!.oidcSubject).toBe(`${E2E_OIDC.issuer}|alice@corp.example`);
    expect(user!.lastLoginAt).not.toBeNull();
    const memberships = query<{ role: string; isDefault: number }>(
      `SELECT m."role", w."isDefault" FROM "WorkspaceMember" m JOIN "Workspace" w ON w."id" = m."workspaceId" WHERE m."userId" = ?`,
      user!.id,
    );
    expect(memberships).toEqual([{ role: "viewer", isDefault: 1 }]);

    await expect.poll(() => auditOf("alice@corp.example", "auth.sign_in").length).toBe(1);
    const [event] = auditOf("alice@corp.example", "auth.sign_in");
    expect(event).toMatchObject({ actorType: "user", actorId: user!.id });
    expect(LOOPBACK).toContain(event!.address);
    expect(event!.userAgent).toContain("Chrome");
    expect(JSON.parse(event!.after!)).toEqual({ method: "oidc", new_user: true });

    // Sign-out ends the SSO session like a password one, and is audited.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
    await expect.poll(() => auditOf("alice@corp.example", "auth.sign_out").length).toBe(1);

    // Signing out of Detour does not sign out of the provider: the next SSO sign-in goes straight
    // through, to the same account.
    await page.getByRole("link", { name: "Sign in with Corp SSO" }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    expect(query(`SELECT "id" FROM "User" WHERE "email" = ?`, "alice@corp.example")).toHaveLength(1);
    await expect.poll(() => auditOf("alice@corp.example", "auth.sign_in").length).toBe(2);
  });

  test("mallory@evil.example is refused with the domain message, and it is audited", async ({ page }, info) => {
    await page.goto("/login");
    await signInWithSso(page, "mallory@evil.example");
    await expect(page).toHaveURL(at("/login?error=sso_domain_not_allowed"));
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(
      "Single sign-on refused: accounts from your email domain may not sign in to Detour. Use an account from an allowed domain, or ask an admin.",
    );
    await page.screenshot({ path: screenshotPath(info.outputDir, "sso-domain-refused"), fullPage: true });
    await page.goto("/");
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
    expect(query(`SELECT "id" FROM "User" WHERE "email" = ?`, "mallory@evil.example")).toEqual([]);

    await expect.poll(() => auditOf("mallory@evil.example", "auth.sign_in_failed").length).toBe(1);
    const [event] = auditOf("mallory@evil.example", "auth.sign_in_failed");
    expect(event).toMatchObject({ actorType: "anonymous", actorId: null });
    expect(LOOPBACK).toContain(event!.address);
    expect(JSON.parse(event!.after!)).toEqual({ method: "oidc", reason: "domain_not_allowed" });
  });

  test("an email the provider says is unverified is refused", async ({ page }) => {
    await page.goto("/login");
    await signInWithSso(page, "unverified@corp.example");
    await expect(page).toHaveURL(at("/login?error=sso_email_not_verified"));
    await expect(page.getByRole("main").getByRole("alert")).toContainText("did not confirm that your email address is verified");
  });

  test("password sign-ins and failures are audited too, never with the password", async ({ page }) => {
    const before = auditOf(E2E_ADMIN.email, "auth.sign_in").length;
    await page.goto("/login");
    await page.getByLabel("Email").fill(E2E_ADMIN.email);
    await page.getByLabel("Password").fill("not-the-password-e2e");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    await expect
      .poll(() => auditOf(E2E_ADMIN.email, "auth.sign_in_failed").map((e) => JSON.parse(e.after!).reason))
      .toContain("wrong_password");
    const all = JSON.stringify(query(`SELECT * FROM "AuditEvent"`));
    expect(all).not.toContain("not-the-password-e2e");

    await page.getByLabel("Password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect.poll(() => auditOf(E2E_ADMIN.email, "auth.sign_in").length).toBe(before + 1);
    expect(JSON.parse(auditOf(E2E_ADMIN.email, "auth.sign_in").at(-1)!.after!)).toEqual({ method: "password" });
  });
});
