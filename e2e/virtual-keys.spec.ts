import { expect, test, type Page } from "@playwright/test";
import { E2E_ADMIN_API_KEY } from "../playwright.config";
import { azureVirtualKey, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

/**
 * The Virtual keys page, driven like a person would, with real requests through the gateway to the
 * mock upstream: create an OpenAI and an Azure key in the dialog, rotate an OpenAI key and see the
 * next request carry the new key, revoke a key and see the gateway answer 403. Each test makes the
 * keys it works on (through the dialog, or the management API), so each runs on its own too.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const OPENAI = { name: `openai-e2e-${run}`, key: "sk-e2e-created-key-eeee5555" };
const AZURE = { name: `azure-e2e-${run}`, key: "azure-e2e-secret-cccc2222" };
const ROTATE = { name: `rotate-e2e-${run}`, oldKey: "sk-e2e-old-key-aaaa1111", newKey: "sk-e2e-new-key-bbbb9999" };
const HOSTS = { name: `hosts-e2e-${run}`, key: "sk-e2e-hosts-key-dddd4444" };
const REVOKE = { name: `revoke-azure-e2e-${run}`, key: "azure-e2e-revoke-ffff6666" };
const KEPT = { name: `kept-openai-e2e-${run}`, key: "sk-e2e-kept-key-gggg7777" };

let mock: MockUpstream;
/** Every key this spec made (removed at the end). */
const slugs: string[] = [];
const made = (slug: string) => {
  slugs.push(slug);
  return slug;
};

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
test.afterAll(async () => {
  // Leave the workspace as found (other specs count its keys; the mock is about to go away).
  for (const slug of slugs) {
    const res = await fetch(new URL(`/v1/virtual-keys/${slug}`, test.info().project.use.baseURL), {
      method: "DELETE",
      headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY },
    });
    expect([200, 409]).toContain(res.status); // 409: already revoked by the test
  }
  await mock?.close();
});

async function openCreateDialog(page: Page) {
  await page.goto("/virtual-keys");
  await expect(page.getByRole("heading", { name: "Virtual keys", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: /^Create (your first )?virtual key/ }).click();
  const dialog = page.getByRole("dialog", { name: "Create virtual key" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Name", { exact: true })).toBeFocused();
  return dialog;
}

/** Opens a key's page from the list and returns its slug (from the URL). */
async function openKeyPage(page: Page, name: string): Promise<string> {
  await page.goto("/virtual-keys");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
}

test("create an OpenAI key in the dialog: errors show at the field, the secret is never shown back", async ({ page }) => {
  const dialog = await openCreateDialog(page);

  // Nothing filled in: the API's issues land on their fields, and the first one takes the focus.
  await dialog.getByRole("button", { name: "Create key" }).click();
  const name = dialog.getByLabel("Name", { exact: true });
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveAccessibleDescription(/non-empty name/);
  await expect(dialog.getByLabel("Provider API key")).toHaveAttribute("aria-invalid", "true");
  await expect(name).toBeFocused();

  await name.fill(OPENAI.name);
  await expect(dialog.getByLabel("Provider", { exact: true })).toHaveValue("openai");
  const secret = dialog.getByLabel("Provider API key");
  await secret.fill(OPENAI.key);
  await expect(secret).toHaveAttribute("type", "password");
  const toggle = dialog.getByRole("button", { name: "Show key" });
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(secret).toHaveAttribute("type", "text");
  await toggle.click();
  await expect(secret).toHaveAttribute("type", "password");

  // A refusal with no issue list (a private address) still lands on its field.
  const host = dialog.getByLabel("Custom host");
  await host.fill("http://169.254.169.254/v1");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(host).toHaveAttribute("aria-invalid", "true");
  await expect(host).toHaveAccessibleDescription(/169\.254\.169\.254/);
  await expect(name).not.toHaveAttribute("aria-invalid", "true");

  await host.fill(`${mock.url}/v1`);
  await dialog.getByLabel("Note").fill("e2e: points at the mock upstream");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Created “${OPENAI.name}”`);

  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: OPENAI.name, exact: true }) });
  await expect(row).toContainText("OpenAI");
  await expect(row).toContainText("sk-...5555");
  await expect(row).toContainText("Active");
  await expect(row.getByRole("button", { name: /^Copy slug / })).toBeVisible();
  expect(await page.content()).not.toContain(OPENAI.key);

  const slug = made(await openKeyPage(page, OPENAI.name));
  const res = await gatewayChat({ virtualKey: slug, model: "gpt-4o-mini" });
  expect(res.status, await res.clone().text()).toBe(200);
  expect((await mock.waitForRequest({ provider: "openai", key: OPENAI.key })).status).toBe(200);
});

test("create an Azure key with a deployments table (alias -> deployment, default, api-version)", async ({ page }, info) => {
  // The keyboard shortcut opens the same dialog.
  await page.goto("/virtual-keys");
  await expect(page.getByRole("heading", { name: "Virtual keys", level: 1 })).toBeVisible();
  const dialog = page.getByRole("dialog", { name: "Create virtual key" });
  // The shortcut's listener is attached once React has hydrated the server-rendered page: a key
  // pressed before that does nothing (seen in CI), so press until the dialog opens. Once it is open,
  // the focus is in its Name field, which is filled (replaced) below.
  await expect(async () => {
    await page.keyboard.press("c");
    await expect(dialog).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 10_000 });

  await dialog.getByLabel("Name", { exact: true }).fill(AZURE.name);
  await dialog.getByLabel("Provider", { exact: true }).selectOption({ label: "Azure OpenAI" });
  await dialog.getByLabel("Provider API key").fill(AZURE.key);
  await dialog.getByLabel("Resource name").fill("detour-e2e");
  await dialog.getByLabel("API version", { exact: true }).fill("2024-06-01");
  await dialog.getByLabel("Custom host").fill(`${mock.url}/openai`);

  // An empty deployment name is refused at its cell.
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.getByLabel("Deployment 1", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Deployment 1", { exact: true })).toBeFocused();

  await dialog.getByLabel("Alias 1", { exact: true }).fill("gpt-4o");
  await dialog.getByLabel("Deployment 1", { exact: true }).fill("gpt4o-prod");
  await expect(dialog.getByLabel("Deployment 1", { exact: true })).not.toHaveAttribute("aria-invalid", "true"); // fixed: the error goes
  await dialog.getByRole("button", { name: "+ Add deployment" }).click();
  await dialog.getByLabel("Alias 2", { exact: true }).fill("gpt-4o-mini");
  await dialog.getByLabel("Deployment 2", { exact: true }).fill("mini-prod");
  await dialog.getByLabel("API version 2", { exact: true }).fill("2025-01-01-preview");
  await dialog.getByRole("button", { name: "+ Add deployment" }).click();
  await dialog.getByLabel("Deployment 3", { exact: true }).fill("scratch");
  await dialog.getByRole("button", { name: "Remove deployment 3" }).click();
  await expect(dialog.getByLabel("Deployment 3", { exact: true })).toHaveCount(0);
  await expect(dialog.getByLabel("Default 1", { exact: true })).toBeChecked();
  await dialog.getByLabel("Default 2", { exact: true }).check();
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-keys-create-azure") });

  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: AZURE.name, exact: true }) });
  await expect(row).toContainText("Azure OpenAI");
  await expect(row).toContainText("2 deployments");
  expect(await page.content()).not.toContain(AZURE.key);

  const slug = made(await openKeyPage(page, AZURE.name));
  const deployments = page.getByRole("region", { name: "Deployments" });
  await expect(deployments.getByRole("row").filter({ hasText: "mini-prod" })).toContainText("Default");
  await expect(deployments.getByRole("row").filter({ hasText: "gpt4o-prod" })).toContainText("2024-06-01");

  // The table is what the gateway uses: alias -> deployment with its api-version; other models -> the default.
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);
  expect(await mock.waitForRequest({ provider: "azure", deployment: "gpt4o-prod" })).toMatchObject({
    key: AZURE.key,
    apiVersion: "2024-06-01",
  });
  expect((await gatewayChat({ virtualKey: slug, model: "some-other-model" })).status).toBe(200);
  expect(await mock.waitForRequest({ provider: "azure", deployment: "mini-prod" })).toMatchObject({
    key: AZURE.key,
    apiVersion: "2025-01-01-preview",
  });
});

test("rotate an OpenAI key in the UI: the page shows the new masked key and history, the next request uses the new key", async ({
  page,
}, info) => {
  const slug = made(await openaiVirtualKey(ROTATE.name, ROTATE.oldKey, mock.url));
  // In use before the rotation: the gateway holds the old key in its cache.
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o-mini" })).status).toBe(200);
  expect((await mock.waitForRequest({ provider: "openai", key: ROTATE.oldKey })).status).toBe(200);
  await openKeyPage(page, ROTATE.name);
  const settings = page.getByRole("region", { name: "Settings" });
  await expect(settings.getByRole("group", { name: "Current key" })).toHaveText(/sk-\.\.\.1111\s*v1$/);
  await expect(settings.getByRole("group", { name: "Rotated" })).toHaveText(/never$/);

  await page.getByRole("button", { name: "Rotate key" }).click();
  const dialog = page.getByRole("dialog", { name: `Rotate “${ROTATE.name}”` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("sk-...1111");
  const input = dialog.getByLabel("New provider key");
  await expect(input).toBeFocused();
  await expect(input).toHaveAttribute("type", "password");

  // Escape closes without rotating, and the focus goes back to the button that opened it.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Rotate key" })).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("New provider key").fill(ROTATE.newKey);
  await dialog.getByRole("button", { name: "Rotate key" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Rotated “${ROTATE.name}”: now sk-...9999 (version 2)`);

  await expect(settings.getByRole("group", { name: "Current key" })).toHaveText(/sk-\.\.\.9999\s*v2$/);
  await expect(settings.getByRole("group", { name: "Rotated" }).getByRole("time")).toHaveText(/^(just now|\d+ s ago)$/);
  const history = page.getByRole("region", { name: /Version history/ });
  const versions = history.getByRole("row");
  await expect(versions).toHaveCount(3); // header + 2 versions, newest first
  await expect(versions.nth(1)).toContainText("v2");
  await expect(versions.nth(1)).toContainText("sk-...9999");
  await expect(versions.nth(1)).toContainText("Current");
  await expect(versions.nth(2)).toContainText("v1");
  await expect(versions.nth(2)).toContainText("sk-...1111");
  await expect(versions.nth(2)).toContainText("Retired");
  expect(await page.content()).not.toContain(ROTATE.newKey);
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-key-detail"), fullPage: true });

  // The very next request goes upstream with the new key.
  const before = mock.requests({ provider: "openai" }).length;
  const res = await gatewayChat({ virtualKey: slug, model: "gpt-4o-mini" });
  expect(res.status).toBe(200);
  await mock.waitForRequest({ provider: "openai", key: ROTATE.newKey });
  expect(
    mock
      .requests({ provider: "openai" })
      .slice(before)
      .map((r) => r.key),
  ).toEqual([ROTATE.newKey]);

  // The list shows the new masked key, its version and when it was rotated.
  await page.goto("/virtual-keys");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: ROTATE.name, exact: true }) });
  await expect(row).toContainText("sk-...9999");
  await expect(row).toContainText("v2");
  await expect(row.getByRole("cell").nth(5)).toHaveText(/^(just now|\d+ s ago)$/); // the Rotated column
});

test("allow another host for a key on its page: the gateway refuses it before, serves it after", async ({ page }) => {
  const slug = made(await openaiVirtualKey(HOSTS.name, HOSTS.key, mock.url));
  const elsewhere = `http://localhost:${mock.port}`;
  const viaElsewhere = () =>
    gatewayChat({ virtualKey: slug, model: "gpt-4o-mini", headers: { "x-portkey-custom-host": `${elsewhere}/v1` } });
  const refused = await viaElsewhere();
  expect(refused.status).toBe(400);
  expect((await refused.json()).error).toMatchObject({ code: "custom_host_not_allowed_for_virtual_key" });

  await openKeyPage(page, HOSTS.name);
  const region = page.getByRole("region", { name: "Where its key may go" });
  const list = region.getByRole("list", { name: "Allowed destinations" });
  await expect(list.getByRole("listitem")).toHaveText([
    /^https:\/\/api\.openai\.com\s+provider default$/,
    new RegExp(`^${mock.url.replace(/[.]/g, "\\.")}\\s+custom host$`),
  ]);

  const field = region.getByLabel("Allowed hosts");
  await field.fill(`${elsewhere}/v1`);
  await region.getByRole("button", { name: "Save allowed hosts" }).click();
  await expect(region.getByText(/^Line 1: .*without a path/)).toBeVisible();
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute("aria-invalid", "true");

  await field.fill(`${elsewhere.toUpperCase().replace("HTTP://", "http://")}/`);
  await region.getByRole("button", { name: "Save allowed hosts" }).click();
  await expect(page.getByRole("status")).toContainText(`Saved the allowed hosts of “${HOSTS.name}”`);
  await expect(field).toHaveValue(elsewhere); // normalised by the API
  await expect(list.getByRole("listitem")).toHaveCount(3);
  await expect(list.getByRole("listitem").nth(2)).toHaveText(new RegExp(`^${elsewhere.replace(/[.]/g, "\\.")}\\s+allowed host$`));

  const before = mock.requests({ provider: "openai" }).length;
  const served = await viaElsewhere();
  expect(served.status).toBe(200);
  expect(
    mock
      .requests({ provider: "openai" })
      .slice(before)
      .map((r) => r.key),
  ).toEqual([HOSTS.key]);

  await page.reload();
  await expect(page.getByRole("region", { name: "Where its key may go" }).getByLabel("Allowed hosts")).toHaveValue(elsewhere);
});

test("revoke a key after confirming: the gateway answers 403 and the list says revoked", async ({ page }, info) => {
  const slug = made(await azureVirtualKey(REVOKE.name, REVOKE.key, mock.url));
  const kept = made(await openaiVirtualKey(KEPT.name, KEPT.key, mock.url));
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);

  await page.goto("/virtual-keys");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: REVOKE.name, exact: true }) });
  await row.getByRole("button", { name: `Revoke ${REVOKE.name}` }).click();
  const confirm = page.getByRole("dialog", { name: `Revoke “${REVOKE.name}”?` });
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused(); // Enter right away does no harm
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("Active");
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);

  await row.getByRole("button", { name: `Revoke ${REVOKE.name}` }).click();
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Revoked “${REVOKE.name}”`);
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);

  const upstreamBefore = mock.requests({ provider: "azure" }).length;
  const res = await gatewayChat({ virtualKey: slug, model: "gpt-4o" });
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ error: { code: "virtual_key_revoked" } });
  expect(mock.requests({ provider: "azure" })).toHaveLength(upstreamBefore); // nothing went upstream

  // The other key still works; the filter shows revoked keys on their own.
  expect((await gatewayChat({ virtualKey: kept, model: "gpt-4o-mini" })).status).toBe(200);
  await page
    .getByRole("navigation", { name: "Filter by status" })
    .getByRole("link", { name: /Revoked/ })
    .click();
  await expect(page).toHaveURL(/status=revoked/);
  await expect(page.getByRole("link", { name: REVOKE.name, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: KEPT.name, exact: true })).toHaveCount(0);

  await page.goto(`/virtual-keys/${slug}`);
  await expect(page.getByRole("note")).toContainText("Revoked");
  await expect(page.getByRole("button", { name: "Rotate key" })).toHaveCount(0);

  await page.goto("/virtual-keys");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Virtual keys" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await page.screenshot({ path: screenshotPath(info.outputDir, "virtual-keys"), fullPage: true });
});
