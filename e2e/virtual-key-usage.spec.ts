import { expect, test } from "@playwright/test";
import { admin, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

/**
 * Before a revoke (issue 18, item 10): a virtual key's page shows its usage (requests, errors,
 * tokens, cost over 24 hours, 7 and 30 days, from real requests through the gateway) and the
 * configs that route to it, and the revoke dialog says what it would break.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = Date.now().toString(36);
let mock: MockUpstream;
let slug = "";
let unused = "";
const configs: string[] = [];

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  slug = await openaiVirtualKey(`usage-e2e-${RUN}`, "sk-e2e-usage-key-0000kkkk", mock.url);
  unused = await openaiVirtualKey(`unused-e2e-${RUN}`, "sk-e2e-unused-key-0000llll", mock.url);
  for (const [name, config] of [
    [`Routes to it ${RUN}`, { strategy: { mode: "fallback" }, targets: [{ virtual_key: unused }, { virtual_key: slug }] }],
    [`Names it elsewhere ${RUN}`, { virtual_key: unused, override_params: { user: slug } }],
  ] as const)
    configs.push((await admin<{ slug: string }>("POST", "/configs", { name, config })).slug);
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o", metadata: { e2e_run: RUN } })).status).toBe(200);
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o-mini", metadata: { e2e_run: RUN } })).status).toBe(200);
  mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o", metadata: { e2e_run: RUN } })).status).toBe(503);
  await expect
    .poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?metadata.e2e_run=${RUN}`)).data.length, { timeout: 15_000 })
    .toBe(3);
});
test.afterAll(async () => {
  for (const c of configs) await admin("DELETE", `/configs/${c}`).catch(() => undefined);
  for (const s of [slug, unused]) if (s) await admin("DELETE", `/virtual-keys/${s}`).catch(() => undefined);
  await mock?.close();
});

test("a key's page shows its usage and the configs that route to it, and the revoke dialog what it breaks", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto(`/virtual-keys/${slug}`);
  const usage = page.getByRole("region", { name: "Usage" });
  for (const period of ["Last 24 hours", "Last 7 days", "Last 30 days"]) {
    const row = usage.getByRole("row", { name: new RegExp(`^${period}`) });
    await expect(row.getByRole("cell").nth(0)).toHaveText("3");
    await expect(row.getByRole("cell").nth(1)).toHaveText("1");
  }
  const usedBy = usage.getByRole("list", { name: "Configs that route to it" });
  await expect(usedBy.getByRole("listitem")).toHaveCount(1);
  await expect(usedBy.getByRole("link", { name: `Routes to it ${RUN}` })).toHaveAttribute("href", `/configs/${configs[0]}#cfg-v1`);
  await expect(usage.getByRole("link", { name: "Its requests in Logs" })).toHaveAttribute("href", `/logs?virtual_key=${slug}`);
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-usage"), fullPage: true });

  await page.getByRole("button", { name: "Revoke key" }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke “usage-e2e-${RUN}”?` });
  const impact = dialog.getByRole("note");
  await expect(impact).toContainText("1 active config routes to it:");
  await expect(impact.getByRole("link", { name: `Routes to it ${RUN}` })).toBeVisible();
  await expect(impact).toContainText("It served 3 requests in the last 7 days.");
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-revoke-impact") });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // A key nothing routes to and nothing used.
  await page.goto(`/virtual-keys/${unused}`);
  await expect(
    page.getByRole("region", { name: "Usage" }).getByRole("list", { name: "Configs that route to it" }).getByRole("listitem"),
  ).toHaveCount(2);
  expect(errors).toEqual([]);
});

test("test a key from its page: one real request through it alone, its attempt shown, logged as a test", async ({ page }, info) => {
  await page.goto(`/virtual-keys/${slug}`);
  const panel = page.getByRole("region", { name: "Test this key" });
  await expect(panel.getByLabel("Model")).toHaveValue("gpt-4o-mini");
  // The mock still answers this provider 503 (scripted above): the test says so, attempt by attempt.
  await panel.getByRole("button", { name: "Test this key" }).click();
  const result = panel.getByRole("region", { name: "Test result" });
  await expect(result).toContainText("Failed in");
  await expect(result.getByRole("listitem")).toHaveCount(1);
  await expect(result.getByRole("listitem").first()).toContainText("503");

  mock.clearScript();
  await panel.getByRole("button", { name: "Test this key" }).click();
  await expect(result).toContainText("Answered in");
  await expect(result.getByRole("listitem").first()).toContainText("200");
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-test"), fullPage: true });
  // Both tests are logged through this key, marked as tests.
  await expect
    .poll(
      async () =>
        (await admin<{ data: { status: number }[] }>("GET", `/logs?virtual_key=${slug}&metadata.detour_test=config`)).data.map(
          (l) => l.status,
        ),
      {
        timeout: 15_000,
      },
    )
    .toEqual([200, 503]);
});

test("the usage panel fits a phone", async ({ page }, info) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/virtual-keys/${slug}`);
  const usage = page.getByRole("region", { name: "Usage" });
  await expect(usage).toBeVisible();
  const box = await usage.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  // The table scrolls inside the panel rather than widening it.
  expect(await usage.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await usage.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-usage-390") });
});
