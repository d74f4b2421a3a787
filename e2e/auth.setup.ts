import { expect, test as setup } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { ADMIN_STATE } from "../testing/e2e-fixtures";

setup("sign in as the admin created on first start", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2F$/);
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.context().storageState({ path: ADMIN_STATE });
});
