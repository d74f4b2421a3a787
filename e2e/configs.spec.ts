/**
 * The Configs pages end to end: a fallback config built in the browser (OpenAI then Azure virtual
 * keys pointing at the mock upstream, on_status_codes [429, 503]), live validation at the field and
 * in the JSON view, the id copied from the clipboard and used by the real portkey-ai SDK while the
 * mock's OpenAI side answers 503 (Azure answers); then an edit (a new version), the versions list,
 * a diff between two versions and a rollback.
 */
import { expect, test, type Page } from "@playwright/test";
import { Portkey } from "portkey-ai";
import { E2E_ADMIN, E2E_ADMIN_API_KEY, E2E_PORT } from "../playwright.config";
import { admin, API, azureVirtualKey, openaiVirtualKey } from "../testing/e2e-admin-api";
import { configJsonValue, fillConfigJson } from "../testing/config-editor";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE, permissions: ["clipboard-read", "clipboard-write"] });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const CONFIG_NAME = `e2e fallback ${RUN}`;
const EDIT_NAME = `e2e versions ${RUN}`;
const OPENAI_SECRET = "sk-e2e-configs-openai-00001111";

let mock: MockUpstream;
let gatewayKey: string;
let gatewayKeyId: string;
let openaiKey: string;
let azureKey: string;
let configId: string;
let editConfigId: string | undefined;
let cacheConfigId: string | undefined;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  ({ key: gatewayKey, id: gatewayKeyId } = await admin<{ key: string; id: string }>("POST", "/api-keys", {
    name: `e2e configs ${RUN}`,
    scope: "gateway",
  }));
  openaiKey = await openaiVirtualKey(`Cfg OpenAI ${RUN}`, OPENAI_SECRET, mock.url);
  azureKey = await azureVirtualKey(`Cfg Azure ${RUN}`, "e2e-configs-azure-000000002222", mock.url);
});

test.afterAll(async () => {
  // Leave the workspace as found: other specs count keys and configs.
  if (configId) await admin("DELETE", `/configs/${configId}`).catch(() => undefined);
  if (editConfigId) await admin("DELETE", `/configs/${editConfigId}`).catch(() => undefined);
  if (cacheConfigId) await admin("DELETE", `/configs/${cacheConfigId}`).catch(() => undefined);
  for (const slug of [openaiKey, azureKey]) if (slug) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  if (gatewayKeyId) await admin("DELETE", `/api-keys/${gatewayKeyId}`).catch(() => undefined);
  await mock?.close();
});

async function jsonView(page: Page): Promise<unknown> {
  return await configJsonValue(page);
}

/** Saves a new config typed into the builder's JSON view (as the signed-in admin); returns its id. */
async function saveNewConfig(page: Page, name: string, config: unknown): Promise<string> {
  await page.goto("/configs/new");
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
  await page.getByLabel("Config name").fill(name);
  await fillConfigJson(page, JSON.stringify(config, null, 2));
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/);
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  return new URL(page.url()).pathname.split("/").pop()!;
}

test("build a fallback config in the browser, copy its id, and the portkey-ai SDK falls back to Azure", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto("/configs");
  await expect(page.getByRole("heading", { name: "Configs", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: /^(New config|Build your first config)$/ }).click();
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();

  await page.getByLabel("Config name").fill(CONFIG_NAME);
  const root = page.getByRole("group", { name: "Config settings" });
  await expect(root.getByLabel("Strategy mode")).toHaveValue("fallback");

  // Status codes as chips: Enter adds one, a space too; each chip has a remove button with a name.
  const codes = root.getByLabel("Fallback on status codes");
  await codes.fill("429");
  await codes.press("Enter");
  await codes.pressSequentially("503 ");
  await expect(root.getByRole("button", { name: "Remove 429" })).toBeVisible();
  await expect(root.getByRole("button", { name: "Remove 503" })).toBeVisible();
  await codes.pressSequentially("5x3");
  await codes.press("Enter");
  await expect(codes).toHaveAccessibleDescription(/not a 3-digit HTTP status code/);
  await codes.fill("");

  // Ordered targets with the virtual key picker (keyboard: select by label).
  await page.getByRole("group", { name: "Target 1", exact: true }).getByLabel("Virtual key").selectOption(openaiKey);
  await page.getByRole("group", { name: "Target 2", exact: true }).getByLabel("Virtual key").selectOption(azureKey);
  expect(await jsonView(page)).toEqual({
    strategy: { mode: "fallback", on_status_codes: [429, 503] },
    targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }],
  });
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/);

  // An invalid value: the engine's message at the field and in the JSON view; saving is refused.
  const attempts = root.getByLabel("Retry attempts");
  await attempts.fill("9");
  await expect(attempts).toHaveAttribute("aria-invalid", "true");
  await expect(attempts).toHaveAccessibleDescription(/must be an integer from 0 to 5/);
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/retry\.attempts must be an integer from 0 to 5/);
  expect(await jsonView(page)).toMatchObject({ retry: { attempts: 9 } });
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page.getByRole("form", { name: "New config" }).getByRole("alert")).toContainText("Fix the problem");
  await expect(attempts).toBeFocused();
  await page.screenshot({ path: screenshotPath(info.outputDir, "configs-builder-invalid"), fullPage: true });
  await attempts.fill("");
  await expect(attempts).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("form", { name: "New config" }).getByRole("alert")).toHaveCount(0);
  expect(await jsonView(page)).not.toHaveProperty("retry");

  // The other way round: JSON typed in the view fills the form.
  const edited = {
    strategy: { mode: "fallback", on_status_codes: [429, 503] },
    targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }],
    request_timeout: 30000,
  };
  await fillConfigJson(page, JSON.stringify(edited, null, 2));
  await expect(root.getByLabel("Request timeout (ms)")).toHaveValue("30000");
  await fillConfigJson(page, "{ not json");
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Not valid JSON/);
  await expect(root.getByLabel("Request timeout (ms)")).toHaveValue("30000"); // the form keeps the last valid config
  await root.getByLabel("Request timeout (ms)").fill("45000"); // a form edit rewrites the JSON view
  await expect(page.getByLabel("Config JSON")).not.toHaveAccessibleDescription(/Not valid JSON/);
  expect(await jsonView(page)).toEqual({ ...edited, request_timeout: 45000 });
  await page.screenshot({ path: screenshotPath(info.outputDir, "configs-builder"), fullPage: true });

  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  await expect(page.getByRole("heading", { name: "Saved: version 1" })).toBeFocused();
  await page.getByRole("button", { name: "Copy config id" }).click();
  configId = await page.evaluate(() => navigator.clipboard.readText());
  expect(configId).toMatch(/^pc-/);
  expect(page.url()).toContain(`/configs/${configId}?`);
  // The snippets name the id and this server.
  await expect(page.getByRole("tabpanel", { name: "Python (portkey_ai)" })).toContainText(`config="${configId}"`);
  await page.getByRole("tab", { name: "Python (portkey_ai)" }).press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Node (portkey-ai)" })).toBeFocused();
  await expect(page.getByRole("tabpanel", { name: "Node (portkey-ai)" })).toContainText(`baseURL: "http://localhost:${E2E_PORT}/v1"`);
  await page.getByRole("tab", { name: "curl" }).click();
  await expect(page.getByRole("tabpanel", { name: "curl" })).toContainText(`x-portkey-config: ${configId}`);
  await page.getByRole("tab", { name: "OpenAI SDK (headers)" }).click();
  await expect(page.getByRole("tabpanel", { name: "OpenAI SDK (headers)" })).toContainText(`"x-portkey-config": "${configId}"`);

  // The real SDK with the copied id: OpenAI answers 503, Azure answers.
  mock.reset();
  mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
  const client = new Portkey({ apiKey: gatewayKey, baseURL: API, config: configId });
  for (let i = 0; i < 2; i++) {
    const res = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: `ping ${i}` }] });
    expect(res.choices[0]?.message?.content).toContain("Mock answer from azure");
  }
  expect(mock.requests({ provider: "openai", key: OPENAI_SECRET }).map((r) => r.status)).toEqual([503, 503]);
  expect(mock.requests({ provider: "azure" }).map((r) => r.status)).toEqual([200, 200]);
  expect(errors).toEqual([]);
});

test("edit the config (a new version), see who changed it, diff two versions and roll back", async ({ page }, info) => {
  const errors = consoleErrors(page);
  // Its own config, version 1 saved in the browser: the fallback config the first test builds.
  const slug = await saveNewConfig(page, EDIT_NAME, {
    strategy: { mode: "fallback", on_status_codes: [429, 503] },
    targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }],
    request_timeout: 45000,
  });
  editConfigId = slug;
  await page.goto(`/configs/${slug}`);
  await expect(page.getByRole("heading", { name: EDIT_NAME, level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save new version" })).toBeDisabled(); // nothing changed yet

  const root = page.getByRole("group", { name: "Config settings" });
  await root.getByRole("button", { name: "Remove 503" }).click();
  await root.getByLabel("Retry attempts").fill("2");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page).toHaveURL(new RegExp(`/configs/${slug}\\?saved=2$`));
  await expect(page.getByRole("heading", { name: "Saved: version 2" })).toBeVisible();

  const versions = page.getByRole("table", { name: /Versions/ });
  await expect(versions.locator("tbody tr")).toHaveCount(2);
  const v2 = versions.getByRole("row").filter({ hasText: "v2" });
  await expect(v2).toContainText("Current");
  await expect(v2).toContainText(E2E_ADMIN.email);
  await expect(v2).toContainText("just now");
  await expect(versions.getByRole("row").filter({ hasText: "v1" })).toContainText(E2E_ADMIN.email);

  // The diff, v1 -> v2 by default: 503 removed, retry added.
  const diff = page.getByRole("region", { name: "Diff from version 1 to version 2" });
  await expect(diff.locator(".is-removed").filter({ hasText: "503" })).toHaveCount(1);
  await expect(diff.locator(".is-added").filter({ hasText: '"attempts": 2' })).toHaveCount(1);
  await expect(diff.locator(".is-added, .is-removed").filter({ hasText: "virtual_key" })).toHaveCount(0);
  await page.getByRole("heading", { name: "Compare versions" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath(info.outputDir, "configs-versions-diff"), fullPage: true });
  // Either side can be chosen.
  await page.getByLabel("From version", { exact: true }).selectOption("2");
  await expect(page.getByRole("region", { name: "Diff from version 2 to version 2" })).toBeVisible();
  await expect(page.getByText("No differences")).toBeVisible();

  // Roll back to v1: a new version v3 with v1's content.
  await page.getByRole("button", { name: "Restore version 1" }).click();
  const dialog = page.getByRole("dialog", { name: "Restore version 1?" });
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Restore version 1" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("heading", { name: "Saved: version 3" })).toBeVisible();
  await expect(versions.locator("tbody tr")).toHaveCount(3);
  await expect(versions.getByRole("row").filter({ hasText: "v3" })).toContainText("restored from version 1");
  await expect(page.getByRole("group", { name: "Config settings" }).getByRole("button", { name: "Remove 503" })).toBeVisible();
  expect(await jsonView(page)).toEqual({
    strategy: { mode: "fallback", on_status_codes: [429, 503] },
    targets: [
      { weight: 1, virtual_key: openaiKey },
      { weight: 1, virtual_key: azureKey },
    ],
    request_timeout: 45000,
  });
  const stored = await admin<{ version: number; config: unknown }>("GET", `/configs/${slug}`);
  expect(stored.version).toBe(3);
  expect(stored.config).toMatchObject({ strategy: { on_status_codes: [429, 503] } });

  // The list: name, id with a copy button, last change, status.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Configs" }).click();
  await expect(page.getByRole("heading", { name: "Configs", level: 1 })).toBeVisible();
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: EDIT_NAME, exact: true }) });
  await expect(row).toContainText(slug);
  await expect(row).toContainText("v3");
  await expect(row).toContainText("Active");
  await expect(row).toContainText("just now");
  await row.getByRole("button", { name: `Copy config id ${slug}` }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(slug);
  await page.screenshot({ path: screenshotPath(info.outputDir, "configs-list"), fullPage: true });
  expect(errors).toEqual([]);
});

test("cache, affinity and a target's own on_status_codes in the form and the JSON view; camelCase JSON fills the form", async ({
  page,
}) => {
  const errors = consoleErrors(page);
  await page.goto("/configs/new");
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
  await page.getByLabel("Config name").fill(`e2e cache ${RUN}`);
  const root = page.getByRole("group", { name: "Config settings" });
  const target1 = page.getByRole("group", { name: "Target 1", exact: true });
  const target2 = page.getByRole("group", { name: "Target 2", exact: true });
  await expect(root.getByLabel("Strategy mode")).toHaveValue("fallback");
  await target1.getByLabel("Virtual key").selectOption(openaiKey);
  await target2.getByLabel("Virtual key").selectOption(azureKey);

  // Cache: off by default; the max age appears once it is on.
  const cache = root.getByLabel("Cache", { exact: true });
  await expect(cache).toHaveValue("");
  await expect(root.getByLabel("Cache max age (seconds)")).toHaveCount(0);
  await cache.selectOption("simple");
  await root.getByLabel("Cache max age (seconds)").fill("60");
  // A bad max age: the engine's message at the field.
  await root.getByLabel("Cache max age (seconds)").fill("0");
  await expect(root.getByLabel("Cache max age (seconds)")).toHaveAccessibleDescription(/must be a positive whole number of seconds/);
  await root.getByLabel("Cache max age (seconds)").fill("60");
  await expect(root.getByLabel("Cache max age (seconds)")).not.toHaveAttribute("aria-invalid", "true");

  // A target's own list, under a fallback parent, with the hint that it overrides the parent's.
  const own = target1.getByLabel("This target's fallback status codes");
  await expect(own).toHaveAccessibleDescription(/Overrides the parent fallback's list for this target/);
  await own.fill("429");
  await own.press("Enter");
  await expect(target1.getByRole("button", { name: "Remove 429" })).toBeVisible();

  // Conversation affinity (Responses API): at the config's top level only; the default adds nothing.
  const originFailure = root.getByLabel("Responses API: a follow-up's target fails");
  await expect(originFailure).toHaveValue("error");
  await expect(target1.getByLabel("Responses API: a follow-up's target fails")).toHaveCount(0);
  await originFailure.selectOption("fallback_without_state");
  expect(await jsonView(page)).toEqual({
    strategy: { mode: "fallback" },
    targets: [{ virtual_key: openaiKey, on_status_codes: [429] }, { virtual_key: azureKey }],
    cache: { mode: "simple", max_age: 60 },
    affinity: { on_origin_failure: "fallback_without_state" },
  });
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/);

  // camelCase typed in the JSON view: normalised as the engine does, so the form shows the values.
  const camel = {
    strategy: { mode: "fallback", onStatusCodes: [503] },
    targets: [{ virtualKey: openaiKey, onStatusCodes: [429, 500] }, { virtualKey: azureKey }],
    cache: { mode: "simple", maxAge: 120 },
    requestTimeout: 30000,
    affinity: { onOriginFailure: "fallback_without_state" },
  };
  await fillConfigJson(page, JSON.stringify(camel, null, 2));
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/);
  await expect(root.getByLabel("Request timeout (ms)")).toHaveValue("30000");
  await expect(root.getByLabel("Cache", { exact: true })).toHaveValue("simple");
  await expect(root.getByLabel("Cache max age (seconds)")).toHaveValue("120");
  await expect(originFailure).toHaveValue("fallback_without_state");
  await expect(root.getByRole("button", { name: "Remove 503" })).toBeVisible();
  await expect(target1.getByLabel("Virtual key")).toHaveValue(openaiKey);
  await expect(target2.getByLabel("Virtual key")).toHaveValue(azureKey);
  await expect(target1.getByRole("button", { name: "Remove 429" })).toBeVisible();
  await expect(target1.getByRole("button", { name: "Remove 500" })).toBeVisible();
  // A form edit rewrites the JSON view in snake_case.
  await root.getByLabel("Request timeout (ms)").fill("31000");
  expect(await jsonView(page)).toEqual({
    strategy: { mode: "fallback", on_status_codes: [503] },
    targets: [{ virtual_key: openaiKey, on_status_codes: [429, 500] }, { virtual_key: azureKey }],
    cache: { mode: "simple", max_age: 120 },
    request_timeout: 31000,
    affinity: { on_origin_failure: "fallback_without_state" },
  });

  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  cacheConfigId = new URL(page.url()).pathname.split("/").pop();
  expect(cacheConfigId).toMatch(/^pc-/);
  const stored = await admin<{ config: Record<string, unknown> }>("GET", `/configs/${cacheConfigId}`);
  expect(stored.config).toMatchObject({
    cache: { mode: "simple", max_age: 120 },
    strategy: { mode: "fallback", on_status_codes: [503] },
    targets: [{ virtual_key: openaiKey, on_status_codes: [429, 500] }, { virtual_key: azureKey }],
    request_timeout: 31000,
    affinity: { on_origin_failure: "fallback_without_state" },
  });
  expect(stored.config.targets).toHaveLength(2);
  expect((stored.config.targets as Record<string, unknown>[])[1]).not.toHaveProperty("on_status_codes");

  // The saved config loads back into the form.
  await expect(page.getByRole("group", { name: "Config settings" }).getByLabel("Cache max age (seconds)")).toHaveValue("120");
  await expect(page.getByRole("group", { name: "Target 1", exact: true }).getByRole("button", { name: "Remove 500" })).toBeVisible();

  await admin("DELETE", `/configs/${cacheConfigId}`);
  const gone = await fetch(`${API}/configs/${cacheConfigId}`, { headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY } });
  expect(gone.status).toBe(404);
  cacheConfigId = undefined;
  expect(errors).toEqual([]);
});

test("saving a config that sends a virtual key to a host it does not allow: the API's 400 at the target, nothing saved", async ({
  page,
}, info) => {
  const errors = consoleErrors(page);
  const name = `e2e elsewhere ${RUN}`;
  await page.goto("/configs/new");
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
  await page.getByLabel("Config name").fill(name);
  // The target's custom_host typed in the JSON view (the form has no custom host field for a virtual-key target).
  const config = {
    strategy: { mode: "fallback" },
    targets: [{ virtual_key: openaiKey }, { virtual_key: openaiKey, custom_host: "https://elsewhere.example/v1" }],
  };
  await fillConfigJson(page, JSON.stringify(config, null, 2));
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/); // the engine's schema has nothing against it
  const target2 = page.getByRole("group", { name: "Target 2", exact: true });
  await expect(target2.getByLabel("Virtual key")).toHaveValue(openaiKey);
  await expect(target2).not.toHaveAttribute("aria-invalid", "true");

  await page.getByRole("button", { name: "Save config" }).click();
  const alert = page.getByRole("form", { name: "New config" }).getByRole("alert");
  await expect(alert).toContainText(`targets[1].custom_host: Virtual key "${openaiKey}" may only send its provider key`);
  await expect(alert).toContainText(`adds "https://elsewhere.example" to the virtual key's allowed_hosts`);
  // The issue sits at the target's custom_host: the target is marked invalid and the JSON view lists it at that path.
  await expect(target2).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("group", { name: "Target 1", exact: true })).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(
    new RegExp(
      `1 problem:\\s*targets\\[1\\]\\.custom_host Virtual key "${openaiKey}" may only send its provider key .* points it at https://elsewhere\\.example\\.`,
    ),
  );
  await expect(page).toHaveURL(/\/configs\/new$/);
  await page.screenshot({ path: screenshotPath(info.outputDir, "configs-builder-vk-host-refused"), fullPage: true });
  const list = await admin<{ data: { name: string }[] }>("GET", "/configs");
  expect(list.data.map((c) => c.name)).not.toContain(name);

  // Pointing the target back at the key's own host saves.
  await page
    .getByLabel("Config JSON")
    .fill(JSON.stringify({ ...config, targets: [config.targets[0], { virtual_key: openaiKey, custom_host: `${mock.url}/v1` }] }, null, 2));
  await expect(target2).not.toHaveAttribute("aria-invalid", "true");
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  await admin("DELETE", `/configs/${new URL(page.url()).pathname.split("/").pop()}`);
  // The browser reports the refused POST itself as a failed load; nothing else may be logged.
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
});
