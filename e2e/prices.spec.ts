import { expect, test, type Page } from "@playwright/test";
import { admin } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";

/**
 * The Prices page, driven like a person would: find a price with the filter box, add an override
 * for a model no table lists (a refused price shows at its field first), see it listed as this
 * workspace's, edit it, and remove it; override a table's price and remove that override, the
 * table's price back. Each step is checked in the management API too.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const MODEL = `e2e-model-${run}`;

type Row = { provider: string; model: string; input: number; output: number | null; source: string };

async function apiPrice(provider: string, model: string): Promise<Row | undefined> {
  const { data } = await admin<{ data: Row[] }>("GET", `/prices?${new URLSearchParams({ provider, model })}`);
  return data.find((r) => r.model === model);
}

// Leave the workspace as found: remove any override this spec made and did not remove.
test.afterAll(async () => {
  const { data } = await admin<{ data: Row[] }>("GET", "/prices");
  for (const row of data.filter((r) => r.source === "override" && (r.model === MODEL || r.model === "claude-haiku-4-5"))) {
    await admin("DELETE", `/prices?${new URLSearchParams({ provider: row.provider, model: row.model })}`);
  }
});

async function openPrices(page: Page) {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Prices" }).click();
  await expect(page.getByRole("heading", { name: "Prices", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Prices" })).toHaveAttribute(
    "aria-current",
    "page",
  );
}

const rowOf = (page: Page, model: string) => page.getByRole("row").filter({ has: page.getByText(model, { exact: true }) });

test("add an override in the dialog, see it listed, edit it and remove it", async ({ page }) => {
  const errors = consoleErrors(page);
  await openPrices(page);
  const filter = page.getByLabel("Filter");
  await filter.fill("groq llama-3.3");
  await expect(page.getByRole("row")).toHaveCount(2); // the header and Groq's llama-3.3-70b-versatile
  const groq = rowOf(page, "llama-3.3-70b-versatile");
  await expect(groq).toContainText("$0.59");
  await expect(groq).toContainText("$0.79");
  await expect(groq).toContainText("2025-10-15");
  await expect(groq).toContainText("Table");

  await page.getByRole("button", { name: "Add price override" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a price override" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Provider").selectOption({ label: "OpenAI" });
  await dialog.getByLabel("Model").fill(MODEL.toUpperCase());
  await dialog.getByLabel("Input ($ per 1M)", { exact: true }).fill("-1");
  await dialog.getByLabel("Output ($ per 1M)", { exact: true }).fill("5");
  await dialog.getByRole("button", { name: "Save price" }).click();
  // The API refused the price: its message is at the field, which takes the focus.
  const input = dialog.getByLabel("Input ($ per 1M)", { exact: true });
  await expect(input).toHaveAttribute("aria-invalid", "true");
  await expect(input).toBeFocused();
  await expect(dialog).toContainText("must be a number from 0 to less than 10,000 (USD per 1M tokens)");
  expect(await apiPrice("openai", MODEL)).toBeUndefined();

  await input.fill("1.25");
  await dialog.getByRole("button", { name: "Save price" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `Saved the price of ${MODEL} (OpenAI)` })).toBeVisible();
  await filter.fill(MODEL);
  const row = rowOf(page, MODEL);
  await expect(row).toContainText("OpenAI");
  await expect(row).toContainText("$1.25");
  await expect(row).toContainText("$5.00");
  await expect(row).toContainText("Override");
  expect(await apiPrice("openai", MODEL)).toMatchObject({ input: 1.25, output: 5, source: "override" });
  await page.screenshot({ path: screenshotPath(test.info().outputDir, "prices-override"), fullPage: true });

  await row.getByRole("button", { name: `Edit ${MODEL}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit the price of ${MODEL}` });
  await expect(edit.getByLabel("Input ($ per 1M)", { exact: true })).toHaveValue("1.25");
  await expect(edit.getByLabel("Model")).toHaveAttribute("readonly", "");
  await edit.getByLabel("Output ($ per 1M)", { exact: true }).fill("");
  await edit.getByLabel("Input ($ per 1M)", { exact: true }).fill("0.5");
  await edit.getByRole("button", { name: "Save price" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("$0.50");
  expect(await apiPrice("openai", MODEL)).toMatchObject({ input: 0.5, output: null });

  await row.getByRole("button", { name: `Remove override of ${MODEL}` }).click();
  const confirm = page.getByRole("dialog", { name: `Remove the override of ${MODEL}?` });
  await confirm.getByRole("button", { name: "Remove override" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByText(`No price matches “${MODEL}”`)).toBeVisible();
  expect(await apiPrice("openai", MODEL)).toBeUndefined();
  // The browser logs the one refused save (a 400), and nothing else.
  expect(errors).toEqual([expect.stringContaining("status of 400 (Bad Request)")]);
});

test("override a table's price from its row, then remove the override: the table's price is back", async ({ page }) => {
  const errors = consoleErrors(page);
  await openPrices(page);
  // Long-prompt tiers show under the model.
  await page.getByLabel("Filter").fill("anthropic sonnet-4");
  await expect(rowOf(page, "claude-sonnet-4-5")).toContainText("over 200K prompt: $6.00 / $22.50");
  await page.screenshot({ path: screenshotPath(test.info().outputDir, "prices-tiers"), fullPage: true });
  await page.getByLabel("Filter").fill("claude-haiku-4-5");
  const row = rowOf(page, "claude-haiku-4-5");
  await expect(row).toContainText("$1.00");
  await expect(row).toContainText("64,000");
  await row.getByRole("button", { name: "Override claude-haiku-4-5" }).click();
  const dialog = page.getByRole("dialog", { name: "Override the price of claude-haiku-4-5" });
  // It starts from the table's prices.
  await expect(dialog.getByLabel("Input ($ per 1M)", { exact: true })).toHaveValue("1");
  await expect(dialog.getByLabel("Cache write ($ per 1M)", { exact: true })).toHaveValue("1.25");
  await dialog.getByLabel("Input ($ per 1M)", { exact: true }).fill("0.9");
  await dialog.getByRole("button", { name: "Save price" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("$0.90");
  await expect(row).toContainText("Override");
  await expect(row).toContainText("64,000"); // the model's maximum answer stays the table's
  expect(await apiPrice("anthropic", "claude-haiku-4-5")).toMatchObject({ input: 0.9, output: 5, source: "override" });

  await row.getByRole("button", { name: "Remove override of claude-haiku-4-5" }).click();
  await page
    .getByRole("dialog", { name: "Remove the override of claude-haiku-4-5?" })
    .getByRole("button", { name: "Remove override" })
    .click();
  await expect(row).toContainText("Table");
  await expect(row).toContainText("$1.00");
  expect(await apiPrice("anthropic", "claude-haiku-4-5")).toMatchObject({ input: 1, source: "table" });
  expect(errors).toEqual([]);
});
