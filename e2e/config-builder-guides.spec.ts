/**
 * The config builder guides (issue 18, item 11), at 1440x900 and 390x844: targets labelled by their
 * role (Primary, Fallback 1, a share of traffic) with provider badges; a one-line summary that
 * follows the form and the JSON; the JSON editor's error markers (syntax and schema), completion of
 * keys and virtual-key slugs, and a way out for the keyboard; and "Test this config", which sends one
 * request through the unsaved config and shows the fallback's attempts (the mock upstream answers
 * the OpenAI key 503, Azure 200).
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, azureVirtualKey, openaiVirtualKey } from "../testing/e2e-admin-api";
import { configJson, configJsonText, configJsonValue, fillConfigJson } from "../testing/config-editor";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const OPENAI_SECRET = `sk-e2e-guides-openai-${RUN}-0000`;
const AZURE_SECRET = `e2e-guides-azure-${RUN}-00000000`;

let mock: MockUpstream;
let openaiKey: string;
let azureKey: string;
const savedConfigs: string[] = [];

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  openaiKey = await openaiVirtualKey(`Guides OpenAI ${RUN}`, OPENAI_SECRET, mock.url);
  azureKey = await azureVirtualKey(`Guides Azure ${RUN}`, AZURE_SECRET, mock.url);
});

test.afterAll(async () => {
  for (const slug of savedConfigs) await admin("DELETE", `/configs/${slug}`).catch(() => undefined);
  for (const slug of [openaiKey, azureKey]) if (slug) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  await mock?.close();
});

const fallback = () => ({
  strategy: { mode: "fallback", on_status_codes: [429, 503] },
  targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }],
});

/** A target's description: its role, then its provider badge. */
const described = (role: string, provider: string) => new RegExp(`^${role.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*,\\s*${provider}$`);

async function openBuilder(page: Page) {
  await page.goto("/configs/new");
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
}

for (const [width, height] of [
  [1440, 900],
  [390, 844],
] as const) {
  test.describe(`at ${width}x${height}`, () => {
    test.use({ viewport: { width, height } });

    test("targets carry their role and provider, and the summary follows the form and the JSON", async ({ page }, info) => {
      const errors = consoleErrors(page);
      await openBuilder(page);
      await fillConfigJson(page, JSON.stringify(fallback(), null, 2));
      await expect(configJson(page)).toHaveAccessibleDescription(/Valid: the gateway can run this config/);

      const first = page.getByRole("group", { name: "Target 1", exact: true });
      const second = page.getByRole("group", { name: "Target 2", exact: true });
      await expect(first).toHaveAccessibleDescription(described("Primary", "OpenAI"));
      await expect(second).toHaveAccessibleDescription(described("Fallback 1", "Azure OpenAI"));
      await expect(first.locator(".cfg-role")).toBeVisible();
      const summary = page.getByTestId("config-summary");
      await expect(summary).toHaveText("OpenAI -> Azure OpenAI on 429, 503");
      await page.screenshot({ path: screenshotPath(info.outputDir, `config-guides-roles-${width}`), fullPage: true });

      // The form changes the routing: the labels and the summary follow.
      const mode = page.getByRole("group", { name: "Config settings" }).getByLabel("Strategy mode");
      await mode.selectOption("loadbalance");
      await expect(first).toHaveAccessibleDescription(described("50% of traffic", "OpenAI"));
      await expect(summary).toHaveText("OpenAI 50% / Azure OpenAI 50%");
      await second.getByLabel("Weight").fill("3");
      await expect(second).toHaveAccessibleDescription(described("75% of traffic", "Azure OpenAI"));
      await expect(summary).toHaveText("OpenAI 25% / Azure OpenAI 75%");

      // So does the JSON: a retry and a timeout join the summary.
      await fillConfigJson(page, JSON.stringify({ ...fallback(), retry: { attempts: 2 }, request_timeout: 10000 }, null, 2));
      await expect(summary).toHaveText("OpenAI -> Azure OpenAI on 429, 503 · retry 2× · timeout 10 s");
      await expect(first).toHaveAccessibleDescription(described("Primary", "OpenAI"));
      expect(errors).toEqual([]);
    });

    test("the editor marks a syntax error and a schema error where they are", async ({ page }, info) => {
      const errors = consoleErrors(page);
      await openBuilder(page);
      const editor = page.locator(".cfg-json-editor");

      await fillConfigJson(page, '{\n  "strategy": {"mode": "fallback"},\n  "targets": [}\n}');
      await expect(configJson(page)).toHaveAccessibleDescription(/Not valid JSON/);
      await expect(editor.locator(".cm-lintRange-error")).toHaveCount(1);
      await expect(editor.locator(".cm-gutter-lint .cm-lint-marker-error")).toHaveCount(1);
      // The marker sits on line 3, where parsing stops.
      const markerTop = await editor.locator(".cm-lint-marker-error").boundingBox();
      const line3 = await editor.locator(".cm-line").nth(2).boundingBox();
      expect(Math.abs((markerTop?.y ?? 0) - (line3?.y ?? 0))).toBeLessThan(6);

      await fillConfigJson(page, JSON.stringify({ strategy: { mode: "fallbak" }, targets: [{ virtual_key: openaiKey }] }, null, 2));
      await expect(configJson(page)).toHaveAccessibleDescription(/strategy\.mode must be one of/);
      await expect(editor.locator(".cm-lintRange-error")).toHaveText('"fallbak"');
      await page.screenshot({ path: screenshotPath(info.outputDir, `config-guides-marker-${width}`), fullPage: true });
      expect(errors).toEqual([]);
    });

    test("the editor completes config keys and the workspace's virtual-key slugs; Esc then Tab leaves it", async ({ page }, info) => {
      const errors = consoleErrors(page);
      await openBuilder(page);
      const editor = configJson(page);
      const popup = page.locator(".cm-tooltip-autocomplete");

      // A key: the schema's keys of the level.
      await fillConfigJson(page, '{\n  "strategy": {"mode": "fallback"},\n  "targets": [{"re');
      await editor.press("Control+Space");
      await expect(popup.getByRole("option", { name: /^retry/ })).toBeVisible();
      await expect(popup.getByRole("option", { name: /^request_timeout/ })).toBeVisible();
      await editor.press("Escape");
      await expect(popup).toHaveCount(0);

      // A slug: the workspace's active virtual keys, with their provider.
      await fillConfigJson(page, '{\n  "strategy": {"mode": "fallback"},\n  "targets": [{"virtual_key": "');
      await editor.press("Control+Space");
      const option = popup.getByRole("option", { name: new RegExp(openaiKey) });
      await expect(option).toBeVisible();
      await expect(option).toContainText("OpenAI");
      await page.screenshot({ path: screenshotPath(info.outputDir, `config-guides-completion-${width}`), fullPage: true });
      await page.keyboard.type(openaiKey.slice(0, 8));
      await editor.press("Enter");
      await expect(popup).toHaveCount(0);
      expect(await configJsonText(page)).toContain(`"virtual_key": "${openaiKey}`);

      // Tab indents inside the editor; Escape then Tab moves on to the Save button.
      await editor.press("Tab");
      await expect(editor).toBeFocused();
      await editor.press("Escape");
      await page.keyboard.press("Tab");
      await expect(editor).not.toBeFocused();
      await expect(page.getByRole("button", { name: "Save config" })).toBeFocused();
      await expect(editor).toHaveAccessibleDescription(/press Esc then Tab \(or Shift\+Tab\) to leave the editor/);
      // Ctrl+S still saves from inside the editor (here refused: the JSON does not parse yet).
      await editor.press("Control+s");
      await expect(page.getByRole("form", { name: "New config" }).getByRole("alert")).toContainText("The JSON view does not parse");
      expect(errors).toEqual([]);
    });

    test("Test this config sends one request through the unsaved config and shows the fallback's attempts", async ({ page }, info) => {
      const errors = consoleErrors(page);
      await openBuilder(page);
      await fillConfigJson(page, JSON.stringify(fallback(), null, 2));
      await expect(configJson(page)).toHaveAccessibleDescription(/Valid: the gateway can run this config/);
      mock.reset();
      mock.script({ match: { key: OPENAI_SECRET }, fault: { kind: "status", status: 503 }, times: 1 });

      const panel = page.getByRole("region", { name: "Test this config" });
      await panel.getByLabel("Model").fill("gpt-4o-mini");
      await panel.getByRole("button", { name: "Test this config" }).click();
      const result = panel.getByRole("region", { name: "Test result" });
      await expect(result).toBeVisible();
      await expect(result.getByText("fallback used")).toBeVisible();
      const timeline = result.getByRole("list", { name: "Attempt timeline" });
      const items = timeline.getByRole("listitem");
      await expect(items).toHaveCount(2);
      await expect(items.nth(0)).toContainText("config.targets[0]");
      await expect(items.nth(0)).toContainText("503");
      await expect(items.nth(0)).toContainText("moved on");
      await expect(items.nth(1)).toContainText("config.targets[1]");
      await expect(items.nth(1)).toContainText("azure-openai");
      await expect(items.nth(1)).toContainText("answered");
      await expect(result.locator(".cfg-test-text")).not.toBeEmpty();
      expect(mock.requests().map((r) => r.key)).toEqual([OPENAI_SECRET, AZURE_SECRET]);
      await result.scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath(info.outputDir, `config-guides-test-${width}`), fullPage: true });

      // The test is a request like any: its log row is one click away, marked as a test.
      await result.getByRole("link", { name: "Open in logs" }).click();
      await expect(page).toHaveURL(/\/logs\/[^/]+$/);
      await expect(page.getByText("detour_test").first()).toBeVisible();
      expect(errors).toEqual([]);
    });

    test("on a saved config, the test runs its unsaved edits, its masked key standing for the stored one", async ({ page }) => {
      const errors = consoleErrors(page);
      const direct = `sk-e2e-guides-direct-${RUN}-${width}`;
      const saved = await admin<{ slug: string }>("POST", "/configs", {
        name: `e2e guides saved ${RUN} ${width}`,
        config: {
          strategy: { mode: "fallback" },
          targets: [{ provider: "openai", api_key: direct, custom_host: `${mock.url}/v1` }, { virtual_key: azureKey }],
        },
      });
      savedConfigs.push(saved.slug);
      await page.goto(`/configs/${saved.slug}`);
      await expect(configJson(page)).toHaveAccessibleDescription(/Valid: the gateway can run this config/);
      const shown = (await configJsonValue(page)) as { strategy: unknown; targets: Record<string, unknown>[] };
      expect(JSON.stringify(shown)).not.toContain(direct);
      // An edit not saved: Azure first, the masked OpenAI target second.
      await fillConfigJson(page, JSON.stringify({ ...shown, targets: [shown.targets[1], shown.targets[0]] }, null, 2));
      await expect(page.getByTestId("config-summary")).toHaveText("Azure OpenAI -> OpenAI on any failure");
      mock.reset();
      mock.script({ match: { key: AZURE_SECRET }, fault: { kind: "status", status: 500 }, times: 1 });
      const panel = page.getByRole("region", { name: "Test this config" });
      await panel.getByRole("button", { name: "Test this config" }).click();
      const items = panel
        .getByRole("region", { name: "Test result" })
        .getByRole("list", { name: "Attempt timeline" })
        .getByRole("listitem");
      await expect(items).toHaveCount(2);
      await expect(items.nth(0)).toContainText("azure-openai");
      await expect(items.nth(1)).toContainText("openai");
      await expect(items.nth(1)).toContainText("answered");
      expect(mock.requests().map((r) => r.key)).toEqual([AZURE_SECRET, direct]);
      await expect(panel).not.toContainText(direct);
      expect(errors).toEqual([]);
    });
  });
}
