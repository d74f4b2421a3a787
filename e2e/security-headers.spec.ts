/**
 * The pages under their nonce CSP (proxy.ts): no script, style or other resource of Detour's own
 * pages is blocked, on first load and after client-side navigation, signed in and signed out.
 */
import { expect, test, type Page } from "@playwright/test";
import { ADMIN_STATE } from "../testing/e2e-fixtures";

type Violation = { directive: string; blocked: string; sample: string };

/** Records every CSP violation the page reports (the event, and the console's own error line). */
async function watchViolations(page: Page): Promise<{ violations: () => Promise<Violation[]>; console: string[] }> {
  const consoleErrors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Content-Security-Policy/i.test(msg.text())) consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(`page error: ${err.message}`));
  await page.addInitScript(() => {
    const seen: Violation[] = [];
    (window as unknown as { __cspViolations: Violation[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) =>
      seen.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }),
    );
  });
  return {
    console: consoleErrors,
    violations: () => page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations ?? []),
  };
}

test.describe("signed in", () => {
  test.use({ storageState: ADMIN_STATE });

  test("the dashboard's pages run under their CSP with no violation", async ({ page }) => {
    const watch = await watchViolations(page);
    for (const [path, heading] of [
      ["/", "Overview"],
      ["/logs", "Logs"],
      ["/configs", "Configs"],
      ["/configs/new", "New config"],
      ["/virtual-keys", "Virtual keys"],
      ["/api-keys", "API keys"],
      ["/analytics", "Analytics"],
    ] as const) {
      const res = await page.goto(path);
      expect(res?.headers()["content-security-policy"], path).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
      await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
      await page.waitForLoadState("networkidle");
      expect(await watch.violations(), path).toEqual([]);
    }
    // Client-side navigation (React fetches the next page's payload and runs its chunks).
    await page.goto("/");
    await page.getByRole("navigation").getByRole("link", { name: "Configs" }).click();
    await expect(page.getByRole("heading", { name: "Configs", level: 1 })).toBeVisible();
    await page.getByRole("navigation").getByRole("link", { name: "Analytics" }).click();
    await expect(page.getByRole("heading", { name: "Analytics", level: 1 })).toBeVisible();
    await page.waitForLoadState("networkidle");
    expect(await watch.violations()).toEqual([]);
    expect(watch.console).toEqual([]);
  });
});

test("the sign-in page runs under its CSP with no violation, and its form script runs", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watch = await watchViolations(page);
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Sign in to Detour" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  // The form's script runs (a wrong password is answered in place, by the page's own code).
  await page.getByLabel("Email").fill("nobody@detour.test");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
  expect(await watch.violations()).toEqual([]);
  expect(watch.console).toEqual([]);
  await context.close();
});
