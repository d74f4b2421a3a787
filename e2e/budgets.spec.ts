import { expect, test, type Locator, type Page } from "@playwright/test";
import { formatUsd } from "../lib/dashboard/budget-input";
import { admin } from "../testing/e2e-admin-api";
import { addSpendToday } from "../testing/e2e-db";
import { fillConfigJson } from "../testing/config-editor";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";

/**
 * Budgets in the dashboard: "$50 a month on this virtual key, alert at 80%" set in its create
 * dialog (a limit of 0 refused at its field), the bar at $0 of $50 in the list and on the key's page,
 * filling as settled spend arrives (written to the server's database as the log writer would) and
 * changing colour at 80% and 100%; the budget changed in its dialog (a rolling period refused at
 * its field, then saved); an API key's budget set in its create dialog and a new config's in the
 * builder, then changed on the config's page; and the workspace's budget set, shown and removed on /budgets.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const NAME = `budget-e2e-${run}`;

let slug = "";
let vkId = "";

let apiKeyId = "";
let configSlug = "";

test.afterAll(async () => {
  if (slug) await admin("DELETE", `/virtual-keys/${slug}`);
  if (apiKeyId) await admin("DELETE", `/api-keys/${apiKeyId}`);
  if (configSlug) await admin("DELETE", `/configs/${configSlug}`);
  await admin("PUT", "/workspace", { budget: null });
});

/** The bar's box (its level is on it) around the progressbar `bar`. */
const boxOf = (bar: Locator) => bar.locator("xpath=..");

/** The bar's value (USD, clamped to the limit), its words for screen readers, its level, and the amounts shown beside it. */
async function expectBar(bar: Locator, spent: number, limit: number, text: RegExp, level: "ok" | "alert" | "over") {
  await expect(bar).toHaveAttribute("aria-valuemin", "0");
  await expect(bar).toHaveAttribute("aria-valuemax", String(limit));
  await expect(bar).toHaveAttribute("aria-valuenow", String(Math.min(spent, limit)));
  await expect(bar).toHaveAttribute("aria-valuetext", text);
  await expect(boxOf(bar)).toHaveAttribute("data-level", level);
  await expect(boxOf(bar)).toContainText(`${formatUsd(spent)} of ${formatUsd(limit)}`);
}

async function openKeyPage(page: Page) {
  await page.goto(`/virtual-keys/${slug}`);
  await expect(page.getByRole("heading", { name: NAME, level: 1 })).toBeVisible();
}

test("set $50 a month, alert at 80%, in the virtual key's create dialog; the bar starts at $0 of $50", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto("/virtual-keys");
  await page.getByRole("button", { name: /^Create (your first )?virtual key/ }).click();
  const dialog = page.getByRole("dialog", { name: "Create virtual key" });
  await dialog.getByLabel("Name", { exact: true }).fill(NAME);
  await dialog.getByLabel("Provider API key").fill("sk-e2e-budget-key-0000000000000001");
  const limit = dialog.getByLabel("Limit (USD)");
  await limit.fill("0");
  await expect(dialog.getByLabel("Period")).toHaveValue("monthly");
  await dialog.getByLabel("Alert at (%)").fill("80");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(limit).toHaveAttribute("aria-invalid", "true");
  await expect(limit).toHaveAccessibleDescription(/must be a number of US dollars greater than 0/);
  await expect(limit).toBeFocused();

  await limit.fill("50");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog).toBeHidden();

  const bar = page.getByRole("progressbar", { name: new RegExp(`^Budget of ${NAME} \\(`) });
  await expectBar(bar, 0, 50, /^\$0\.00 of \$50\.00 this month \(0%\), resets \d{4}-\d{2}-01 00:00 UTC$/, "ok");
  await page.getByRole("link", { name: NAME, exact: true }).click();
  await expect(page.getByRole("heading", { name: NAME, level: 1 })).toBeVisible();
  slug = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  const key = await admin<{ id: string; budget: unknown }>("GET", `/virtual-keys/${slug}`);
  vkId = key.id;
  expect(key.budget).toMatchObject({ limit_usd: 50, period: "monthly", alert_at_pct: 80 });

  const pageBar = page.getByRole("progressbar", { name: `Budget of ${NAME}` });
  await expectBar(pageBar, 0, 50, /^\$0\.00 of \$50\.00 this month \(0%\)/, "ok");
  await expect(boxOf(pageBar)).toContainText("alert at 80%");
  await page.screenshot({ path: screenshotPath(info.outputDir, "budget-empty"), fullPage: true });
  // The refused create is the only error the browser logs.
  expect(errors.filter((e) => !/status of 400 \(Bad Request\) \S+\/v1\/virtual-keys$/.test(e))).toEqual([]);
});

test("the bar fills as spend is settled: past 80% it turns to the alert colour, at 100% to the spent one", async ({ page }, info) => {
  addSpendToday("virtual_key", vkId, 42.5);
  await openKeyPage(page);
  const bar = page.getByRole("progressbar", { name: `Budget of ${NAME}` });
  await expectBar(bar, 42.5, 50, /^\$42\.50 of \$50\.00 this month \(85%\)/, "alert");
  await page.screenshot({ path: screenshotPath(info.outputDir, "budget-alert"), fullPage: true });

  addSpendToday("virtual_key", vkId, 10);
  await page.reload();
  await expectBar(bar, 52.5, 50, /^\$52\.50 of \$50\.00 this month \(105%\)/, "over");
  await expect(boxOf(bar)).toContainText("spent: requests get 429");

  await page.goto("/virtual-keys");
  await expectBar(page.getByRole("progressbar", { name: `Budget of ${NAME} (${slug})` }), 52.5, 50, /^\$52\.50 of \$50\.00/, "over");
});

test("change the budget in its dialog: a rolling period of 0 days is refused at its field, 7 days is saved", async ({ page }) => {
  await openKeyPage(page);
  await page.getByRole("button", { name: `Edit budget of “${NAME}”` }).click();
  const dialog = page.getByRole("dialog", { name: `Budget of “${NAME}”` });
  await expect(dialog.getByLabel("Limit (USD)")).toHaveValue("50");
  await expect(dialog.getByLabel("Period")).toHaveValue("monthly");
  await expect(dialog.getByLabel("Alert at (%)")).toHaveValue("80");
  await dialog.getByLabel("Period").selectOption("rolling");
  const days = dialog.getByLabel("Days (rolling)");
  await days.fill("0");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  await expect(days).toHaveAttribute("aria-invalid", "true");
  await expect(days).toHaveAccessibleDescription(
    /must be total, daily, weekly, monthly or rolling_<N>d with N from 1 to 366 \(got "rolling_0d"\)/,
  );

  await days.fill("7");
  await dialog.getByLabel("Limit (USD)").fill("100");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `Budget of “${NAME}”: $100.00 the last 7 days, alert at 80%.` })).toBeVisible();
  const bar = page.getByRole("progressbar", { name: `Budget of ${NAME}` });
  await expectBar(bar, 52.5, 100, /^\$52\.50 of \$100\.00 the last 7 days \(52%\), resets \d{4}-\d{2}-\d{2} 00:00 UTC$/, "ok");
});

test("an API key's budget is set in its create dialog and shown in its row, where it can be edited", async ({ page }) => {
  const name = `budget-key-${run}`;
  await page.goto("/api-keys");
  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Limit (USD)").fill("5");
  await dialog.getByLabel("Period").selectOption("daily");
  await dialog.getByLabel("Alert at (%)").fill("101");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const alert = dialog.getByLabel("Alert at (%)");
  await expect(alert).toHaveAttribute("aria-invalid", "true");
  await expect(alert).toHaveAccessibleDescription(/must be an integer from 1 to 100/);
  await alert.fill("50");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await page
    .getByRole("dialog", { name: `Copy the key for “${name}”` })
    .getByRole("button", { name: "Done" })
    .click();

  const { data } = await admin<{ data: { id: string; name: string; prefix: string; budget: unknown }[] }>("GET", "/api-keys?status=active");
  const created = data.find((k) => k.name === name)!;
  apiKeyId = created.id;
  expect(created.budget).toMatchObject({ limit_usd: 5, period: "daily", alert_at_pct: 50 });
  const row = page.getByRole("row").filter({ hasText: name });
  const bar = row.getByRole("progressbar", { name: `Budget of ${name} (${created.prefix}...)` });
  await expectBar(bar, 0, 5, /^\$0\.00 of \$5\.00 today \(0%\), resets \d{4}-\d{2}-\d{2} 00:00 UTC$/, "ok");

  addSpendToday("api_key", apiKeyId, 3);
  await page.reload();
  await expectBar(bar, 3, 5, /^\$3\.00 of \$5\.00 today \(60%\)/, "alert");
  await row.getByRole("button", { name: `Edit budget of “${name}” (${created.prefix}...)` }).click();
  const edit = page.getByRole("dialog", { name: `Budget of “${name}” (${created.prefix}...)` });
  await edit.getByLabel("Alert at (%)").fill("");
  await edit.getByRole("button", { name: "Save budget" }).click();
  await expect(edit).toBeHidden();
  await expectBar(bar, 3, 5, /^\$3\.00 of \$5\.00 today \(60%\)/, "ok");
});

test("a new config gets a budget in the builder, changed later on the config's page", async ({ page }) => {
  const name = `budget-config-${run}`;
  await page.goto("/configs/new");
  await page.getByLabel("Config name").fill(name);
  await fillConfigJson(page, JSON.stringify({ virtual_key: slug }, null, 2));
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/);
  await page.getByLabel("Limit (USD)").fill("20");
  await page.getByLabel("Period").selectOption("weekly");
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  configSlug = new URL(page.url()).pathname.split("/").pop()!;

  const panel = page.getByRole("region", { name: "Budget" });
  const bar = panel.getByRole("progressbar", { name: `Budget of ${name}` });
  await expectBar(bar, 0, 20, /^\$0\.00 of \$20\.00 this week \(0%\), resets \d{4}-\d{2}-\d{2} 00:00 UTC$/, "ok");
  await panel.getByRole("button", { name: `Edit budget of “${name}”` }).click();
  const edit = page.getByRole("dialog", { name: `Budget of “${name}”` });
  await expect(edit.getByLabel("Period")).toHaveValue("weekly");
  await edit.getByLabel("Limit (USD)").fill("25.5");
  await edit.getByRole("button", { name: "Save budget" }).click();
  await expect(edit).toBeHidden();
  await expectBar(bar, 0, 25.5, /^\$0\.00 of \$25\.50 this week/, "ok");
  // Not a new version: the config is still at version 1.
  expect((await admin<{ version: number; budget: unknown }>("GET", `/configs/${configSlug}`)).version).toBe(1);

  await page.goto("/configs");
  await expectBar(page.getByRole("progressbar", { name: `Budget of ${name} (${configSlug})` }), 0, 25.5, /^\$0\.00 of \$25\.50/, "ok");
});

test("the workspace's budget is set, shown and removed on /budgets, beside every other budget", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Budgets" }).click();
  await expect(page.getByRole("heading", { name: "Budgets", level: 1 })).toBeVisible();
  const panel = page.getByRole("region", { name: "Workspace budget" });
  await expect(panel).toContainText("No workspace budget");

  await panel.getByRole("button", { name: "Set budget of the workspace" }).click();
  const dialog = page.getByRole("dialog", { name: "Budget of the workspace" });
  await dialog.getByLabel("Limit (USD)").fill("1000");
  await dialog.getByLabel("Period").selectOption("total");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  await expect(dialog).toBeHidden();
  const bar = panel.getByRole("progressbar", { name: "Budget of the workspace" });
  // The workspace's spend is every request it has served, in this run's other specs too: read it from the API.
  const workspace = await admin<{ budget: { limit_usd: number; period: string; spend: { spent_usd: number } } }>("GET", "/workspace");
  expect(workspace.budget).toMatchObject({ limit_usd: 1000, period: "total" });
  const spent = workspace.budget.spend.spent_usd;
  expect(spent).toBeLessThan(1);
  await expectBar(bar, spent, 1000, /^\$\d+\.\d+ of \$1,000\.00 in total \((0|<1)%\), never resets$/, "ok");

  const table = page.getByRole("table", { name: "Budgets" });
  const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: NAME, exact: true }) });
  await expect(row).toContainText("Virtual key");
  await expect(row).toContainText("Rolling 7 days");
  await expect(row).toContainText("80%");
  await expect(row.getByRole("progressbar")).toHaveAttribute("aria-valuetext", /^\$52\.50 of \$100\.00 the last 7 days/);
  await expect(table.getByRole("row").filter({ hasText: "Default workspace" })).toContainText("Total");
  await page.screenshot({ path: screenshotPath(info.outputDir, "budgets-page"), fullPage: true });

  await panel.getByRole("button", { name: "Edit budget of the workspace" }).click();
  await page.getByRole("dialog", { name: "Budget of the workspace" }).getByRole("button", { name: "Remove budget" }).click();
  await expect(panel).toContainText("No workspace budget");
  expect((await admin<{ budget: unknown }>("GET", "/workspace")).budget).toBeNull();
  expect(errors).toEqual([]);
});
