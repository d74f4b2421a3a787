/**
 * The Overview's getting-started checklist (issue 18, item 17), in a workspace created for the
 * test from the sidebar, as a new team would meet it: four steps to do, each ticked as it is done in
 * the dashboard (a virtual key on the mock upstream, a config in the builder, an API key, a real
 * request with it, the log explorer opened), and the checklist gone once all are done. Hide
 * removes it early. The workspace is deleted at the end (and by the API if the test stops early).
 */
import { expect, type Page, test } from "@playwright/test";
import { gatewayChat } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { fillConfigJson } from "../testing/config-editor";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = Date.now().toString(36);
const TEAM = { name: `Getting started ${RUN}`, slug: `gs-${RUN}` };
const HIDDEN = { name: `Hidden checklist ${RUN}`, slug: `gs-hide-${RUN}` };
let mock: MockUpstream;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
// A test stopped early leaves its workspace: deleted with the signed-in session (the admin key acts
// in the default workspace only), so the specs after this one see one workspace again.
test.afterAll(async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const origin = test.info().project.use.baseURL!;
  const listed = await context.request.get(`${origin}/v1/workspaces`);
  const { data } = (await listed.json()) as { data: { id: string; slug: string }[] };
  for (const left of data.filter((w) => w.slug === TEAM.slug || w.slug === HIDDEN.slug)) {
    const res = await context.request.delete(`${origin}/v1/workspaces/${left.id}?confirm=${left.slug}`, { headers: { origin } });
    expect(res.status(), await res.text()).toBe(200);
  }
  await context.close();
  await mock?.close();
});

/** Deletes the workspace on screen from its settings page: back to the default one. */
async function deleteWorkspace(page: Page, team: { name: string; slug: string }): Promise<void> {
  await page.goto("/workspace");
  await page.getByRole("button", { name: "Delete workspace" }).click();
  const del = page.getByRole("dialog", { name: `Delete “${team.name}”?` });
  await del.getByLabel(`Type ${team.slug} to confirm`).fill(team.slug);
  await del.getByRole("button", { name: "Delete workspace" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

const checklist = (page: Page) => page.getByRole("region", { name: "Get started" });
const step = (page: Page, title: string, state: "done" | "to do") => checklist(page).getByRole("listitem", { name: `${title}: ${state}` });

test("a new workspace's checklist ticks each step as it is done, then disappears", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto("/");
  await page.getByRole("button", { name: "+ New workspace" }).click();
  const dialog = page.getByRole("dialog", { name: "New workspace" });
  await dialog.getByLabel("Name").fill(TEAM.name);
  await dialog.getByLabel("Slug").fill(TEAM.slug);
  await dialog.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(checklist(page)).toContainText("0 of 4 done");
  for (const title of ["Add a provider key", "Make a config", "Send a request", "See it in the logs"])
    await expect(step(page, title, "to do")).toBeVisible();
  await page.screenshot({ path: screenshotPath(info.outputDir, "getting-started-empty"), fullPage: true });

  // 1. A virtual key, from the checklist's link.
  await step(page, "Add a provider key", "to do").getByRole("link", { name: "Virtual keys" }).click();
  await page.getByRole("button", { name: /^Create (your first )?virtual key/ }).click();
  const vkDialog = page.getByRole("dialog", { name: "Create virtual key" });
  await vkDialog.getByLabel("Name", { exact: true }).fill(`gs-openai-${RUN}`);
  await vkDialog.getByLabel("Provider API key").fill("sk-e2e-getting-started-0000mmmm");
  await vkDialog.getByLabel("Custom host").fill(`${mock.url}/v1`);
  await vkDialog.getByRole("button", { name: "Create key" }).click();
  await expect(vkDialog).toBeHidden();
  await page.getByRole("link", { name: `gs-openai-${RUN}`, exact: true }).click();
  await expect(page).toHaveURL(/\/virtual-keys\/[^/]+$/);
  const vk = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await page.goto("/");
  await expect(step(page, "Add a provider key", "done")).toBeVisible();
  await expect(checklist(page)).toContainText("1 of 4 done");

  // 2. A config, in the builder.
  await step(page, "Make a config", "to do").getByRole("link", { name: "New config" }).click();
  await page.getByLabel("Config name").fill(`gs-config-${RUN}`);
  await fillConfigJson(page, JSON.stringify({ virtual_key: vk }, null, 2));
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid: the gateway can run this config/);
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-/);
  const configSlug = new URL(page.url()).pathname.split("/").pop()!;
  await page.goto("/");
  await expect(step(page, "Make a config", "done")).toBeVisible();

  // 3. An API key, then a real request with it through the config.
  await step(page, "Send a request", "to do").getByRole("link", { name: "API keys" }).click();
  await page.getByRole("button", { name: "Create API key" }).click();
  const keyDialog = page.getByRole("dialog", { name: "Create API key" });
  await keyDialog.getByLabel("Name").fill(`gs-app-${RUN}`);
  await keyDialog.getByRole("button", { name: "Create key" }).click();
  const apiKey = await page
    .getByRole("dialog", { name: `Copy the key for “gs-app-${RUN}”` })
    .getByLabel("New API key")
    .inputValue();
  const res = await gatewayChat({ apiKey, config: configSlug, model: "gpt-4o-mini", content: "Hello" });
  expect(res.status).toBe(200);
  await expect
    .poll(
      async () => {
        await page.goto("/");
        return step(page, "Send a request", "done").count();
      },
      { timeout: 15_000 },
    )
    .toBe(1);
  await expect(checklist(page)).toContainText("3 of 4 done");

  // 4. The logs, opened: the checklist is done and gone.
  await step(page, "See it in the logs", "to do").getByRole("link", { name: "Logs" }).click();
  await expect(page.getByRole("heading", { name: "Logs", level: 1 })).toBeVisible();
  await expect(page.getByRole("table").getByRole("row")).not.toHaveCount(1);
  await page.goto("/");
  await expect(page.getByRole("region", { name: "Workspace summary" })).toBeVisible();
  await expect(checklist(page)).toHaveCount(0);
  await page.screenshot({ path: screenshotPath(info.outputDir, "getting-started-done"), fullPage: true });

  // Delete the workspace (its keys and logs go with it): back to the default one.
  await deleteWorkspace(page, TEAM);
  expect(errors).toEqual([]);
});

test("Hide removes the checklist for this workspace, in this browser", async ({ page }, info) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  // On a phone the sidebar is behind the Menu button.
  await page.getByRole("button", { name: "Menu" }).click();
  await page.getByRole("button", { name: "+ New workspace" }).click();
  const dialog = page.getByRole("dialog", { name: "New workspace" });
  await dialog.getByLabel("Name").fill(HIDDEN.name);
  await dialog.getByLabel("Slug").fill(HIDDEN.slug);
  await dialog.getByRole("button", { name: "Create workspace" }).click();
  await expect(checklist(page)).toContainText("0 of 4 done");
  await page.screenshot({ path: screenshotPath(info.outputDir, "getting-started-390"), fullPage: true });
  await checklist(page).getByRole("button", { name: "Hide" }).click();
  await expect(checklist(page)).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("region", { name: "Workspace summary" })).toBeVisible();
  await expect(checklist(page)).toHaveCount(0);
  await page.setViewportSize({ width: 1280, height: 720 });
  await deleteWorkspace(page, HIDDEN);
});
