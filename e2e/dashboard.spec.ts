import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { admin } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";

test.use({ storageState: ADMIN_STATE });

type ApiKeyList = { total: number; data: { id: string; name: string; status: string }[] };

/** The workspace's active API keys as the management API counts them (other specs may have left some). */
async function activeApiKeys(): Promise<ApiKeyList> {
  return admin<ApiKeyList>("GET", "/api-keys?status=active&page_size=100");
}

test("the dashboard shows the workspace, the signed-in user and the overview", async ({ page }, info) => {
  // DETOUR_ADMIN_API_KEY counts as one of the workspace's API keys; the card shows how many are active.
  const before = await activeApiKeys();
  expect(before.data.map((k) => k.name)).toContain("DETOUR_ADMIN_API_KEY");
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTitle("Workspace")).toHaveText("Default workspace");
  await expect(page.getByTitle("Signed in as")).toHaveText(E2E_ADMIN.email);
  const summary = page.getByRole("region", { name: "Workspace summary" });
  await expect(summary.getByText("Requests (24 h)")).toBeVisible();
  const apiKeysCard = summary.locator(".card", { hasText: "API keys" }).locator(".value");
  await expect(apiKeysCard).toHaveText(String(before.total));
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await page.screenshot({ path: screenshotPath(info.outputDir, "dashboard"), fullPage: true });

  // A key created now counts at once, and stops counting once revoked.
  const created = await admin<{ id: string }>("POST", "/api-keys", { name: `e2e dashboard ${Date.now().toString(36)}`, scope: "gateway" });
  try {
    await page.reload();
    await expect(apiKeysCard).toHaveText(String(before.total + 1));
  } finally {
    await admin("DELETE", `/api-keys/${created.id}`);
  }
  await page.reload();
  await expect(apiKeysCard).toHaveText(String(before.total));
});

test("health reports the database", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok", db: "ok", database: "sqlite" });
});
