/**
 * The keyboard's way into a dashboard page: the first Tab reaches "Skip to content", which moves
 * the focus past the navigation to the page itself. In the log explorer, "Skip to results" passes
 * the filters, and the list of requests is one Tab stop: the arrows, Home and End move between its
 * rows, Right and Left reach a row's links, Enter opens the row.
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });

for (const path of ["/logs", "/configs", "/analytics"]) {
  test(`the first Tab on ${path} is a skip link to the page's content, on a laptop and a phone`, async ({ page }) => {
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await firstTabSkips(page, path);
    }
  });
}

/** The first Tab reaches "Skip to content", which moves the focus into the page's main content. */
async function firstTabSkips(page: Page, path: string) {
  await page.goto(path);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
  // The next Tab goes to the page's first control, not back into the navigation.
  await page.keyboard.press("Tab");
  const inMain = await page.evaluate(() => document.activeElement?.closest("main") !== null);
  expect(inMain).toBe(true);
}

for (const viewport of VIEWPORTS)
  test.describe(`the log list is one Tab stop (${viewport.width}x${viewport.height})`, () => {
    test.describe.configure({ mode: "serial" });
    test.use({ viewport });

    const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const LIST = `/logs?metadata.e2e_run=${RUN}`;
    const COUNT = 4;
    let mock: MockUpstream;
    let keySlug: string;

    test.beforeAll(async () => {
      mock = await startMockUpstream({ port: 0 });
      keySlug = await openaiVirtualKey(`Keyboard ${RUN}`, "sk-e2e-keyboard-0000eeee5555", mock.url);
      for (let i = 0; i < COUNT; i++) {
        const res = await gatewayChat({
          virtualKey: keySlug,
          traceId: `keyboard-${RUN}-${i}`,
          metadata: { e2e_run: RUN },
          content: `row ${i}`,
        });
        expect(res.status).toBe(200);
      }
      await expect
        .poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?metadata.e2e_run=${RUN}`)).data.length, { timeout: 15_000 })
        .toBe(COUNT);
    });

    test.afterAll(async () => {
      if (keySlug) await admin("DELETE", `/virtual-keys/${keySlug}`).catch(() => undefined);
      await mock?.close();
    });

    const rows = (page: Page) => page.getByRole("table", { name: "Request logs" }).locator("tbody tr");
    /** The index of the focused row, or null when the focus is elsewhere. */
    const focusedRow = (page: Page) =>
      page.evaluate(() => {
        const el = document.activeElement;
        return el instanceof HTMLTableRowElement && el.dataset.rowIndex !== undefined ? Number(el.dataset.rowIndex) : null;
      });
    const focusInTable = (page: Page) => page.evaluate(() => document.activeElement?.closest("table[aria-label='Request logs']") !== null);

    /**
     * Waits until none of the rows' links or icons is a Tab stop. The server's HTML has them as they
     * are; the table takes them out of the Tab order once it has hydrated (a layout effect), and
     * its keys work from then on: keys pressed before that reach plain HTML (a CI run under load
     * counted 8 such stops right after the rows appeared).
     */
    const hydrated = async (page: Page) => {
      await expect(rows(page)).toHaveCount(COUNT);
      await expect
        .poll(() =>
          rows(page)
            .locator("a, button, [tabindex]")
            .evaluateAll((els) => els.filter((el) => (el as HTMLElement).tabIndex >= 0).length),
        )
        .toBe(0);
    };

    test("two skip links and two Tabs reach the first row; the rows are one Tab stop", async ({ page }) => {
      await page.goto(LIST);
      await expect(rows(page)).toHaveCount(COUNT);
      // Exactly one row is in the Tab order, and none of the rows' links or icons are.
      await expect(rows(page).and(page.locator("[tabindex='0']"))).toHaveCount(1);
      await hydrated(page);

      await page.keyboard.press("Tab");
      await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      const toResults = page.getByRole("link", { name: "Skip to results" });
      await expect(toResults).toBeFocused();
      await expect(toResults).toBeVisible();
      await page.keyboard.press("Enter");
      expect(await focusedRow(page)).toBe(0);

      // One Tab leaves the list (to the pagination), Shift+Tab comes back to the same row.
      await page.keyboard.press("ArrowDown");
      expect(await focusedRow(page)).toBe(1);
      await page.keyboard.press("Tab");
      expect(await focusInTable(page)).toBe(false);
      await page.keyboard.press("Shift+Tab");
      expect(await focusedRow(page)).toBe(1);

      // Without the skip link: Tab through the filters. In the table, the sort buttons of the header
      // keep their stops (3: time, cost, latency; on a phone's cards, the "Sort by" bar); all the rows together are one.
      await page.goto(LIST);
      await page.locator("main#main").focus();
      const stopsInTable: string[] = [];
      for (let tabs = 0; tabs < 80; tabs++) {
        await page.keyboard.press("Tab");
        if (await focusInTable(page)) stopsInTable.push(await page.evaluate(() => document.activeElement!.tagName.toLowerCase()));
        else if (stopsInTable.length) break;
      }
      expect(stopsInTable).toEqual(["button", "button", "button", "tr"]);
    });

    test("arrows, Home and End move between rows; Right, Left and Escape reach a row's links; Enter opens the row", async ({
      page,
    }, info) => {
      await page.goto(LIST);
      await hydrated(page);
      await page.getByRole("link", { name: "Skip to results" }).focus();
      await page.keyboard.press("Enter");
      expect(await focusedRow(page)).toBe(0);
      await page.keyboard.press("ArrowUp"); // the first row: nowhere to go, and no wrap
      expect(await focusedRow(page)).toBe(0);
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowDown");
      expect(await focusedRow(page)).toBe(2);
      await page.keyboard.press("End");
      expect(await focusedRow(page)).toBe(COUNT - 1);
      await page.keyboard.press("ArrowDown"); // the last row: stays
      expect(await focusedRow(page)).toBe(COUNT - 1);
      await page.keyboard.press("Home");
      expect(await focusedRow(page)).toBe(0);
      await page.keyboard.press("ArrowDown");
      // The focused row is the one Tab stop now (it moved with the arrows).
      await expect(rows(page).nth(1)).toHaveAttribute("tabindex", "0");
      await expect(rows(page).nth(0)).toHaveAttribute("tabindex", "-1");
      await expect(rows(page).nth(1)).toBeFocused();
      await page.screenshot({ path: screenshotPath(info.outputDir, `logs-row-focus-${viewport.width}`) });

      // Right: the row's time link, then its trace link; Left and Escape come back to the row.
      const row = rows(page).nth(1);
      const detailHref = await row.locator("td.col-time a").getAttribute("href");
      await page.keyboard.press("ArrowRight");
      await expect(row.locator("td.col-time a")).toBeFocused();
      await page.keyboard.press("ArrowRight");
      await expect(row.locator("td.col-trace a")).toBeFocused();
      await page.keyboard.press("ArrowLeft");
      await expect(row.locator("td.col-time a")).toBeFocused();
      await page.keyboard.press("Escape");
      await expect(row).toBeFocused();

      // Enter on the row opens its detail.
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL(new RegExp(`${detailHref!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      await expect(page.getByRole("heading", { name: /^Request log_/, level: 1 })).toBeVisible();
    });
  });
