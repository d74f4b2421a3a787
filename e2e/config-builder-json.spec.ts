/**
 * The config builder says what the gateway would: it never reinterprets the JSON (a strategy mode
 * Detour does not have shows as itself, with the engine's error, and no other mode's fields), a
 * virtual key slug that is not an active key of the workspace is an error at its field (not
 * saved), and a target with no credentials is said to need them in each request, not called
 * simply valid.
 */
import { expect, test } from "@playwright/test";
import { admin, openaiVirtualKey } from "../testing/e2e-admin-api";
import { configJsonValue, fillConfigJson } from "../testing/config-editor";
import { ADMIN_STATE, consoleErrors, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";

test.use({ storageState: ADMIN_STATE });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let vk: string;

test.beforeAll(async () => {
  // Never called: the builder only needs it to exist.
  vk = await openaiVirtualKey(`E2E builder check ${RUN}`, "sk-e2e-builder-000000000000004444", "http://127.0.0.1:9");
});
test.afterAll(async () => {
  if (vk) await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
});

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test("an unknown mode typed in the JSON shows as itself with its error, not as Single", async ({ page }, info) => {
      const errors = consoleErrors(page);
      await page.goto("/configs/new");
      await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
      const root = page.getByRole("group", { name: "Config settings" });
      const mode = root.getByLabel("Strategy mode");
      await expect(mode).toHaveValue("fallback");
      await expect(root.getByLabel("Fallback on status codes")).toBeVisible();

      const json = page.getByLabel("Config JSON");
      const typo = { strategy: { mode: "fallbak", on_status_codes: [503] }, targets: [{ virtual_key: "vk-a" }, { virtual_key: "vk-b" }] };
      await fillConfigJson(page, JSON.stringify(typo, null, 2));

      // The form shows the JSON's value and the engine's error, not "Single: the first target".
      await expect(mode.locator("option:checked")).toHaveText("“fallbak”: not a strategy mode");
      await expect(mode).toHaveAttribute("aria-invalid", "true");
      await expect(mode).toHaveAccessibleDescription(/must be one of single, fallback, loadbalance, conditional/);
      await expect(root.getByLabel("Fallback on status codes")).toHaveCount(0);
      await expect(page.getByRole("group", { name: "Config targets" })).toContainText("the strategy mode, which is not valid");
      await expect(json).toHaveAccessibleDescription(/strategy\.mode must be one of single, fallback, loadbalance, conditional/);
      // The JSON is left as typed.
      expect(await configJsonValue(page)).toEqual(typo);
      await page.screenshot({ path: screenshotPath(info.outputDir, `config-unknown-mode-${viewport.width}`), fullPage: true });

      // Picking a mode in the form fixes the JSON (the fallback list kept).
      await mode.selectOption("fallback");
      await expect(mode).not.toHaveAttribute("aria-invalid", "true");
      expect(await configJsonValue(page)).toEqual({ ...typo, strategy: { mode: "fallback", on_status_codes: [503] } });
      await expect(root.getByRole("button", { name: "Remove 503" })).toBeVisible();
      expect(errors).toEqual([]);
    });

    test("a slug that is no active key is an error at its target; a target without credentials needs them per request", async ({
      page,
    }, info) => {
      const errors = consoleErrors(page);
      await page.goto("/configs/new");
      await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
      await page.getByLabel("Config name").fill(`e2e builder check ${RUN}`);
      const json = page.getByLabel("Config JSON");
      const missing = `vk-nosuch-${RUN}`;
      await fillConfigJson(
        page,
        JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: missing }, { virtual_key: vk }] }, null, 2),
      );
      await expect(json).toHaveAccessibleDescription(
        new RegExp(`targets\\[0\\]\\.virtual_key no active virtual key "${missing}" in this workspace`),
      );
      await expect(json).not.toHaveAccessibleDescription(/Valid/);
      await page.getByRole("button", { name: "Save config" }).click();
      await expect(page.getByRole("form", { name: "New config" }).getByRole("alert")).toContainText("Fix the problem");
      await expect(page).toHaveURL(/\/configs\/new$/);

      // An empty target: valid for the schema, but it runs only with the key each request sends.
      await fillConfigJson(page, JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: vk }, {}] }, null, 2));
      await expect(json).toHaveAccessibleDescription(/Valid, and runs only when each request sends its credentials/);
      await expect(json).toHaveAccessibleDescription(/targets\[1\] names no virtual key or provider/);
      await expect(json).not.toHaveAccessibleDescription(/Valid: the gateway can run this config/);
      await page.screenshot({ path: screenshotPath(info.outputDir, `config-needs-credentials-${viewport.width}`), fullPage: true });

      // Both targets with an active key: simply valid.
      await fillConfigJson(
        page,
        JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: vk }, { virtual_key: vk }] }, null, 2),
      );
      await expect(json).toHaveAccessibleDescription(/Valid: the gateway can run this config/);
      expect(errors).toEqual([]);
    });
  });
}
