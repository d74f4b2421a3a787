/**
 * The keyboard's way into a dashboard page: the first Tab reaches "Skip to content", which moves
 * the focus past the navigation to the page itself.
 */
import { expect, test } from "@playwright/test";
import { ADMIN_STATE } from "../testing/e2e-fixtures";

test.use({ storageState: ADMIN_STATE });

for (const path of ["/logs", "/configs", "/analytics"]) {
  test(`the first Tab on ${path} is a skip link to the page's content`, async ({ page }) => {
    await page.goto(path);
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(page.locator("main#main")).toBeFocused();
    // The next Tab goes to the page's first control, not back into the navigation.
    await page.keyboard.press("Tab");
    const inMain = await page.evaluate(() => document.activeElement?.closest("main") !== null);
    expect(inMain).toBe(true);
  });
}
