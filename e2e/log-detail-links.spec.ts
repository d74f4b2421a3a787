/**
 * What a log's detail says about the API key and the config of a request, driven in the browser:
 * the API key by its name and prefix, linked to its row on /api-keys; the config linked to the
 * exact version that routed it; and a request refused before its config was read (an unknown
 * config id) says so, instead of calling the config deleted.
 */
import { expect, test } from "@playwright/test";
import { admin, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const KEY_NAME = `e2e detail links ${RUN}`;

let mock: MockUpstream;
let apiKeyId: string;
let apiKey: string;
let prefix: string;
let vk: string;
let configSlug: string;

type ApiLog = { id: string; status: number; error_type: string | null; config: string | null };

async function logsOfTrace(trace: string): Promise<ApiLog[]> {
  return (await admin<{ data: ApiLog[] }>("GET", `/logs?trace_id=${trace}&limit=10`)).data;
}

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  const created = await admin<{ id: string; key: string; prefix: string }>("POST", "/api-keys", { name: KEY_NAME, scope: "gateway" });
  apiKeyId = created.id;
  apiKey = created.key;
  prefix = created.prefix;
  vk = await openaiVirtualKey(`E2E detail links ${RUN}`, "sk-e2e-links-000000000000003333", mock.url);
  configSlug = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `E2E detail links ${RUN}`,
      config: { strategy: { mode: "single" }, targets: [{ virtual_key: vk }] },
    })
  ).slug;
  // Version 2 is the one that routes the request below.
  await admin("PUT", `/configs/${configSlug}`, {
    config: { strategy: { mode: "single" }, retry: { attempts: 1 }, targets: [{ virtual_key: vk }] },
  });

  expect((await gatewayChat({ config: configSlug, traceId: `links-ok-${RUN}`, content: "Hello", apiKey })).status).toBe(200);
  expect(
    (await gatewayChat({ config: `pc-nosuch-${RUN}`, traceId: `links-refused-${RUN}`, content: "Hello", apiKey })).status,
  ).toBeGreaterThanOrEqual(400);
  await expect
    .poll(async () => (await logsOfTrace(`links-ok-${RUN}`)).length + (await logsOfTrace(`links-refused-${RUN}`)).length, {
      timeout: 15_000,
    })
    .toBe(2);
});

test.afterAll(async () => {
  if (configSlug) await admin("DELETE", `/configs/${configSlug}`).catch(() => undefined);
  if (vk) await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
  if (apiKeyId) await admin("DELETE", `/api-keys/${apiKeyId}`).catch(() => undefined);
  await mock?.close();
});

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test("the detail names the API key and links it, and links the config's exact version", async ({ page }, info) => {
      const errors = consoleErrors(page);
      const [log] = await logsOfTrace(`links-ok-${RUN}`);
      await page.goto(`/logs/${log!.id}`);

      // The API key by name and prefix, never its internal id.
      const keyLink = page.getByRole("link", { name: KEY_NAME });
      await expect(keyLink).toBeVisible();
      await expect(page.getByText(`${prefix}...`, { exact: true })).toBeVisible();
      await expect(page.getByText(apiKeyId, { exact: true })).toHaveCount(0);

      // The config field names and links version 2, the version that routed the request.
      const configLink = page.getByRole("link", { name: `${configSlug} v2` });
      await expect(configLink).toHaveAttribute("href", `/configs/${configSlug}#cfg-v2`);
      await page.screenshot({ path: screenshotPath(info.outputDir, `log-detail-links-${viewport.width}`), fullPage: true });

      await keyLink.click();
      await expect(page).toHaveURL(new RegExp(`/api-keys(\\?page=\\d+)?#api-key-${apiKeyId}$`));
      await expect(page.locator(`#api-key-${apiKeyId}`)).toContainText(KEY_NAME);

      await page.goBack();
      await configLink.click();
      await expect(page).toHaveURL(new RegExp(`/configs/${configSlug}#cfg-v2$`));
      await expect(page.locator("#cfg-v2")).toContainText("v2");
      expect(errors).toEqual([]);
    });

    test("a request refused before its config was read says so, and does not call the config deleted", async ({ page }) => {
      const [log] = await logsOfTrace(`links-refused-${RUN}`);
      expect(log!.config).toBe(`pc-nosuch-${RUN}`);
      await page.goto(`/logs/${log!.id}`);
      const main = page.getByRole("main");
      await expect(main).toContainText("no version recorded: the request was refused before its config was read");
      await expect(main).toContainText("no config has this id in the workspace");
      await expect(main).not.toContainText("deleted");
      await expect(main).not.toContainText("v?");
    });
  });
}
