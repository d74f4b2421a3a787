import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";

/** The absolute URL of a path on the server under test: URLs are asserted whole, not by pattern. */
const at = (path: string) => new URL(path, test.info().project.use.baseURL).href;

test.describe("sign-in", () => {
  test("every dashboard page needs a session", async ({ page, request }) => {
    await page.goto("/");
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
    await expect(page.getByRole("heading", { name: "Sign in to Detour" })).toBeVisible();
    const res = await request.get("/", { maxRedirects: 0 });
    expect(res.status()).toBe(307);
    expect(res.headers().location).toBe("/login?callbackUrl=%2F");
  });

  test("a wrong password shows a clear error and no session", async ({ page }, info) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(E2E_ADMIN.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    await page.screenshot({ path: screenshotPath(info.outputDir, "login-wrong-password"), fullPage: true });
    await expect(page).toHaveURL(at("/login")); // still on the form
    await page.goto("/");
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
  });

  test("an unknown email gets the same error", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("nobody@detour.test");
    await page.getByLabel("Password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
  });

  test("sign in returns to the page asked for, and sign-out ends the session", async ({ page }, info) => {
    await page.goto("/");
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
    await page.getByLabel("Email").fill(E2E_ADMIN.email);
    await page.getByLabel("Password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page).toHaveURL(at("/"));
    await expect(page.getByText(E2E_ADMIN.email)).toBeVisible();
    await page.screenshot({ path: screenshotPath(info.outputDir, "overview"), fullPage: true });
    await page.getByRole("button", { name: "Sign out" }).click();
    // Sign-out asks for /login, which a redirect may not name (lib/auth/callback-url.ts): it goes to
    // "/", whose guard sends the now signed-out browser to the form.
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
    await expect(page.getByRole("heading", { name: "Sign in to Detour" })).toBeVisible();
    await page.goto("/");
    await expect(page).toHaveURL(at("/login?callbackUrl=%2F"));
  });

  test("sign in follows a same-site callbackUrl, path and query", async ({ page }) => {
    await page.goto("/login?callbackUrl=%2Flogs%3Fstatus%3D200");
    await page.getByLabel("Email").fill(E2E_ADMIN.email);
    await page.getByLabel("Password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Logs", level: 1 })).toBeVisible();
    await expect(page).toHaveURL(at("/logs?status=200"));
  });

  test("the callback URL cannot send the user to another site", async ({ page }) => {
    await page.goto("/login?callbackUrl=https%3A%2F%2Fevil.example%2F");
    await page.getByLabel("Email").fill(E2E_ADMIN.email);
    await page.getByLabel("Password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page).toHaveURL(at("/")); // the default, not merely this host
  });

  // The cases as typed in the address bar (the query is decoded once: `/\host/x`, `/<TAB>/host`), and relatives.
  for (const hostile of ["/%5Cevil.example/x", "/%09/evil.example", "/%2F%2Fevil.example", "//evil.example/x", "/%0A/evil.example"]) {
    test(`a hostile callbackUrl ${hostile} lands on the dashboard after sign-in`, async ({ page }) => {
      await page.goto(`/login?callbackUrl=${hostile}`);
      await page.getByLabel("Email").fill(E2E_ADMIN.email);
      await page.getByLabel("Password").fill(E2E_ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
      await expect(page).toHaveURL(at("/"));
    });
  }
});

test.describe("sign-in page with a session", () => {
  test.use({ storageState: ADMIN_STATE });
  for (const hostile of ["/%5Cevil.example/x", "/%09/evil.example"]) {
    test(`a signed-in visit to /login?callbackUrl=${hostile} stays on this site`, async ({ page, request }) => {
      await page.goto(`/login?callbackUrl=${hostile}`);
      await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
      await expect(page).toHaveURL(at("/"));
      const res = await request.get(`/login?callbackUrl=${hostile}`, { maxRedirects: 0 });
      expect(res.status()).toBe(307);
      expect(res.headers().location).toBe("/");
    });
  }
  test("a same-site callbackUrl is honoured", async ({ page }) => {
    await page.goto("/login?callbackUrl=%2Flogs%3Fstatus%3D200");
    await expect(page).toHaveURL(at("/logs?status=200"));
  });
});
