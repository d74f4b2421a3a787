import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";

test.use({ storageState: ADMIN_STATE });

test("the dashboard shows the workspace, the signed-in user and the overview", async ({ page }, info) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTitle("Workspace")).toHaveText("Default workspace");
  await expect(page.getByTitle("Signed in as")).toHaveText(E2E_ADMIN.email);
  const summary = page.getByRole("region", { name: "Workspace summary" });
  await expect(summary.getByText("Requests (24 h)")).toBeVisible();
  // DETOUR_ADMIN_API_KEY counts as the workspace's one API key.
  await expect(summary.locator(".card", { hasText: "API keys" }).locator(".value")).toHaveText("1");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await page.screenshot({ path: screenshotPath(info.outputDir, "dashboard"), fullPage: true });
});

test("health reports the database", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok", db: "ok", database: "sqlite" });
});
