import { expect, test } from "@playwright/test";
import { admin, azureVirtualKey, gatewayChat } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

/**
 * "Edit settings" on a virtual key's page (issue 18, item 16): the name, note, custom host, Azure's
 * resource and deployments, and the rate limits the API always had and no screen did. A bad value
 * is refused at its field and nothing is saved; a saved limit is enforced by the gateway at once.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
let mock: MockUpstream;
let slug = "";

type KeyView = {
  name: string;
  note: string | null;
  custom_host: string | null;
  rate_limits: { rpm: number | null; tpm: number | null };
  deployments: { deployment_name: string; alias: string | null; is_default: boolean }[];
};

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  slug = await azureVirtualKey(`edit-e2e-${run}`, "azure-e2e-edit-key-0000jjjj", mock.url);
});
test.afterAll(async () => {
  if (slug) await admin("DELETE", `/virtual-keys/${slug}`);
  await mock?.close();
});

test("edit a key's settings: a bad value is refused at its field, the rest saved only on a valid save, limits enforced", async ({
  page,
}, info) => {
  const errors = consoleErrors(page);
  await page.goto(`/virtual-keys/${slug}`);
  const limits = page.getByRole("group", { name: "Rate limits" });
  await expect(limits).toContainText("none");
  await page.getByRole("button", { name: "Edit settings" }).click();
  const dialog = page.getByRole("dialog", { name: `Edit “edit-e2e-${run}”` });
  const save = dialog.getByRole("button", { name: "Save settings" });
  await expect(save).toBeDisabled();

  await dialog.getByLabel("Name", { exact: true }).fill(`edited-e2e-${run}`);
  await dialog.getByLabel("Note").fill("Owned by the e2e suite");
  await dialog.getByRole("button", { name: "+ Add deployment" }).click();
  await dialog.getByLabel("Alias 2", { exact: true }).fill("o3");
  await dialog.getByLabel("Deployment 2", { exact: true }).fill("o3-prod");
  const rpm = dialog.getByLabel("Requests per minute");
  await rpm.fill("1.5");
  const host = dialog.getByLabel("Custom host");
  await host.fill("ftp://nope.example.com");
  await expect(dialog).toContainText("Changes: name, note, custom_host, deployments, rate_limits");
  await save.click();
  // Refused at the fields, focused on the first; nothing of it was saved.
  await expect(host).toHaveAttribute("aria-invalid", "true");
  await expect(host).toHaveAccessibleDescription(/must be an http\(s\) URL/);
  await expect(rpm).toHaveAccessibleDescription(/must be an integer from 1 to/);
  const unchanged = await admin<KeyView>("GET", `/virtual-keys/${slug}`);
  expect(unchanged).toMatchObject({ name: `edit-e2e-${run}`, note: null, rate_limits: { rpm: null, tpm: null } });
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-edit-refused") });

  await host.fill(`${mock.url}/openai`);
  await rpm.fill("2");
  await save.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("heading", { name: `edited-e2e-${run}`, level: 1 })).toBeVisible();
  await expect(page.getByText("Owned by the e2e suite")).toBeVisible();
  await expect(limits).toContainText("2 requests/min");
  await expect(page.getByRole("cell", { name: "o3-prod" })).toBeVisible();

  const saved = await admin<KeyView>("GET", `/virtual-keys/${slug}`);
  expect(saved).toMatchObject({
    name: `edited-e2e-${run}`,
    note: "Owned by the e2e suite",
    custom_host: `${mock.url}/openai`,
    rate_limits: { rpm: 2, tpm: null },
  });
  expect(saved.deployments.map((d) => [d.deployment_name, d.alias, d.is_default])).toEqual([
    ["gpt4o-prod", "gpt-4o", true],
    ["o3-prod", "o3", false],
  ]);

  // The new deployment answers, and the limit of 2 a minute holds from the next request on.
  const first = await gatewayChat({ virtualKey: slug, model: "o3" });
  expect(first.status).toBe(200);
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);
  const third = await gatewayChat({ virtualKey: slug, model: "gpt-4o" });
  expect(third.status).toBe(429);
  expect((await third.json()).error.code).toBe("detour_rate_limit");

  // Emptying the limit and the note removes them.
  await page.getByRole("button", { name: "Edit settings" }).click();
  const again = page.getByRole("dialog", { name: `Edit “edited-e2e-${run}”` });
  await again.getByLabel("Requests per minute").fill("");
  await again.getByLabel("Note").fill("");
  await again.getByRole("button", { name: "Save settings" }).click();
  await expect(again).toBeHidden();
  await expect(limits).toContainText("none");
  expect(await admin<KeyView>("GET", `/virtual-keys/${slug}`)).toMatchObject({ note: null, rate_limits: { rpm: null, tpm: null } });
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);
  // The one refused save is the only failed load.
  expect(errors).toEqual([expect.stringContaining("status of 400 (Bad Request)")]);
});

test("the settings dialog fits a phone", async ({ page }, info) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/virtual-keys/${slug}`);
  await page.getByRole("button", { name: "Edit settings" }).click();
  const dialog = page.getByRole("dialog", { name: /^Edit “/ });
  await expect(dialog.getByLabel("Tokens per minute")).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(390);
  // Nothing in it is wider than the dialog: the form's two columns stack.
  const overflow = await dialog.evaluate((d) => {
    const form = d.querySelector("form")!;
    return [...form.querySelectorAll("input, textarea")].filter((el) => el.getBoundingClientRect().right > d.getBoundingClientRect().right)
      .length;
  });
  expect(overflow).toBe(0);
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-edit-390") });
});
