/**
 * The dark theme follows the system setting (prefers-color-scheme): every page under
 * app/(dashboard)/, at 1440x900 and 390x844, has a dark background and light text, and every bit of
 * visible text keeps WCAG AA contrast with what it is drawn on (4.5:1, 3:1 for large text and for
 * disabled controls), read from computed colours (testing/contrast.ts). Besides the whole-page
 * sweep: the focus ring and the fallback icon against their background (3:1), a hovered and a
 * focused log row, the log detail's attempt timeline and JSON, the open Menu on a phone, an alert
 * block, the analytics charts' axes and the config builder's JSON editor. The light theme is
 * unchanged (the same page in light: light background, dark text, the same contrast).
 */
import { expect, type Locator, type Page, test } from "@playwright/test";
import { backdrop, contrastOf, contrastRatio, luminance, lowContrast, pageColors, parseColor, textSamples } from "../testing/contrast";
import { admin, gatewayChat, openaiVirtualKey, tracedLogs } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";
import { dashboardPages, pageName } from "../testing/e2e-pages";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE, colorScheme: "dark" });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const DOWN_KEY = `sk-e2e-dark-down-${RUN}-0000aaaa`;

let mock: MockUpstream;
let fallbackConfig: string;
let upKey: string;
let logId: string;
let revokedKey: string;
const configs: string[] = [];
const virtualKeys: string[] = [];

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  mock.script({ match: { key: DOWN_KEY }, fault: { kind: "status", status: 503 } });
  const downKey = await openaiVirtualKey(`Dark down ${RUN}`, DOWN_KEY, mock.url);
  upKey = await openaiVirtualKey(`Dark up ${RUN}`, `sk-e2e-dark-up-${RUN}-0000bbbb`, mock.url);
  revokedKey = await openaiVirtualKey(`Dark revoked ${RUN}`, `sk-e2e-dark-gone-${RUN}-0000cccc`, mock.url);
  virtualKeys.push(downKey, upKey, revokedKey);
  await admin("DELETE", `/virtual-keys/${revokedKey}`);
  fallbackConfig = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `Dark fallback ${RUN}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: downKey }, { virtual_key: upKey }] },
    })
  ).slug;
  const failing = (await admin<{ slug: string }>("POST", "/configs", { name: `Dark failing ${RUN}`, config: { virtual_key: downKey } }))
    .slug;
  configs.push(fallbackConfig, failing);
  // A rescued request (503, then 200: the fallback icon, a failed attempt) and a failed one (a 5xx badge).
  const trace = `dark-${RUN}`;
  expect((await gatewayChat({ config: fallbackConfig, traceId: trace, content: "dark theme" })).status).toBe(200);
  expect((await gatewayChat({ config: failing, traceId: `${trace}-failed`, content: "dark theme" })).status).toBe(503);
  logId = (await tracedLogs(trace))[0]!.id;
  await tracedLogs(`${trace}-failed`);
});

test.afterAll(async () => {
  for (const slug of configs) await admin("DELETE", `/configs/${slug}`).catch(() => undefined);
  for (const slug of virtualKeys) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  await mock?.close();
});

function urlOf(template: string): string {
  const ids: Record<string, string> = { "/configs/[slug]": fallbackConfig, "/logs/[id]": logId, "/virtual-keys/[slug]": revokedKey };
  if (!template.includes("[")) return template;
  const id = ids[template];
  if (!id) throw new Error(`${template}: a new dashboard page with an id; give it one in urlOf`);
  return template.replace(/\[[^\]]+\]$/, encodeURIComponent(id));
}

/** Every bit of text under `root` at AA contrast (soft: the whole list of failures at once). */
async function expectReadable(root: Locator, what: string) {
  const samples = await textSamples(root);
  expect(samples.length, `${what}: some text to check`).toBeGreaterThan(0);
  expect.soft(lowContrast(samples), `${what}: text below WCAG AA contrast`).toEqual([]);
}

async function expectDarkPage(page: Page, what: string) {
  const { background, text } = await pageColors(page);
  expect(luminance(background), `${what}: the page background is dark`).toBeLessThan(0.03);
  expect(luminance(text), `${what}: the main text is light`).toBeGreaterThan(0.6);
}

/** A 3:1 boundary (WCAG 1.4.11): `color` (a CSS property of `el`) against what `el` sits on. */
async function boundaryRatio(el: Locator, property: "outlineColor" | "color" | "backgroundColor"): Promise<number> {
  const { color, backgrounds } = await el.evaluate((node, prop) => {
    const bgs: string[] = [];
    for (let a: Element | null = node.parentElement; a; a = a.parentElement) bgs.push(getComputedStyle(a).backgroundColor);
    return { color: getComputedStyle(node)[prop], backgrounds: bgs };
  }, property);
  const bg = backdrop(backgrounds);
  return contrastRatio(parseColor(color), bg);
}

for (const size of VIEWPORTS) {
  const vp = { name: size.width < 900 ? "phone" : "desktop", size };
  test.describe(`${vp.name} ${vp.size.width}x${vp.size.height}`, () => {
    test.use({ viewport: vp.size });

    test("every dashboard page is dark, with readable text", async ({ page }, info) => {
      test.setTimeout(300_000);
      const errors = consoleErrors(page);
      const pages = dashboardPages();
      expect(pages).toEqual(expect.arrayContaining(["/", "/logs", "/logs/[id]", "/configs/[slug]", "/analytics"]));
      for (const template of pages) {
        await page.goto(urlOf(template));
        await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
        await expectDarkPage(page, template);
        await expectReadable(page.locator("body"), template);
        if (vp.name === "phone") {
          await page.getByRole("button", { name: "Menu" }).click();
          const nav = page.getByRole("navigation", { name: "Main" });
          await expect(nav).toBeVisible();
          await expectReadable(nav, `${template}: the open Menu`);
          expect(await boundaryRatio(page.getByRole("button", { name: "Menu" }), "color")).toBeGreaterThanOrEqual(4.5);
          await page.keyboard.press("Escape");
        }
        await page.screenshot({ path: screenshotPath(info.outputDir, `dark-${vp.name}-${pageName(template)}`), fullPage: true });
      }
      expect(errors).toEqual([]);
    });

    test("logs: status badges, the fallback icon, hovered and focused rows, the focus ring", async ({ page }) => {
      await page.goto(`/logs?trace_id=dark-${RUN}`);
      const row = page.locator(".dt-link-row").first();
      await expect(row).toBeVisible();
      const icon = row.locator(".fallback-icon");
      await expect(icon).toBeVisible();
      expect(await boundaryRatio(icon, "color"), "the fallback icon against its row").toBeGreaterThanOrEqual(3);
      await expectReadable(row, "a log row");
      await row.hover();
      await expectReadable(row, "a hovered log row");
      await row.focus();
      await expectReadable(row, "a focused log row");
      const outline = await row.evaluate((el) => getComputedStyle(el).outlineStyle);
      expect(outline, "a focused row shows its ring").not.toBe("none");
      // A control's focus ring (a text box shows it on any focus) against the panel it sits on.
      await page.goto("/logs");
      // (On a phone the filters are folded behind their toggle: unfold them.)
      const unfold = page.getByRole("button", { name: /filters/i }).filter({ visible: true });
      if (vp.name === "phone" && (await unfold.count()) > 0) await unfold.first().click();
      const box = page.getByRole("main").getByRole("textbox").filter({ visible: true }).first();
      await box.focus();
      expect(await box.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
      expect(await boundaryRatio(box, "outlineColor"), "a focus ring").toBeGreaterThanOrEqual(3);
      // A failed request's 5xx badge.
      await page.goto(`/logs?trace_id=dark-${RUN}-failed`);
      const badge = page.locator(".status-badge.status-server").first();
      await expect(badge).toBeVisible();
      await expectReadable(badge, "a 5xx status badge");
    });

    test("log detail: the attempt timeline, the JSON blocks, the failed attempt", async ({ page }, info) => {
      await page.goto(`/logs/${logId}`);
      const timeline = page.getByRole("list", { name: "Attempt timeline" }).first();
      await expect(timeline.getByRole("listitem")).toHaveCount(2);
      await expectReadable(timeline, "the attempt timeline");
      // The failed attempt's bar against its track: a boundary (3:1).
      const failedBar = timeline.locator(".is-failed .timeline-bar span");
      expect(await boundaryRatio(failedBar, "backgroundColor"), "the failed attempt's bar").toBeGreaterThanOrEqual(3);
      const block = page.getByRole("region", { name: "Request body" });
      await expect(block).toBeVisible();
      await expectReadable(block, "a JSON block");
      const blockBg = parseColor(await block.evaluate((el) => getComputedStyle(el).backgroundColor));
      expect(luminance(blockBg), "a code block is dark too").toBeLessThan(0.05);
      await page.screenshot({ path: screenshotPath(info.outputDir, `dark-${vp.name}-log-detail`), fullPage: true });
    });

    test("an alert block, the analytics axes, the JSON editor", async ({ page }) => {
      await page.goto(`/virtual-keys/${revokedKey}`);
      const alert = page.locator(".alert-error").first();
      await expect(alert).toBeVisible();
      await expectReadable(alert, "an alert block");
      await page.goto("/analytics");
      const tick = page.locator(".recharts-cartesian-axis-tick-value").first();
      await expect(tick).toBeVisible();
      const tickColor = await tick.evaluate((el) => getComputedStyle(el).fill);
      const panel = parseColor(
        await page
          .locator(".an-chart")
          .first()
          .evaluate((el) => getComputedStyle(el).backgroundColor),
      );
      expect(contrastRatio(parseColor(tickColor), panel), "chart axis labels").toBeGreaterThanOrEqual(4.5);
      await page.goto(`/configs/${fallbackConfig}`);
      const editor = page.locator(".cfg-json-editor .cm-editor");
      {
        await expect(editor).toBeVisible();
        const content = page.locator(".cfg-json-editor .cm-content");
        const editorBg = parseColor(await editor.evaluate((el) => getComputedStyle(el).backgroundColor));
        expect(luminance(editorBg), "the editor is dark").toBeLessThan(0.05);
        const tokens = await textSamples(content);
        const property = page.locator(".cfg-json-editor .cm-content span").first();
        await expect(property).toBeVisible();
        expect.soft(lowContrast(tokens), "the editor's tokens").toEqual([]);
        const gutter = page.locator(".cfg-json-editor .cm-gutterElement").nth(1);
        expect(contrastOf(await gutterSample(gutter))).toBeGreaterThanOrEqual(4.5);
      }
    });
  });
}

async function gutterSample(el: Locator) {
  return el.evaluate((node) => {
    const bgs: string[] = [];
    for (let a: Element | null = node; a; a = a.parentElement) bgs.push(getComputedStyle(a).backgroundColor);
    return { color: getComputedStyle(node).color, backgrounds: bgs, opacity: 1 };
  });
}

test.describe("light theme", () => {
  test.use({ colorScheme: "light", viewport: { width: 1440, height: 900 } });

  test("is unchanged: a light page with dark text, readable", async ({ page }, info) => {
    await page.goto(`/logs/${logId}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const { background, text } = await pageColors(page);
    // The light theme's own colours (app/globals.css :root): #f7f7f8 and #17181c.
    expect(background).toEqual({ r: 247, g: 247, b: 248, a: 1 });
    expect(text).toEqual({ r: 23, g: 24, b: 28, a: 1 });
    await expectReadable(page.getByRole("list", { name: "Attempt timeline" }).first(), "light: the attempt timeline");
    await expectReadable(page.locator(".detail-grid").first(), "light: the summary");
    await page.screenshot({ path: screenshotPath(info.outputDir, "light-desktop-log-detail"), fullPage: true });
  });
});
