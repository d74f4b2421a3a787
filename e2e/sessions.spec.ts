import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { screenshotPath } from "../testing/e2e-fixtures";
import { startServer, waitForHealthOrExit, type ServerProcess } from "../testing/server-process";

// A Detour of its own (fresh data directory, its own admin): these tests sign out, change the
// admin's password and lock an account, which must not disturb the shared e2e server's sessions.
test.describe("sessions end on the server; sign-in throttling", () => {
  test.describe.configure({ mode: "serial" });
  const email = "sessions-e2e@detour.test";
  const firstPassword = "first-password-e2e-1";
  const secondPassword = "second-password-e2e-2";
  let server: ServerProcess;
  let dataDir: string;
  let base: string;

  test.beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-e2e-sessions-"));
    server = await startServer({
      DETOUR_DATA_DIR: dataDir,
      DETOUR_ADMIN_EMAIL: email,
      DETOUR_ADMIN_PASSWORD: firstPassword,
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    });
    const ready = await waitForHealthOrExit(server);
    if (ready.health !== 200) throw new Error(`Detour did not start: ${server.output()}`);
    base = `http://localhost:${server.port}`;
  });
  test.afterAll(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(page: Page, password: string): Promise<void> {
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  async function signedInContext(browser: Browser) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, firstPassword);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    return { context, page };
  }

  test("sign-out ends the session everywhere: a copied cookie gets 401 from the API and /login from a page", async ({ browser }) => {
    const a = await signedInContext(browser);
    // Another browser with a copy of the session cookie.
    const copy = await browser.newContext({ storageState: await a.context.storageState() });
    const copyPage = await copy.newPage();
    await copyPage.goto(`${base}/logs`);
    await expect(copyPage.getByRole("heading", { name: "Logs" })).toBeVisible();
    expect((await copy.request.get(`${base}/v1/configs`)).status()).toBe(200);

    await a.page.getByRole("button", { name: "Sign out" }).click();
    await expect(a.page).toHaveURL(/\/login/);

    expect((await copy.request.get(`${base}/v1/configs`)).status()).toBe(401);
    await copyPage.goto(`${base}/logs`);
    await expect(copyPage).toHaveURL(/\/login\?callbackUrl=/);
    await expect(copyPage.getByRole("heading", { name: "Sign in to Detour" })).toBeVisible();
    await a.context.close();
    await copy.close();
  });

  test("a password change signs out the other browser, keeps this one, and only the new password signs in", async ({ browser }, info) => {
    const a = await signedInContext(browser);
    const b = await signedInContext(browser);

    await a.page.getByRole("link", { name: email }).click();
    await expect(a.page.getByRole("heading", { name: "Account" })).toBeVisible();
    await a.page.getByLabel("Current password").fill(firstPassword);
    await a.page.getByLabel("New password", { exact: true }).fill("short");
    await a.page.getByLabel("Confirm new password").fill("short");
    await a.page.getByRole("button", { name: "Change password" }).click();
    await expect(a.page.getByText("The new password must be at least 12 characters.")).toBeVisible();

    await a.page.getByLabel("New password", { exact: true }).fill(secondPassword);
    await a.page.getByLabel("Confirm new password").fill(secondPassword);
    await a.page.getByRole("button", { name: "Change password" }).click();
    await expect(a.page.getByRole("status")).toHaveText("Password changed. Your other sessions are signed out.");
    await a.page.screenshot({ path: screenshotPath(info.outputDir, "account-password-changed"), fullPage: true });

    await b.page.goto(`${base}/logs`);
    await expect(b.page).toHaveURL(/\/login/);
    expect((await b.context.request.get(`${base}/v1/configs`)).status()).toBe(401);

    await a.page.goto(`${base}/logs`);
    await expect(a.page.getByRole("heading", { name: "Logs" })).toBeVisible();
    expect((await a.context.request.get(`${base}/v1/configs`)).status()).toBe(200);

    const c = await browser.newContext();
    const cPage = await c.newPage();
    await signIn(cPage, firstPassword);
    await expect(cPage.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
    await signIn(cPage, secondPassword);
    await expect(cPage.getByRole("heading", { name: "Overview" })).toBeVisible();
    await Promise.all([a.context.close(), b.context.close(), c.close()]);
  });

  test("after repeated wrong passwords the login page says the account is locked and for how long", async ({ page }, info) => {
    await page.goto(`${base}/login`);
    const alert = page.getByRole("main").getByRole("alert");
    for (let i = 0; i < 9; i++) {
      await page.getByLabel("Email").fill("locked-e2e@detour.test");
      await page.getByLabel("Password").fill(`wrong-${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
      await expect(alert).toHaveText("Wrong email or password.");
    }
    await page.getByLabel("Password").fill("wrong-10");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(alert).toHaveText("Too many failed sign-ins for this account. Try again in 15 minutes.");
    await page.screenshot({ path: screenshotPath(info.outputDir, "login-locked"), fullPage: true });
  });
});
