/**
 * A saved config's provider key in the builder (issue 11, item 3): the page shows its mask (never
 * the key), saving an unrelated edit keeps the stored key (the gateway still sends it upstream),
 * typing a new key replaces it, and the versions' diff shows the change without the key.
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, API } from "../testing/e2e-admin-api";
import { configJsonValue } from "../testing/config-editor";
import { ADMIN_STATE } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const SECRET = "sk-e2e-config-key-in-builder-7788";
const REPLACEMENT = "sk-e2e-config-key-replaced-9900";
const MASK = /^sk-\.\.\.7788#[0-9a-f]{8}$/;

let mock: MockUpstream;
let gatewayKey: string;
let gatewayKeyId: string;
let configId: string;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  ({ key: gatewayKey, id: gatewayKeyId } = await admin<{ key: string; id: string }>("POST", "/api-keys", {
    name: `e2e config keys ${RUN}`,
    scope: "gateway",
  }));
  const config = {
    strategy: { mode: "fallback" },
    targets: [
      { provider: "openai", api_key: SECRET, custom_host: `${mock.url}/v1` },
      { provider: "openai", api_key: "sk-e2e-second-target-000000", custom_host: `${mock.url}/v1` },
    ],
  };
  configId = (await admin<{ slug: string }>("POST", "/configs", { name: `e2e config keys ${RUN}`, config })).slug;
});

test.afterAll(async () => {
  if (configId) await admin("DELETE", `/configs/${configId}`).catch(() => undefined);
  if (gatewayKeyId) await admin("DELETE", `/api-keys/${gatewayKeyId}`).catch(() => undefined);
  await mock?.close();
});

/** The key the gateway sends upstream for the saved config (its first target answers). */
async function keyServed(): Promise<string | undefined> {
  mock.reset();
  const res = await fetch(`${API}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-portkey-api-key": gatewayKey, "x-portkey-config": configId },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  return mock.requests()[0]?.key;
}

const keyField = (page: Page) => page.getByRole("group", { name: "Target 1", exact: true }).getByLabel("Provider API key");

test("the builder shows the saved key masked, keeps it on save, and replaces it when a new one is typed", async ({ page }) => {
  await page.goto(`/configs/${configId}`);
  await expect(keyField(page)).toHaveValue(MASK);
  await expect(keyField(page)).toHaveAttribute("type", "text");
  await expect(keyField(page)).toHaveAccessibleDescription(/masked: saving keeps it/);
  expect(await page.content()).not.toContain(SECRET);
  expect(JSON.stringify(await configJsonValue(page))).not.toContain(SECRET);

  // An unrelated edit, saved from the builder: the mask goes back and the stored key stays.
  await page.getByRole("group", { name: "Config settings" }).getByLabel("Request timeout (ms)").fill("30000");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByRole("heading", { name: "Saved: version 2" })).toBeVisible();
  await expect(keyField(page)).toHaveValue(MASK);
  expect(await keyServed()).toBe(SECRET);

  // A new key typed in the field replaces it (a password field while it is a key, not a mask).
  await keyField(page).fill(REPLACEMENT);
  await expect(keyField(page)).toHaveAttribute("type", "password");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByRole("heading", { name: "Saved: version 3" })).toBeVisible();
  await expect(keyField(page)).toHaveValue(/^sk-\.\.\.9900#[0-9a-f]{8}$/);
  expect(await keyServed()).toBe(REPLACEMENT);

  // The diff v2 -> v3 shows the key changed (two masks), never the keys themselves.
  await page.getByLabel("From version", { exact: true }).selectOption("2");
  await page.getByLabel("To version", { exact: true }).selectOption("3");
  const diff = page.getByRole("region", { name: "Diff from version 2 to version 3" });
  await expect(diff.locator(".is-removed").filter({ hasText: /"api_key": "sk-\.\.\.7788#/ })).toHaveCount(1);
  await expect(diff.locator(".is-added").filter({ hasText: /"api_key": "sk-\.\.\.9900#/ })).toHaveCount(1);
  const html = await page.content();
  expect(html).not.toContain(SECRET);
  expect(html).not.toContain(REPLACEMENT);
  expect(html).not.toContain("enc:v1:");
});
