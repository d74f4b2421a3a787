/**
 * The dashboard on a phone (390x844): every page under app/(dashboard)/ fits the screen's width
 * (the page never scrolls sideways), the navigation folds behind a Menu button, the log list is a
 * list of cards, and the whole first-day flow (a virtual key, a fallback config, traffic, the logs,
 * one log, analytics, a rotation, the versions, a revoke) is done in the browser at that size.
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, azureVirtualKey, gatewayChat, openaiVirtualKey, tracedLogs } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { dashboardPages } from "../testing/e2e-pages";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

const PHONE = { width: 390, height: 844 };
test.use({ storageState: ADMIN_STATE, viewport: PHONE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const FLOW = { openai: `Phone OpenAI ${RUN}`, openaiKey: "sk-e2e-phone-openai-0000aaaa1111", newKey: "sk-e2e-phone-rotated-0000bbbb9999" };

let mock: MockUpstream;
let azureKey: string;
let pageKey: string;
let pageConfig: string;
let logId: string;
const configs: string[] = [];
const virtualKeys: string[] = [];

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  azureKey = await azureVirtualKey(`Phone Azure ${RUN}`, "e2e-phone-azure-00000000cccc2222", mock.url);
  virtualKeys.push(azureKey);
  // What the pages with an id show: a key, a config and one logged request.
  pageKey = await openaiVirtualKey(`Phone page key ${RUN}`, "sk-e2e-phone-page-0000dddd4444", mock.url);
  virtualKeys.push(pageKey);
  pageConfig = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `Phone page config ${RUN}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: pageKey }, { virtual_key: azureKey }] },
    })
  ).slug;
  configs.push(pageConfig);
  const trace = `phone-${RUN}`;
  expect((await gatewayChat({ config: pageConfig, traceId: trace })).status).toBe(200);
  logId = (await tracedLogs(trace))[0]!.id;
});

test.afterAll(async () => {
  // Leave the workspace as found: other specs count its keys and configs.
  for (const slug of configs) await admin("DELETE", `/configs/${slug}`).catch(() => undefined);
  for (const slug of virtualKeys) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  await mock?.close();
});

/** The page's real URL for a template: ids are the ones beforeAll made. */
function urlOf(template: string): string {
  const ids: Record<string, string> = { "/configs/[slug]": pageConfig, "/logs/[id]": logId, "/virtual-keys/[slug]": pageKey };
  if (!template.includes("[")) return template;
  const id = ids[template];
  if (!id) throw new Error(`${template}: a new dashboard page with an id; give it one in urlOf`);
  return template.replace(/\[[^\]]+\]$/, encodeURIComponent(id));
}

/** How far the document is wider than the window, and the elements that stick out (for the failure message). */
async function sideways(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const culprits: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()}.${String(el.className).replace(/\s+/g, ".")}`;
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      if (culprits.length >= 8) break;
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 0.5) culprits.push(`${name(el)} right=${Math.round(box.right)}`);
      // Text wider than its box (it overflows without moving the box).
      else if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible" && el.clientWidth > 0)
        culprits.push(`${name(el)} content ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return { overflow: document.documentElement.scrollWidth - width, culprits };
  });
}

async function expectNoSidewaysScroll(page: Page, what: string, soft = false) {
  const { overflow, culprits } = await sideways(page);
  (soft ? expect.soft : expect)(
    overflow,
    `${what} scrolls sideways by ${overflow}px; sticking out: ${culprits.join(", ")}`,
  ).toBeLessThanOrEqual(0);
}

test("every dashboard page fits 390 px: no sideways scroll, with the menu closed and open", async ({ page }, info) => {
  const errors = consoleErrors(page);
  const pages = dashboardPages();
  // The folder is the list: these must be among them (a rename would otherwise drop a page from the check).
  expect(pages).toEqual(expect.arrayContaining(["/", "/logs", "/logs/[id]", "/configs/[slug]", "/virtual-keys/[slug]", "/analytics"]));
  for (const template of pages) {
    await page.goto(urlOf(template));
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    await expectNoSidewaysScroll(page, template, true);
    await page.getByRole("button", { name: "Menu" }).click();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expectNoSidewaysScroll(page, `${template} with the menu open`, true);
    await page.keyboard.press("Escape");
    const name =
      template === "/"
        ? "overview"
        : template
            .slice(1)
            .replace(/[/[\]]+/g, "-")
            .replace(/-$/, "");
    await page.screenshot({ path: screenshotPath(info.outputDir, `phone-${name}`), fullPage: true });
  }
  expect(errors).toEqual([]);
});

test("the menu button opens and closes the navigation: click, keyboard, Escape, a link, a click outside", async ({ page }, info) => {
  await page.goto("/");
  const menu = page.getByRole("button", { name: "Menu" });
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
  const controls = await menu.getAttribute("aria-controls");
  expect(controls).toBeTruthy();

  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav).toBeVisible();
  await expect(page.locator(`[id="${controls}"]`)).toContainText("Sign out");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-menu-open") });

  // Escape closes it and gives the focus back to the button.
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();

  // The keyboard alone: Enter opens, Tab walks into the links, a link navigates and the menu closes.
  await page.keyboard.press("Enter");
  await expect(nav).toBeVisible();
  await page.keyboard.press("Tab");
  const inPanel = await page.evaluate((id) => document.getElementById(id!)?.contains(document.activeElement) ?? false, controls);
  expect(inPanel).toBe(true);
  await nav.getByRole("link", { name: "Logs" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/logs$/);
  await expect(page.getByRole("heading", { name: "Logs", level: 1 })).toBeVisible();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();

  // A link to the page already shown closes it too; so does a tap outside it.
  await menu.click();
  await nav.getByRole("link", { name: "Logs" }).click();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.click();
  await expect(nav).toBeVisible();
  await page.getByRole("heading", { name: "Logs", level: 1 }).click();
  await expect(nav).toBeHidden();

  // On a wide screen there is no Menu button: the navigation is always there.
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(menu).toBeHidden();
  await expect(nav).toBeVisible();
});

test("the first day on a phone: a key, a fallback config, traffic, logs as cards, one log, analytics, rotate, versions, revoke", async ({
  page,
}, info) => {
  const errors = consoleErrors(page);
  const go = async (link: string) => {
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
    await expect(page.getByRole("heading", { name: link, level: 1 })).toBeVisible();
    await expectNoSidewaysScroll(page, link);
  };
  await page.goto("/");

  // 1. A virtual key, in the dialog.
  await go("Virtual keys");
  await page.getByRole("button", { name: /^Create (your first )?virtual key/ }).click();
  const dialog = page.getByRole("dialog", { name: "Create virtual key" });
  await dialog.getByLabel("Name", { exact: true }).fill(FLOW.openai);
  await dialog.getByLabel("Provider API key").fill(FLOW.openaiKey);
  await dialog.getByLabel("Custom host").fill(`${mock.url}/v1`);
  await expectNoSidewaysScroll(page, "the create dialog");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-create-key") });
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Created “${FLOW.openai}”`);
  await page.getByRole("link", { name: FLOW.openai, exact: true }).click();
  await expect(page.getByRole("heading", { name: FLOW.openai, level: 1 })).toBeVisible();
  const openaiSlug = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  virtualKeys.push(openaiSlug);
  await expectNoSidewaysScroll(page, "the new key's page");

  // 2. A fallback config: this key first, Azure second, on 503.
  await go("Configs");
  await page.getByRole("link", { name: /^(New config|Build your first config)$/ }).click();
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
  await page.getByLabel("Config name").fill(`Phone fallback ${RUN}`);
  const root = page.getByRole("group", { name: "Config settings" });
  await expect(root.getByLabel("Strategy mode")).toHaveValue("fallback");
  const codes = root.getByLabel("Fallback on status codes");
  await codes.fill("503");
  await codes.press("Enter");
  await page.getByRole("group", { name: "Target 1", exact: true }).getByLabel("Virtual key").selectOption(openaiSlug);
  await page.getByRole("group", { name: "Target 2", exact: true }).getByLabel("Virtual key").selectOption(azureKey);
  await expectNoSidewaysScroll(page, "the config builder");
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  const configSlug = new URL(page.url()).pathname.split("/").pop()!;
  configs.push(configSlug);
  await expectNoSidewaysScroll(page, "the saved config");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-config"), fullPage: true });

  // 3. Traffic: OpenAI is down, Azure answers.
  mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
  const trace = `phone-flow-${RUN}`;
  for (let i = 0; i < 2; i++) expect((await gatewayChat({ config: configSlug, traceId: trace })).status).toBe(200);
  mock.reset();
  await tracedLogs(trace, 2);

  // 4. The logs, as cards: the two rescued requests.
  await go("Logs");
  // The filters fold behind a button on a phone, which says how many are applied.
  const filters = page.getByRole("button", { name: /^Filters/ });
  const trace_ = page.getByLabel("Trace ID", { exact: true });
  await expect(filters).toHaveAttribute("aria-expanded", "false");
  await expect(filters).toContainText("none applied");
  await expect(trace_).toBeHidden();
  await filters.click();
  await expect(filters).toHaveAttribute("aria-expanded", "true");
  await trace_.fill(trace);
  await trace_.press("Enter");
  await expect(page).toHaveURL(new RegExp(`trace_id=${trace}`));
  await expect(filters).toContainText("1 applied");
  await filters.click();
  await expect(trace_).toBeHidden();
  const rows = page.getByRole("table", { name: "Request logs" }).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    expect(await row.evaluate((el) => getComputedStyle(el).display)).toBe("grid"); // a card, not a table row
    await expect(row.getByRole("img", { name: "Fallback used" })).toBeVisible();
    await expect(row).toContainText("azure-openai");
    await expect(row).toContainText(configSlug);
  }
  const card = await rows.first().boundingBox();
  expect(card!.width).toBeLessThanOrEqual(PHONE.width);
  await expectNoSidewaysScroll(page, "the log cards");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-logs"), fullPage: true });

  // 5. One log: a tap on the card opens it; its facts wrap as words, not one character per line.
  await rows.first().locator("td[data-col='model']").click();
  await expect(page).toHaveURL(/\/logs\/log_[0-9A-Z]{26}$/);
  await expect(page.getByRole("heading", { name: /^Request log_/, level: 1 })).toBeVisible();
  await expect(page.getByRole("list", { name: "Attempt timeline" }).getByRole("listitem")).toHaveCount(2);
  const time = page.locator(".facts dd").first();
  const lineHeight = await time.evaluate((el) => Number.parseFloat(getComputedStyle(el).lineHeight) || 20);
  expect((await time.boundingBox())!.height).toBeLessThan(lineHeight * 1.6); // one line
  await expectNoSidewaysScroll(page, "the log detail");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-log-detail"), fullPage: true });

  // 6. Analytics.
  await go("Analytics");
  await expect(page.getByRole("figure").first()).toBeVisible();
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-analytics"), fullPage: true });

  // 7. Rotate the key on its page; its version history shows both versions.
  await go("Virtual keys");
  await page.getByRole("link", { name: FLOW.openai, exact: true }).click();
  await page.getByRole("button", { name: "Rotate key" }).click();
  const rotate = page.getByRole("dialog", { name: `Rotate “${FLOW.openai}”` });
  await rotate.getByLabel("New provider key").fill(FLOW.newKey);
  await expectNoSidewaysScroll(page, "the rotate dialog");
  await rotate.getByRole("button", { name: "Rotate key" }).click();
  await expect(rotate).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Rotated “${FLOW.openai}”`);
  const history = page.getByRole("region", { name: /Version history/ });
  await expect(history.getByRole("row")).toHaveCount(3);
  await expect(history.getByRole("row").nth(1)).toContainText("v2");
  await expectNoSidewaysScroll(page, "the rotated key's page");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-rotated"), fullPage: true });

  // 8. The config's versions: an edit makes version 2, listed beside version 1.
  await page.goto(`/configs/${configSlug}`);
  await page.getByRole("group", { name: "Config settings" }).getByLabel("Retry attempts").fill("2");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByRole("heading", { name: "Saved: version 2" })).toBeVisible();
  await expect(page.getByRole("table", { name: /Versions/ }).locator("tbody tr")).toHaveCount(2);
  await expectNoSidewaysScroll(page, "the config's versions");
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-versions"), fullPage: true });

  // 9. Revoke the key from the list.
  await go("Virtual keys");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: FLOW.openai, exact: true }) });
  // The list is a list of cards: the key's actions are on screen, not at the end of a table to scroll sideways.
  expect(await row.evaluate((el) => getComputedStyle(el).display)).toBe("grid");
  const revoke = row.getByRole("button", { name: `Revoke ${FLOW.openai}` });
  const box = (await revoke.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
  expect(await page.locator(".ui-table-wrap").evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  // Each value says what it is (the cell's label, drawn before it).
  const rotated = row.locator("td[data-label='Rotated']");
  await expect(rotated).toBeVisible();
  expect(await rotated.evaluate((el) => getComputedStyle(el, "::before").content)).toBe('"Rotated"');
  await page.screenshot({ path: screenshotPath(info.outputDir, "phone-flow-key-list") });
  await revoke.click();
  const confirm = page.getByRole("dialog", { name: `Revoke “${FLOW.openai}”?` });
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("Revoked");
  await expectNoSidewaysScroll(page, "the list after a revoke");
  expect((await gatewayChat({ virtualKey: openaiSlug })).status).toBe(403);
  expect(errors).toEqual([]);
});
