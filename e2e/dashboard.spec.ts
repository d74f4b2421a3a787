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

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]) {
  test(`the overview's cards line up their values when a label wraps (${viewport.width}x${viewport.height})`, async ({ page }, info) => {
    await page.setViewportSize(viewport);
    await page.goto("/");
    const cards = page.getByRole("region", { name: "Workspace summary" }).locator(".card");
    await expect(cards).toHaveCount(5);
    const boxes = await cards.evaluateAll((els) =>
      els.map((card) => {
        const label = card.querySelector(".label")!.getBoundingClientRect();
        return {
          top: Math.round(card.getBoundingClientRect().top),
          labelLines: Math.round(label.height / Number.parseFloat(getComputedStyle(card.querySelector(".label")!).lineHeight)),
          valueBottom: Math.round(card.querySelector(".value")!.getBoundingClientRect().bottom),
          cardBottom: Math.round(card.getBoundingClientRect().bottom),
        };
      }),
    );
    const rows = new Map<number, typeof boxes>();
    for (const b of boxes) rows.set(b.top, [...(rows.get(b.top) ?? []), b]);
    for (const [top, row] of rows) {
      expect(new Set(row.map((b) => b.valueBottom)).size, `values of the row at ${top}px: ${JSON.stringify(row)}`).toBe(1);
      expect(new Set(row.map((b) => b.cardBottom)).size).toBe(1);
    }
    if (viewport.width === 390) {
      // Two cards a row here: "Rescued by fallback (24 h)" wraps, and its neighbour's value still lines up with its own.
      expect(Math.max(...boxes.map((b) => b.labelLines))).toBeGreaterThan(1);
    }
    await page.screenshot({ path: screenshotPath(info.outputDir, `overview-cards-${viewport.width}`) });
  });
}
