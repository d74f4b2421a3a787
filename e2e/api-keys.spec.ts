import { expect, test, type Page } from "@playwright/test";
import { E2E_ADMIN_API_KEY } from "../playwright.config";
import { admin } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";

/**
 * The API keys page: create (the key is shown once, with a copy button), scopes, revoke, expiry,
 * allowed models and rotation with a grace period. Each key made here is then used for real against
 * the gateway and the management API.
 */
test.use({ storageState: ADMIN_STATE, permissions: ["clipboard-read", "clipboard-write"] });
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const GATEWAY_NAME = `billing-e2e-${run}`;
const ADMIN_NAME = `ops-e2e-${run}`;
const REVOKE_NAME = `revoke-e2e-${run}`;
const LIFECYCLE_NAME = `lifecycle-e2e-${run}`;

async function call(path: string, key: string, method = "GET"): Promise<Response> {
  return fetch(new URL(path, test.info().project.use.baseURL), { method, headers: { "x-portkey-api-key": key } });
}

// Leave the workspace as found (other specs count its active keys): revoke what is still active here.
test.afterAll(async () => {
  const res = await call("/v1/api-keys?status=active", E2E_ADMIN_API_KEY);
  const { data } = (await res.json()) as { data: { id: string; name: string }[] };
  for (const key of data.filter((k) => [GATEWAY_NAME, ADMIN_NAME, REVOKE_NAME, LIFECYCLE_NAME].includes(k.name))) {
    expect((await call(`/v1/api-keys/${key.id}`, E2E_ADMIN_API_KEY, "DELETE")).status).toBe(200);
  }
});

async function createKey(page: Page, name: string, scope: "Gateway" | "Admin"): Promise<string> {
  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await expect(dialog.getByRole("radio", { name: "Gateway" })).toBeChecked(); // the smaller scope by default
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("radio", { name: scope }).check();
  await dialog.getByRole("button", { name: "Create key" }).click();

  const shown = page.getByRole("dialog", { name: `Copy the key for “${name}”` });
  await expect(shown).toBeVisible();
  await expect(shown).toContainText("only time Detour shows this key");
  const key = await shown.getByLabel("New API key").inputValue();
  expect(key).toMatch(/^dtr_[A-Za-z0-9_-]{40}$/);
  return key;
}

test("the list shows the key from DETOUR_ADMIN_API_KEY, which cannot be revoked here", async ({ page }) => {
  await page.goto("/api-keys");
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  const envRow = page.getByRole("row").filter({ hasText: "DETOUR_ADMIN_API_KEY" }).filter({ hasText: "from the environment" });
  await expect(envRow).toContainText("admin");
  await expect(envRow).toContainText("Active");
  await expect(envRow.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
});

test("create a gateway key: shown once with a copy button, works for inference only", async ({ page }, info) => {
  await page.goto("/api-keys");
  const name = page.getByRole("dialog");

  // A name already in use is refused at the field.
  await page.getByRole("button", { name: "Create API key" }).click();
  await name.getByLabel("Name").fill("DETOUR_ADMIN_API_KEY");
  await name.getByRole("button", { name: "Create key" }).click();
  await expect(name.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await expect(name.getByLabel("Name")).toHaveAccessibleDescription(/already exists/);
  await name.getByRole("button", { name: "Cancel" }).click();
  await expect(name).toBeHidden();

  const gatewayKey = await createKey(page, GATEWAY_NAME, "Gateway");
  const shown = page.getByRole("dialog", { name: `Copy the key for “${GATEWAY_NAME}”` });
  await shown.getByRole("button", { name: "Copy API key" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(gatewayKey);
  await expect(shown.getByRole("button", { name: "Copy API key" })).toHaveAttribute("data-state", "copied");
  await page.screenshot({ path: screenshotPath(info.outputDir, "api-keys-created-once") });

  // The row is already in the list behind the dialog, with the prefix only.
  const row = page.getByRole("row").filter({ hasText: GATEWAY_NAME });
  await expect(row).toContainText(`${gatewayKey.slice(0, 10)}...`);
  await expect(row).toContainText("gateway");

  await shown.getByRole("button", { name: "Done" }).click();
  await expect(shown).toBeHidden();
  expect(await page.content()).not.toContain(gatewayKey);
  await page.reload();
  expect(await page.content()).not.toContain(gatewayKey);

  // Gateway scope: inference routes yes, management no.
  expect((await call("/v1/models", gatewayKey)).status).toBe(200);
  const management = await call("/v1/virtual-keys", gatewayKey);
  expect(management.status).toBe(403);
  expect(await management.json()).toMatchObject({ error: { code: "insufficient_scope" } });
});

test("an admin key can use the management API", async ({ page }, info) => {
  await page.goto("/api-keys");
  const adminKey = await createKey(page, ADMIN_NAME, "Admin");
  await page.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("row").filter({ hasText: ADMIN_NAME });
  await expect(row).toContainText("admin");
  const res = await call("/v1/api-keys", adminKey);
  expect(res.status).toBe(200);
  const list = (await res.json()) as { data: { name: string }[] };
  expect(list.data.map((k) => k.name)).toEqual(expect.arrayContaining([ADMIN_NAME, "DETOUR_ADMIN_API_KEY"]));
  await page.screenshot({ path: screenshotPath(info.outputDir, "api-keys"), fullPage: true });
});

test("revoke a key after confirming: requests with it get 401 at once", async ({ page }, info) => {
  // Its own key, in use (so the gateway has it cached as active) before it is revoked.
  const { key } = await admin<{ key: string }>("POST", "/api-keys", { name: REVOKE_NAME, scope: "gateway" });
  expect((await call("/v1/models", key)).status).toBe(200);
  await page.goto("/api-keys");
  const row = page.getByRole("row").filter({ hasText: REVOKE_NAME });
  await row.getByRole("button", { name: `Revoke ${REVOKE_NAME}` }).click();
  const confirm = page.getByRole("dialog", { name: `Revoke “${REVOKE_NAME}”?` });
  await expect(confirm).toContainText(`${key.slice(0, 10)}...`);
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Revoked API key “${REVOKE_NAME}”`);
  await expect(row.getByRole("cell").nth(3)).toHaveText("Revoked");

  const res = await call("/v1/models", key);
  expect(res.status).toBe(401);

  await page
    .getByRole("navigation", { name: "Filter by status" })
    .getByRole("link", { name: /Active/ })
    .click();
  await expect(page).toHaveURL(/status=active/);
  await expect(page.getByRole("row").filter({ hasText: REVOKE_NAME })).toHaveCount(0);
  await expect(page.getByRole("row").filter({ hasText: "DETOUR_ADMIN_API_KEY" })).toHaveCount(1); // active keys stay listed
  await page.screenshot({ path: screenshotPath(info.outputDir, "api-keys-active"), fullPage: true });
});

test("expiry and allowed models are set at creation and edited; Rotate shows the new key once and marks the old one", async ({
  page,
}, info) => {
  await page.goto("/api-keys");
  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  await dialog.getByLabel("Name").fill(LIFECYCLE_NAME);
  await dialog.getByLabel("Expires at (UTC)").fill("2020-01-01T00:00");
  await dialog.getByLabel("Allowed models").fill("gpt-4o-mini, o3-*");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.getByText(/must be in the future/)).toBeVisible(); // the API's error, under the field
  await dialog.getByLabel("Expires at (UTC)").fill("2031-06-30T12:00");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByRole("dialog", { name: `Copy the key for “${LIFECYCLE_NAME}”` });
  const first = await shown.getByLabel("New API key").inputValue();
  await shown.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("row").filter({ hasText: LIFECYCLE_NAME });
  await expect(row).toContainText("2031-06-30 12:00:00 UTC");
  await expect(row).toContainText("gpt-4o-mini, o3-*");
  const { data } = await admin<{ data: { id: string; name: string; expires_at: string; allowed_models: string[] }[] }>(
    "GET",
    "/api-keys?status=active",
  );
  const created = data.find((k) => k.name === LIFECYCLE_NAME)!;
  expect(created).toMatchObject({ expires_at: "2031-06-30T12:00:00.000Z", allowed_models: ["gpt-4o-mini", "o3-*"] });

  await row.getByRole("button", { name: `Edit expiry and models of ${LIFECYCLE_NAME}` }).click();
  const edit = page.getByRole("dialog", { name: `Expiry and models of “${LIFECYCLE_NAME}”` });
  await expect(edit.getByLabel("Expires at (UTC)")).toHaveValue("2031-06-30T12:00");
  await edit.getByLabel("Expires at (UTC)").fill("");
  await edit.getByLabel("Allowed models").fill("gpt-4.1\ngpt-4.1-mini");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("never");
  await expect(row).toContainText("gpt-4.1, gpt-4.1-mini");

  await row.getByRole("button", { name: `Rotate ${LIFECYCLE_NAME}` }).click();
  const rotate = page.getByRole("dialog", { name: `Rotate “${LIFECYCLE_NAME}”` });
  await rotate.getByLabel("Grace period").selectOption({ label: "1 hour" });
  await rotate.getByRole("button", { name: "Rotate key" }).click();
  const rotated = page.getByRole("dialog", { name: `Copy the new key for “${LIFECYCLE_NAME}”` });
  await expect(rotated).toContainText("only time Detour shows this key");
  await expect(rotated).toContainText(`${first.slice(0, 10)}...`);
  await expect(rotated).toContainText(/works until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  const second = await rotated.getByLabel("New API key").inputValue();
  expect(second).toMatch(/^dtr_/);
  expect(second).not.toBe(first);
  await rotated.getByRole("button", { name: "Copy API key" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(second);
  await page.screenshot({ path: screenshotPath(info.outputDir, "api-key-rotated") });
  await rotated.getByRole("button", { name: "Done" }).click();

  const oldRow = page.getByRole("row").filter({ hasText: `${first.slice(0, 10)}...` });
  await expect(oldRow).toContainText("Rotated");
  await expect(oldRow).toContainText(`rotated -> ${second.slice(0, 10)}..., works until`);
  await expect(oldRow.getByRole("button", { name: `Rotate ${LIFECYCLE_NAME}` })).toHaveCount(0);
  const newRow = page
    .getByRole("row")
    .filter({ hasText: `${second.slice(0, 10)}...` })
    .filter({ hasNotText: "rotated ->" });
  await expect(newRow).toContainText("gpt-4.1, gpt-4.1-mini");
  // Both keys still authenticate during the grace period (a gateway key: 403 on management, not 401).
  expect((await call("/v1/api-keys", first)).status).toBe(403);
  expect((await call("/v1/api-keys", second)).status).toBe(403);
});
