import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { admin } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors } from "../testing/e2e-fixtures";

/**
 * The audit trail page, as the e2e admin: a change made in the admin's own session (a config
 * renamed, with markup in its name) is listed at /audit once filtered by action and actor, with its
 * address; its before and after open in a dialog as text (the markup escaped, not rendered); the
 * export link carries the filters.
 */
test.use({ storageState: ADMIN_STATE });

const run = Date.now().toString(36);

test("a change made in the dashboard's session is in the audit trail with its before and after", async ({ page, baseURL }) => {
  const errors = consoleErrors(page);
  const before = `audit e2e ${run}`;
  const after = `audit e2e ${run} <b>renamed</b>`;
  const created = await admin<{ slug: string; id: string }>("POST", "/configs", {
    name: before,
    config: { provider: "openai", api_key: `sk-e2e-audit-${run}-secret` },
  });
  // The session's own cookie, as the dashboard's forms send it: same origin, JSON.
  const renamed = await page.request.put(`/v1/configs/${created.slug}`, {
    data: { name: after },
    headers: { origin: baseURL ?? "" },
  });
  expect(renamed.status(), await renamed.text()).toBe(200);

  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Audit trail", level: 1 })).toBeVisible();
  const filters = page.getByRole("form", { name: "Filter the audit trail" });
  await filters.getByLabel("Action").fill("config.update");
  await filters.getByLabel("Actor").fill(E2E_ADMIN.email);
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=config\.update/);
  await expect(page).toHaveURL(/actor=/);

  const table = page.getByRole("table", { name: "Audit events" });
  const row = table.getByRole("row").filter({ hasText: created.slug });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(E2E_ADMIN.email);
  await expect(row).toContainText("config.update");
  await expect(row).toContainText(/127\.0\.0\.1|::1/);
  await expect(table.getByRole("row").filter({ hasText: "config.create" })).toHaveCount(0);

  await expect(page.getByRole("link", { name: "Export JSONL" })).toHaveAttribute(
    "href",
    /\/v1\/audit\/export\?action=config\.update&actor=/,
  );

  await row.getByRole("button", { name: /Before and after/ }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  const beforeJson = dialog.getByRole("region", { name: "Before (JSON)" });
  const afterJson = dialog.getByRole("region", { name: "After (JSON)" });
  await expect(beforeJson).toContainText(`"name": "${before}"`);
  await expect(afterJson).toContainText(`"name": "${after}"`);
  await expect(afterJson).toContainText('"api_key": "[redacted]"');
  await expect(dialog.locator("b")).toHaveCount(0); // the markup is text, never HTML
  await expect(dialog).not.toContainText("-secret");
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toBeHidden();
  expect(errors).toEqual([]);
});
