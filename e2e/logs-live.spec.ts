/**
 * The log explorer's live tail (issue 18, item 13): on the newest-first first page, "Go live"
 * shows requests as they arrive without a reload (marked as new), "Live" pauses it, and it is not
 * offered where new rows could not appear (another sort, a later page).
 */
import { expect, test } from "@playwright/test";
import { admin, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let mock: MockUpstream;
let vk = "";

async function send(n: number): Promise<void> {
  const res = await gatewayChat({
    virtualKey: vk,
    metadata: { e2e_run: RUN, n: String(n) },
    traceId: `live-${RUN}-${n}`,
    model: "gpt-4o-mini",
    content: `live ${n}`,
  });
  expect(res.status).toBe(200);
}

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  vk = await openaiVirtualKey(`Live ${RUN}`, "sk-e2e-live-000000000000007777", mock.url);
  await send(1);
  await expect
    .poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?metadata.e2e_run=${RUN}`)).data.length, { timeout: 15_000 })
    .toBe(1);
});
test.afterAll(async () => {
  await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
  await mock?.close();
});

test("go live: new requests appear without a reload and are marked; pause stops them; only on the newest first page", async ({
  page,
}, info) => {
  const errors = consoleErrors(page);
  await page.goto(`/logs?metadata.e2e_run=${RUN}`);
  const table = page.getByRole("table", { name: "Request logs" });
  const rows = table.locator("tbody tr[data-row-index]");
  await expect(rows).toHaveCount(1);
  const toggle = page.getByRole("button", { name: "Go live" });
  await toggle.click();
  const live = page.getByRole("button", { name: "Live", exact: true });
  await expect(live).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("status").filter({ hasText: /^Live, checked \d\d:\d\d:\d\d UTC/ })).toBeVisible();

  await send(2);
  await expect(rows).toHaveCount(2, { timeout: 15_000 });
  await expect(table.locator("tbody tr.row-new")).toHaveCount(1);
  await expect(table.locator("tbody tr.row-new")).toContainText(`live-${RUN}-2`);
  await expect(page.getByRole("status").filter({ hasText: ": 1 new" })).toBeVisible();
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-live"), fullPage: true });

  // Paused: a request sent now stays out until the list is live again.
  await live.click();
  await expect(page.getByRole("button", { name: "Go live" })).toHaveAttribute("aria-pressed", "false");
  await send(3);
  await expect
    .poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?metadata.e2e_run=${RUN}`)).data.length, { timeout: 15_000 })
    .toBe(3);
  await page.waitForTimeout(5_000);
  await expect(rows).toHaveCount(2);
  await page.getByRole("button", { name: "Go live" }).click();
  await expect(rows).toHaveCount(3, { timeout: 15_000 });

  // Sorted by cost, new rows would not come first: no live tail there.
  await page.goto(`/logs?metadata.e2e_run=${RUN}&sort=-cost`);
  await expect(rows).toHaveCount(3);
  await expect(page.getByRole("button", { name: /^(Go live|Live)$/ })).toHaveCount(0);
  expect(errors).toEqual([]);
});
