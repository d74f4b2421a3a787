import { expect, test, type Page } from "@playwright/test";
import { E2E_ADMIN_API_KEY } from "../playwright.config";
import { admin, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

/**
 * A virtual key's expiry and allowed models on the Virtual keys pages, with real requests through
 * the gateway to the mock upstream: set both in the create dialog (a past expiry is refused at its
 * field), see them in the list, edit them on the key's page, and see an expired key marked as such
 * and refused by the gateway.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const LIMITED = { name: `limited-e2e-${run}`, key: "sk-e2e-limited-key-hhhh8888" };
const EXPIRING = { name: `expiring-e2e-${run}`, key: "sk-e2e-expiring-key-iiii9999" };

let mock: MockUpstream;
const slugs: string[] = [];

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
test.afterAll(async () => {
  for (const slug of slugs) {
    const res = await fetch(new URL(`/v1/virtual-keys/${slug}`, test.info().project.use.baseURL), {
      method: "DELETE",
      headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY },
    });
    expect(res.status).toBe(200);
  }
  await mock?.close();
});

const rowOf = (page: Page, name: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });

test("create a key with an expiry and allowed models: refused at the field when past, shown in the list, enforced", async ({ page }) => {
  await page.goto("/virtual-keys");
  await page.getByRole("button", { name: /^Create (your first )?virtual key/ }).click();
  const dialog = page.getByRole("dialog", { name: "Create virtual key" });
  await dialog.getByLabel("Name", { exact: true }).fill(LIMITED.name);
  await dialog.getByLabel("Provider API key").fill(LIMITED.key);
  await dialog.getByLabel("Custom host").fill(`${mock.url}/v1`);
  const expires = dialog.getByLabel("Expires (UTC)");
  await expires.fill("2020-01-01T00:00");
  await dialog.getByLabel("Allowed models").fill("gpt-4o-mini, o3-*");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(expires).toHaveAttribute("aria-invalid", "true");
  await expect(expires).toHaveAccessibleDescription(/must be in the future/);
  await expect(expires).toBeFocused();

  await expires.fill("2031-06-01T10:00");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog).toBeHidden();
  const row = rowOf(page, LIMITED.name);
  await expect(row).toContainText("2031-06-01 10:00:00 UTC");
  await expect(row).toContainText("gpt-4o-mini, o3-*");
  await expect(row).toContainText("Active");

  await page.getByRole("link", { name: LIMITED.name, exact: true }).click();
  await expect(page.getByRole("heading", { name: LIMITED.name, level: 1 })).toBeVisible();
  const slug = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  slugs.push(slug);

  const refused = await gatewayChat({ virtualKey: slug, model: "gpt-4o" });
  expect(refused.status).toBe(403);
  expect((await refused.json()).error).toMatchObject({
    code: "model_not_allowed",
    param: "model",
    message: `Model "gpt-4o" is not allowed for virtual key "${slug}": it allows gpt-4o-mini, o3-*.`,
  });
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o-mini" })).status).toBe(200);
  expect(mock.requests({ key: LIMITED.key }).map((r) => r.model)).toEqual(["gpt-4o-mini"]);
});

test("edit the expiry and allowed models on the key's page: the gateway follows at once", async ({ page }) => {
  await page.goto("/virtual-keys");
  await page.getByRole("link", { name: LIMITED.name, exact: true }).click();
  await expect(page.getByRole("heading", { name: LIMITED.name, level: 1 })).toBeVisible();
  const slug = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  const region = page.getByRole("region", { name: "Expiry and models" });
  await expect(region.getByLabel("Expires (UTC)")).toHaveValue("2031-06-01T10:00");
  await expect(region.getByLabel("Allowed models")).toHaveValue("gpt-4o-mini\no3-*");

  const models = region.getByLabel("Allowed models");
  await models.fill("gpt-4o\ngpt-4o\n");
  await region.getByRole("button", { name: "Save expiry and models" }).click();
  await expect(models).toHaveAttribute("aria-invalid", "true");
  await expect(models).toHaveAccessibleDescription(/Entry 2: "gpt-4o" is listed twice/);

  await models.fill("gpt-4o");
  await region.getByLabel("Expires (UTC)").fill("");
  await region.getByRole("button", { name: "Save expiry and models" }).click();
  await expect(page.getByRole("status")).toContainText(`Saved the expiry and allowed models of “${LIMITED.name}”`);
  await expect(page.getByRole("group", { name: "Allowed models" })).toContainText(/gpt-4o$/);
  await expect(page.getByRole("group", { name: "Expires" })).toContainText("never");

  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o-mini" })).status).toBe(403);
  const view = await admin<{ expires_at: string | null; allowed_models: string[] | null }>("GET", `/virtual-keys/${slug}`);
  expect(view).toMatchObject({ expires_at: null, allowed_models: ["gpt-4o"] });
});

test("an expired key says so in the list and on its page, and the gateway refuses it", async ({ page }) => {
  const slug = await openaiVirtualKey(EXPIRING.name, EXPIRING.key, mock.url);
  slugs.push(slug);
  const expiresAt = new Date(Date.now() + 2_000);
  await admin("PUT", `/virtual-keys/${slug}`, { expires_at: expiresAt.toISOString() });
  expect((await gatewayChat({ virtualKey: slug, model: "gpt-4o" })).status).toBe(200);
  while (Date.now() <= expiresAt.getTime()) await new Promise((r) => setTimeout(r, 100));

  const refused = await gatewayChat({ virtualKey: slug, model: "gpt-4o" });
  expect(refused.status).toBe(403);
  const body = await refused.text();
  expect(JSON.parse(body).error).toMatchObject({
    code: "virtual_key_expired",
    message: `Virtual key "${slug}" expired at ${expiresAt.toISOString()}.`,
  });
  expect(body).not.toContain(EXPIRING.key);

  await page.goto("/virtual-keys");
  const row = rowOf(page, EXPIRING.name);
  await expect(row).toContainText("Expired");
  await expect(row).toContainText(`expired ${expiresAt.toISOString().slice(0, 19).replace("T", " ")} UTC`);
  await page.getByRole("link", { name: EXPIRING.name, exact: true }).click();
  await expect(page.getByRole("note")).toContainText("Requests naming");
  await expect(page.getByRole("note")).toContainText("virtual_key_expired");
});
