/**
 * Search and attribution in the log explorer (issue 18, items 10 and 14): a word of a request's
 * prompt, a word only the answer holds, JSON keys that never match; the API key and virtual key
 * columns show the keys' names (a revoked key says so); the API key and virtual key filters are
 * selects of the workspace's keys by name. At 1440x900 and on a phone (390x844), where the rows are
 * cards and the filters fold behind a button.
 */
import { expect, type Page, test } from "@playwright/test";
import { admin, API, gatewayChat, openaiVirtualKey } from "../testing/e2e-admin-api";
import { E2E_ADMIN_API_KEY } from "../playwright.config";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { type MockUpstream, startMockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE, viewport: { width: 1440, height: 900 } });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const RUN_FILTER = `metadata.e2e_run=${RUN}`;
/** A word only one request's prompt holds. */
const PROMPT_WORD = `kumquat${RUN}`;
/** The mock's answers name the key's last four characters: a word only the responses hold. */
const ANSWER_WORD = "qzxv";

let mock: MockUpstream;
let vkSlug: string;
const VK_NAME = `Search OpenAI ${RUN}`;
let billing: { id: string; key: string; prefix: string; name: string };
let support: { id: string; key: string; prefix: string; name: string };

async function createKey(name: string) {
  const k = await admin<{ id: string; key: string; prefix: string }>("POST", "/api-keys", { name, scope: "gateway" });
  return { ...k, name };
}

async function send(key: string, content: string) {
  const res = await gatewayChat({ apiKey: key, virtualKey: vkSlug, metadata: { e2e_run: RUN }, content });
  expect(res.status).toBe(200);
}

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  vkSlug = await openaiVirtualKey(VK_NAME, `sk-e2e-search-00000000000000${ANSWER_WORD}`, mock.url);
  billing = await createKey(`Billing bot ${RUN}`);
  support = await createKey(`Support bot ${RUN}`);
  await send(billing.key, `Where is the refund for order ${PROMPT_WORD}?`);
  await send(billing.key, "What are the opening hours?");
  await send(support.key, "How do I reset my password?");
  await expect.poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?${RUN_FILTER}`)).data.length, { timeout: 15_000 }).toBe(3);
  // Its logs stay: the column says the key was revoked since.
  await admin("DELETE", `/api-keys/${support.id}`);
});

test.afterAll(async () => {
  await admin("DELETE", `/api-keys/${billing.id}`).catch(() => undefined);
  if (vkSlug) await admin("DELETE", `/virtual-keys/${vkSlug}`).catch(() => undefined);
  await mock?.close();
});

/** The data rows (an empty result is one row saying so, class dt-empty). */
const rows = (page: Page) => page.getByRole("table", { name: "Request logs" }).locator("tbody tr:not(.dt-empty)");
const noMatch = (page: Page) => page.getByText("No requests match these filters.");

async function search(page: Page, words: string) {
  const field = page.getByLabel("Search", { exact: true });
  await field.fill(words);
  await field.press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(words).replace(/%20/g, "\\+")}(&|$)`));
}

test("search finds a prompt's word and an answer's word, never a JSON key; key columns show names", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto(`/logs?${RUN_FILTER}`);
  await expect(rows(page)).toHaveCount(3);

  // The columns: each row's API key by name and prefix, the virtual key by name and slug.
  const billingRows = rows(page).filter({ hasText: billing.name });
  await expect(billingRows).toHaveCount(2);
  await expect(billingRows.first().locator("td[data-col='api_key']")).toContainText(`${billing.prefix}...`);
  const supportRow = rows(page).filter({ hasText: support.name });
  await expect(supportRow.locator("td[data-col='api_key']")).toContainText("revoked");
  for (const row of await rows(page).all()) {
    const vk = row.locator("td[data-col='virtual_key']");
    await expect(vk).toContainText(VK_NAME);
    await expect(vk).toContainText(vkSlug);
  }
  await expect(page.getByRole("columnheader", { name: "API key" })).toBeVisible();

  await search(page, PROMPT_WORD);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(billing.name);
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-search-prompt-word"), fullPage: true });

  await search(page, ANSWER_WORD);
  await expect(rows(page)).toHaveCount(3);

  // A phrase of the prompt in order finds it; the same words out of order do not.
  await search(page, '"opening hours"');
  await expect(rows(page)).toHaveCount(1);
  await search(page, '"hours opening"');
  await expect(noMatch(page)).toBeVisible();
  await expect(rows(page)).toHaveCount(0);

  // JSON keys and roles are not text.
  await search(page, "messages role");
  await expect(noMatch(page)).toBeVisible();
  await expect(rows(page)).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("the API key and virtual key filters are selects of the workspace's keys by name", async ({ page }, info) => {
  await page.goto(`/logs?${RUN_FILTER}`);
  await expect(rows(page)).toHaveCount(3);
  const apiKey = page.getByLabel("API key", { exact: true });
  await apiKey.selectOption({ label: `${support.name} (${support.prefix}...), revoked` });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]api_key=${support.id}(&|$)`));
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(support.name);

  await apiKey.selectOption({ label: `${billing.name} (${billing.prefix}...)` });
  await page.getByLabel("Virtual key", { exact: true }).selectOption({ label: `${VK_NAME} (${vkSlug})` });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]api_key=${billing.id}(&|$)`));
  await expect(page).toHaveURL(new RegExp(`[?&]virtual_key=${vkSlug}(&|$)`));
  await expect(rows(page)).toHaveCount(2);
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-filter-api-key"), fullPage: true });

  // The prefix as shown works in the URL too, and the select keeps a value it does not list.
  await page.goto(`/logs?${RUN_FILTER}&api_key=${billing.prefix}...`);
  await expect(rows(page)).toHaveCount(2);
  await expect(apiKey).toHaveValue(`${billing.prefix}...`);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("search and the API key filter from the folded filters; cards show the keys' names", async ({ page }, info) => {
    const errors = consoleErrors(page);
    await page.goto(`/logs?${RUN_FILTER}`);
    const filters = page.getByRole("button", { name: /^Filters/ });
    await filters.click();
    await expect(filters).toHaveAttribute("aria-expanded", "true");
    await search(page, PROMPT_WORD);
    await expect(rows(page)).toHaveCount(1);
    const card = rows(page).first();
    expect(await card.evaluate((el) => getComputedStyle(el).display)).toBe("grid");
    await expect(card).toContainText(billing.name);
    await expect(card).toContainText(VK_NAME);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath(info.outputDir, "phone-logs-search"), fullPage: true });

    if ((await filters.getAttribute("aria-expanded")) !== "true") await filters.click();
    await page.getByLabel("Search", { exact: true }).fill("");
    await page.getByLabel("API key", { exact: true }).selectOption({ label: `${support.name} (${support.prefix}...), revoked` });
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]api_key=${support.id}(&|$)`));
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText("revoked");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath(info.outputDir, "phone-logs-filter-api-key"), fullPage: true });
    expect(errors).toEqual([]);
  });
});

test("a search too broad to sort by cost links to the window of its newest matches, which sorts", async ({ page }, info) => {
  const errors = consoleErrors(page);
  // 2,001 requests say the word: one more than a search sorted by cost sorts (2,000).
  const word = `tangelo${RUN}`;
  for (let i = 0; i < 2001; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, 2001 - i) }, (_, k) => send(billing.key, `${word} number ${i + k}`)));
  }
  const byCost = `q=${word}&sort=-cost`;
  await expect
    .poll(async () => (await fetch(`${API}/logs?${byCost}&limit=1`, { headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY } })).status, {
      timeout: 30_000,
    })
    .toBe(400);

  await page.goto(`/logs?${byCost}`);
  const alert = page.getByRole("alert").filter({ hasText: "too many to sort by cost or latency" });
  await expect(alert).toContainText("matches more than 2,000 logs");
  await expect(rows(page)).toHaveCount(0);
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-search-too-broad"), fullPage: true });
  await alert.getByRole("link", { name: "Sort the newest 2,000 matches" }).click();
  await expect(page).toHaveURL(/[?&]from=[^&]+.*[?&]to=[^&]+/);
  // The filter's alert is gone (Next.js's route announcer, also an alert, may speak the new page).
  await expect(page.getByRole("alert").filter({ hasText: "too many to sort" })).toHaveCount(0);
  await expect(rows(page)).toHaveCount(50);
  expect(errors).toEqual([]);
});
