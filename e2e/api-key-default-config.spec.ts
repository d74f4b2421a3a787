/**
 * An API key's default config from the dashboard: chosen when the key is created, used by a client
 * that sends only the key (Authorization: Bearer, as the OpenAI SDK does with just a base URL), shown
 * on the log detail page as the key's default; changed, shown as deleted once its config is deleted,
 * and cleared from the key's row.
 */
import { expect, test } from "@playwright/test";
import { E2E_ADMIN_API_KEY } from "../playwright.config";
import { admin, API, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const KEY_NAME = `codex-e2e-${RUN}`;

let mock: MockUpstream;
let first: { slug: string; name: string };
let second: { slug: string; name: string };
let key: string;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  const vk = await openaiVirtualKey(`E2E default OpenAI ${RUN}`, "sk-e2e-default-000000000000003333", mock.url);
  first = await admin<{ slug: string; name: string }>("POST", "/configs", { name: `Key default ${RUN}`, config: { virtual_key: vk } });
  second = await admin<{ slug: string; name: string }>("POST", "/configs", { name: `Key other ${RUN}`, config: { virtual_key: vk } });
});

// Leave the workspace as found (other specs count its active keys).
test.afterAll(async () => {
  const { data } = await admin<{ data: { id: string; name: string }[] }>("GET", "/api-keys?status=active");
  for (const k of data.filter((k) => k.name === KEY_NAME)) await admin("DELETE", `/api-keys/${k.id}`);
  await mock?.close();
});

test("a key created with a default config routes requests that name none, and the log says so", async ({ page }, info) => {
  await page.goto("/api-keys");
  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  await dialog.getByLabel("Name").fill(KEY_NAME);
  await expect(dialog.getByLabel("Default config")).toHaveValue(""); // none unless chosen
  await dialog.getByLabel("Default config").selectOption(first.slug);
  await dialog.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByRole("dialog", { name: `Copy the key for “${KEY_NAME}”` });
  await expect(shown).toContainText(`routed by ${first.slug}`);
  key = await shown.getByLabel("New API key").inputValue();
  await shown.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("row").filter({ hasText: KEY_NAME });
  await expect(row.getByRole("link", { name: first.name })).toHaveAttribute("href", `/configs/${first.slug}`);

  // Only the key, as a client with nothing but a base URL and a key sends it.
  const res = await fetch(`${API}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "routed by the key" }] }),
  });
  expect(res.status).toBe(200);
  const logId = res.headers.get("x-portkey-request-id");
  await expect
    .poll(async () => (await fetch(`${API}/logs/${logId}`, { headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY } })).status)
    .toBe(200);

  await page.goto(`/logs/${logId}`);
  const summary = page.getByRole("region", { name: "Summary" });
  await expect(summary).toContainText(`${first.slug} v1 (the API key's default)`);
  await expect(page.getByRole("region", { name: "Config that routed it" })).toContainText("default config of its API key");
  await page.screenshot({ path: screenshotPath(info.outputDir, "log-config-from-key") });
});

test("the key's row changes its default, shows it deleted once its config is, and clears it", async ({ page }, info) => {
  await page.goto("/api-keys");
  const row = page.getByRole("row").filter({ hasText: KEY_NAME });
  await row.getByRole("button", { name: `Edit default config of ${KEY_NAME}` }).click();
  const dialog = page.getByRole("dialog", { name: `Default config of “${KEY_NAME}”` });
  await expect(dialog.getByLabel("Default config")).toHaveValue(first.slug);
  await dialog.getByLabel("Default config").selectOption(second.slug);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`routes requests that name no config by ${second.slug}`);
  await expect(row.getByRole("link", { name: second.name })).toBeVisible();

  await admin("DELETE", `/configs/${second.slug}`);
  await page.reload();
  await expect(row).toContainText(second.slug);
  await expect(row).toContainText("deleted");
  await page.screenshot({ path: screenshotPath(info.outputDir, "api-key-default-deleted") });

  await row.getByRole("button", { name: `Edit default config of ${KEY_NAME}` }).click();
  await expect(dialog.getByRole("option", { name: `${second.slug} (deleted)` })).toBeDisabled();
  await dialog.getByLabel("Default config").selectOption("");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("none");
  expect((await admin<{ data: { name: string; default_config: string | null }[] }>("GET", "/api-keys")).data).toContainEqual(
    expect.objectContaining({ name: KEY_NAME, default_config: null }),
  );
});
