/**
 * The log explorer at 1440x900 as issue 18 found it: a virtual key's version cut off after a
 * rotation, headers in two typefaces, filter labels cut short, dates typed as free text, a Yes/No
 * select described as "true or false". Each is checked as a person would see it: boxes, fonts,
 * the words on screen, and the URL the pickers write.
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE, viewport: { width: 1440, height: 900 } });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const RUN_FILTER = `metadata.e2e_run=${RUN}`;

let mock: MockUpstream;
let keySlug: string;
let configSlug: string;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  // A long name makes the longest slug Detour gives a key.
  keySlug = await openaiVirtualKey(`Rotated display key with a long name ${RUN}`, "sk-e2e-display-old-0000aaaa1111", mock.url);
  // Rotated: the requests below are logged with key version 2.
  await admin("PUT", `/virtual-keys/${keySlug}`, { key: "sk-e2e-display-new-0000bbbb2222" });
  // Through a config with a long name too: both slug columns as wide as they get.
  configSlug = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `Display config with a long name ${RUN}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: keySlug }] },
    })
  ).slug;
  for (let i = 0; i < 2; i++) {
    const res = await gatewayChat({ config: configSlug, metadata: { e2e_run: RUN }, content: `ping ${i}` });
    expect(res.status).toBe(200);
  }
  await expect.poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?${RUN_FILTER}`)).data.length, { timeout: 15_000 }).toBe(2);
});

test.afterAll(async () => {
  if (configSlug) await admin("DELETE", `/configs/${configSlug}`).catch(() => undefined);
  if (keySlug) await admin("DELETE", `/virtual-keys/${keySlug}`).catch(() => undefined);
  await mock?.close();
});

const table = (page: Page) => page.getByRole("table", { name: "Request logs" });

test("after a rotation the virtual-key column shows the whole key version; every header is in one typeface", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto(`/logs?${RUN_FILTER}`);
  const rows = table(page).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  // At 1440 px the whole table fits its frame: no column is scrolled out of sight.
  const frame = page.locator(".dt-scroll");
  const fit = await frame.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(fit.scroll, JSON.stringify(fit)).toBeLessThanOrEqual(fit.client);
  const frameBox = (await frame.boundingBox())!;
  for (const row of await rows.all()) {
    const cell = row.locator("td[data-col='virtual_key']");
    const version = cell.locator(".slug-version-v");
    await expect(version).toHaveText("v2");
    await expect(version).toBeVisible();
    const [v, c] = [(await version.boundingBox())!, (await cell.boundingBox())!];
    expect(v.x + v.width).toBeLessThanOrEqual(c.x + c.width); // inside its cell, not cut by it
    expect(v.x + v.width).toBeLessThanOrEqual(frameBox.x + frameBox.width); // and on screen
    expect(await version.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await expect(cell.locator(".slug-version")).toHaveAttribute("title", `${keySlug}, key version 2`);
    await expect(row.locator("td[data-col='config'] .slug-version-v")).toHaveText("v1");
  }

  const fonts = await table(page)
    .locator("thead th")
    .evaluateAll((ths) => ths.map((th) => `${(th.textContent || "icon").trim()}: ${getComputedStyle(th).fontFamily}`));
  const families = new Set(fonts.map((f) => f.split(": ")[1]));
  expect(families.size, fonts.join("\n")).toBe(1);
  const bodyFont = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  expect([...families][0]).toBe(bodyFont);
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-desktop-columns") });
  expect(errors).toEqual([]);
});

test("filter labels are shown whole and the controls of a row line up; the fallback select is described in its own words", async ({
  page,
}, info) => {
  await page.goto(`/logs?${RUN_FILTER}`);
  const form = page.getByRole("form", { name: "Filter logs" });
  await expect(form.getByText("Cost at least (USD)", { exact: true })).toBeVisible();
  const labels = await form
    .locator(".dt-field label")
    .evaluateAll((els) =>
      els.map((el) => ({ text: el.textContent, cut: el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight + 1 })),
    );
  expect(labels.length).toBeGreaterThan(10);
  expect(labels.filter((l) => l.cut)).toEqual([]);
  // Fields whose tops share a row have their controls at the same height.
  const boxes = await form.locator(".dt-toolbar-fields > .dt-field").evaluateAll((fields) =>
    fields.map((f) => ({
      top: Math.round(f.getBoundingClientRect().top),
      control: Math.round(f.querySelector("input, select")!.getBoundingClientRect().bottom),
    })),
  );
  const byRow = new Map<number, Set<number>>();
  for (const b of boxes) byRow.set(b.top, (byRow.get(b.top) ?? new Set()).add(b.control));
  for (const [top, bottoms] of byRow) expect(bottoms.size, `controls of the row at ${top}px`).toBe(1);

  const fallback = form.getByLabel("Fallback used", { exact: true });
  await expect(fallback.locator("option")).toHaveText(["Any", "Yes", "No"]);
  const hint = await fallback.getAttribute("title");
  expect(hint).not.toContain("true or false");
  expect(hint).toMatch(/Yes: .*No: .*Any: /);
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-desktop-filters") });
});

test("From and To are UTC date-time pickers that write the URL's ISO times, and say which field is wrong", async ({ page }, info) => {
  await page.goto(`/logs?${RUN_FILTER}`);
  const form = page.getByRole("form", { name: "Filter logs" });
  const from = form.getByLabel("From (UTC)", { exact: true });
  const to = form.getByLabel("To (UTC)", { exact: true });
  await expect(from).toHaveAttribute("type", "datetime-local");
  await expect(to).toHaveAttribute("type", "datetime-local");
  await expect(from).toHaveAttribute("title", /UTC/);

  // A picked time is UTC in the URL, in the explorer's ISO format, and shown back as picked.
  await from.fill("2026-01-31T12:00:00");
  await to.fill("2100-01-01T00:00:00");
  await from.press("Enter");
  await expect(page).toHaveURL(/[?&]from=2026-01-31T12%3A00%3A00\.000Z(&|$)/);
  await expect(page).toHaveURL(/[?&]to=2100-01-01T00%3A00%3A00\.000Z(&|$)/);
  await expect(table(page).locator("tbody tr")).toHaveCount(2);
  await page.reload();
  await expect(from).toHaveValue("2026-01-31T12:00"); // the picker leaves out :00 seconds

  // A URL with an offset or a plain date: the picker shows the same instant in UTC.
  await page.goto(`/logs?${RUN_FILTER}&from=2026-01-31T14:30:00%2B02:00&to=2100-01-01`);
  await expect(from).toHaveValue("2026-01-31T12:30");
  await expect(to).toHaveValue("2100-01-01T00:00");

  // To before From: the message names `to`, the URL stays.
  const before = page.url();
  await to.fill("2026-01-01T00:00:00");
  await to.press("Enter");
  const alert = form.getByRole("alert");
  await expect(alert).toContainText("to (To)");
  await expect(alert).toContainText("must be later than from");
  await expect(to).toHaveAttribute("aria-invalid", "true");
  expect(page.url()).toBe(before);

  // A half-typed picker (its value is then empty): named, not silently dropped.
  await page.goto(`/logs?${RUN_FILTER}`);
  await from.click();
  await page.keyboard.press("Control+a");
  await page.keyboard.type("01");
  await from.press("Enter");
  await expect(alert).toContainText("from (From): is not a complete date and time");
  await expect(from).toHaveAttribute("aria-invalid", "true");
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-desktop-date-error") });

  // A URL the picker cannot show: the problem quotes it.
  await page.goto(`/logs?${RUN_FILTER}&from=yesterday`);
  await expect(alert).toContainText("from");
  await expect(alert).toContainText("“yesterday”");
  await expect(from).toHaveValue("");

  // A quick range is relative (range=1h: each load shows the latest hour); "Custom" turns it into a fixed From.
  await page.goto(`/logs?${RUN_FILTER}`);
  await form.getByLabel("Time range").selectOption({ label: "Last hour" });
  await expect(page).toHaveURL(/[?&]range=1h(&|$)/);
  expect(new URL(page.url()).searchParams.has("from")).toBe(false);
  await expect(from).toHaveValue("");
  await expect(form.getByText("Relative: last hour, counted back from each load")).toBeVisible();
  await form.getByLabel("Time range").selectOption({ label: "Custom (From / To)" });
  const fixed = Date.parse(`${(await from.inputValue()).replace(" ", "T")}Z`);
  expect(Math.abs(fixed - (Date.now() - 3_600_000))).toBeLessThan(120_000);
  await from.press("Enter");
  await expect(page).toHaveURL(/[?&]from=\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}/);
  expect(new URL(page.url()).searchParams.has("range")).toBe(false);
  await expect(table(page).locator("tbody tr")).toHaveCount(2);
});
