/**
 * The log explorer end to end: real requests through Detour with the portkey-ai SDK (a fallback
 * config whose OpenAI target answers 503 from the mock upstream), then the /logs list and a
 * /logs/[id] detail page driven like a person would: filters typed and applied with Enter, icons
 * found by their accessible names, attempts read in order, bodies with markup shown as text.
 *
 * Every request of this run carries `x-portkey-metadata: {"e2e_run": RUN}`, so the assertions
 * can narrow to this run's rows even when other specs logged requests into the same database.
 */
import { expect, test, type Page } from "@playwright/test";
import { Portkey } from "portkey-ai";
import { admin, API, azureVirtualKey, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const TRACE = {
  fallback: `trace-fallback-${RUN}`,
  ok: `trace-ok-${RUN}`,
  failed: `trace-failed-${RUN}`,
  markup: `trace-markup-${RUN}`,
};
const MARKUP = "<script>alert(1)</script><b>bold?</b><img src=x onerror=alert(2)>";
const RUN_FILTER = `metadata.e2e_run=${RUN}`;

let mock: MockUpstream;
let apiKeyId: string | undefined;
let configSlug: string;
let openaiKey: string;
let azureKey: string;
/** Requests sent, by trace: what the list must show. */
const sent = { fallback: 2, ok: 2, failed: 1, markup: 1 };
const TOTAL = sent.fallback + sent.ok + sent.failed + sent.markup;

type ApiLog = { id: string; trace_id: string; status: number; cost: number | null; fallback_used: boolean };

async function runLogs(): Promise<ApiLog[]> {
  return (await admin<{ data: ApiLog[] }>("GET", `/logs?${RUN_FILTER}&limit=200`)).data;
}

const ask = (content: string) => ({ model: "gpt-4o", messages: [{ role: "user" as const, content }] });

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  const created = await admin<{ id: string; key: string }>("POST", "/api-keys", { name: `e2e logs ${RUN}`, scope: "gateway" });
  apiKeyId = created.id;
  const apiKey = created.key;
  openaiKey = await openaiVirtualKey(`E2E OpenAI ${RUN}`, "sk-e2e-openai-000000000000001111", mock.url);
  azureKey = await azureVirtualKey(`E2E Azure ${RUN}`, "e2e-azure-0000000000000000002222", mock.url);
  configSlug = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `E2E fallback ${RUN}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }] },
    })
  ).slug;

  // OpenAI is down: every OpenAI call answers 503.
  mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
  const metadata = { e2e_run: RUN };
  const baseURL = API;

  const viaFallback = new Portkey({ apiKey, baseURL, config: configSlug, traceID: TRACE.fallback, metadata });
  for (let i = 0; i < sent.fallback; i++) {
    const res = await viaFallback.chat.completions.create(ask(`What are the 7 wonders of the world? (${i})`));
    expect(res.choices[0]?.message?.content).toContain("Mock answer from azure");
  }

  // Straight to Azure, no fallback: one short prompt and one long one (a higher cost).
  const direct = new Portkey({ apiKey, baseURL, virtualKey: azureKey, traceID: TRACE.ok, metadata });
  await direct.chat.completions.create(ask("Hello there"));
  await direct.chat.completions.create(ask(`Summarise this: ${"lorem ipsum dolor sit amet ".repeat(320)}`));

  // Straight to OpenAI: the 503 comes back as is.
  const failing = new Portkey({ apiKey, baseURL, virtualKey: openaiKey, traceID: TRACE.failed, metadata });
  await expect(failing.chat.completions.create(ask("Will this work?"))).rejects.toMatchObject({ status: 503 });

  const markup = new Portkey({ apiKey, baseURL, virtualKey: azureKey, traceID: TRACE.markup, metadata });
  await markup.chat.completions.create(ask(MARKUP));

  // Log rows are written in batches off the request path (every 250 ms).
  await expect.poll(async () => (await runLogs()).length, { timeout: 15_000 }).toBe(TOTAL);
});

// Leave the workspace as found (other specs count its active API keys, virtual keys and configs);
// the log rows stay, narrowed to this run by their metadata.
test.afterAll(async () => {
  if (configSlug) await admin("DELETE", `/configs/${configSlug}`).catch(() => undefined);
  for (const slug of [openaiKey, azureKey]) if (slug) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  if (apiKeyId) await admin("DELETE", `/api-keys/${apiKeyId}`).catch(() => undefined);
  await mock?.close();
});

/** The list's data rows (not the header row). */
function dataRows(page: Page) {
  return page.getByRole("table", { name: "Request logs" }).locator("tbody tr");
}

async function applyFilter(page: Page, label: string, value: string) {
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press("Enter");
}

test("filtering by trace id shows the fallback icon on those rows and on no others", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto("/logs");
  await expect(page.getByRole("heading", { name: "Logs", level: 1 })).toBeVisible();

  await applyFilter(page, "Trace ID", TRACE.fallback);
  await expect(page).toHaveURL(new RegExp(`[?&]trace_id=${TRACE.fallback}(&|$)`));
  await expect(page.getByLabel("Trace ID", { exact: true })).toBeFocused(); // Enter applied; the keyboard stays put
  const rows = dataRows(page);
  await expect(rows).toHaveCount(sent.fallback);
  for (const row of await rows.all()) {
    const icon = row.getByRole("img", { name: "Fallback used" });
    await expect(icon).toBeVisible();
    await expect(row.getByText("200", { exact: true })).toBeVisible();
    await expect(row.getByRole("cell", { name: "azure-openai" })).toBeVisible();
  }
  // The tooltip (also the icon's accessible description) names the failed target and its status.
  const firstIcon = rows.first().locator(".fallback-icon");
  await firstIcon.focus();
  const tooltip = rows.first().getByRole("tooltip");
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toHaveText(`Fallback used: config.targets[0] (openai, key ${openaiKey}) failed: 503; served by azure-openai`);
  await expect(rows.first().getByRole("img", { name: "Fallback used" })).toHaveAccessibleDescription(/config\.targets\[0\].*503/);
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-fallback-tooltip") });

  // The other trace: no fallback icon on any of its rows.
  await applyFilter(page, "Trace ID", TRACE.ok);
  await expect(dataRows(page)).toHaveCount(sent.ok);
  await expect(page.getByRole("table", { name: "Request logs" }).getByRole("img", { name: "Fallback used" })).toHaveCount(0);

  // This run's rows together: icons exactly on the fallback trace's rows. A trace id is a link
  // that filters by it.
  await page.goto(`/logs?${RUN_FILTER}`);
  await expect(dataRows(page)).toHaveCount(TOTAL);
  await expect(page.getByRole("img", { name: "Fallback used" })).toHaveCount(sent.fallback);
  for (const row of await dataRows(page).all()) {
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText(), the text as rendered (no hidden parts)
    const trace = await row.locator("td.col-trace").innerText();
    await expect(row.getByRole("img", { name: "Fallback used" })).toHaveCount(trace === TRACE.fallback ? 1 : 0);
  }
  await page.screenshot({ path: screenshotPath(info.outputDir, "logs-list"), fullPage: true });

  await dataRows(page)
    .filter({ has: page.getByRole("img", { name: "Fallback used" }) })
    .first()
    .getByRole("link", { name: TRACE.fallback })
    .click();
  await expect(page).toHaveURL(new RegExp(`trace_id=${TRACE.fallback}`));
  await expect(page).toHaveURL(/metadata\.e2e_run=/); // the other filters stay
  await expect(dataRows(page)).toHaveCount(sent.fallback);
  await expect(page.getByLabel("Trace ID", { exact: true })).toHaveValue(TRACE.fallback);
  // The back button returns to the unfiltered list, its form included.
  await page.goBack();
  await expect(dataRows(page)).toHaveCount(TOTAL);
  await expect(page.getByLabel("Trace ID", { exact: true })).toHaveValue("");
  expect(errors).toEqual([]);
});

test("a fallback request's detail shows its two attempts in order, and links to its trace and config", async ({ page }, info) => {
  const errors = consoleErrors(page);
  await page.goto(`/logs?trace_id=${TRACE.fallback}`);
  const row = dataRows(page).first();
  await row.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/logs\/log_[0-9A-Z]{26}$/);
  await expect(page.getByRole("heading", { name: /^Request log_/, level: 1 })).toBeVisible();

  const attempts = page.getByRole("list", { name: "Attempt timeline" }).getByRole("listitem");
  await expect(attempts).toHaveCount(2);
  await expect(attempts.nth(0)).toContainText("#1");
  await expect(attempts.nth(0)).toContainText("config.targets[0]");
  await expect(attempts.nth(0)).toContainText("openai");
  await expect(attempts.nth(0)).toContainText("503");
  await expect(attempts.nth(0)).toContainText("first try");
  await expect(attempts.nth(0)).toContainText("Why Detour moved on: fallback: status 503");
  await expect(attempts.nth(1)).toContainText("#2");
  await expect(attempts.nth(1)).toContainText("config.targets[1]");
  await expect(attempts.nth(1)).toContainText("azure-openai");
  await expect(attempts.nth(1)).toContainText("200");
  await expect(attempts.nth(1)).toContainText("answered");

  await expect(page.getByText("Fallback used", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Request body" })).toContainText('"model": "gpt-4o"');
  await expect(page.getByRole("region", { name: "Response body" })).toContainText("Mock answer from azure");
  await expect(page.getByRole("table", { name: "Request headers" })).toContainText("[redacted]");
  await expect(page.getByRole("table", { name: "Metadata" })).toContainText(RUN);
  await expect(page.getByRole("region", { name: `Config ${configSlug} version 1` })).toContainText(openaiKey);
  await page.screenshot({ path: screenshotPath(info.outputDir, "log-detail"), fullPage: true });

  await page.getByRole("link", { name: "All requests of this trace" }).click();
  await expect(page).toHaveURL(new RegExp(`/logs\\?trace_id=${TRACE.fallback}$`));
  await expect(dataRows(page)).toHaveCount(sent.fallback);
  expect(errors).toEqual([]);
});

test("filters by cost range and by status, and says which filter is wrong", async ({ page }) => {
  const logs = await runLogs();
  const priced = logs.filter((l) => l.cost !== null).sort((a, b) => b.cost! - a.cost!);
  expect(priced.length).toBe(TOTAL - sent.failed); // the 503 has no usage, so no cost
  const [dearest, next] = [priced[0]!, priced[1]!];
  expect(dearest.trace_id).toBe(TRACE.ok); // the long prompt
  const threshold = ((dearest.cost! + next.cost!) / 2).toFixed(6);

  await page.goto(`/logs?${RUN_FILTER}`);
  await applyFilter(page, "Cost at least (USD)", threshold);
  await expect(page).toHaveURL(new RegExp(`cost_min=${threshold}`));
  await expect(dataRows(page)).toHaveCount(1);
  await expect(dataRows(page).first()).toContainText(TRACE.ok);

  await page.getByLabel("Cost at least (USD)", { exact: true }).fill("");
  await applyFilter(page, "Cost at most (USD)", threshold);
  await expect(dataRows(page)).toHaveCount(priced.length - 1); // unknown costs are left out of a cost range

  await page.getByLabel("Cost at most (USD)", { exact: true }).fill("");
  await applyFilter(page, "Status", "5xx");
  await expect(page).toHaveURL(/status=5xx/);
  await expect(dataRows(page)).toHaveCount(sent.failed);
  await expect(dataRows(page).first().locator(".status-badge")).toHaveText("503");
  await expect(dataRows(page).first()).toContainText(TRACE.failed);

  await applyFilter(page, "Status", "2xx");
  await expect(dataRows(page)).toHaveCount(TOTAL - sent.failed);
  expect(new Set(await dataRows(page).locator(".status-badge").allInnerTexts())).toEqual(new Set(["200"]));

  // A typo in the form: the URL stays, the problem names the parameter.
  const before = page.url();
  await applyFilter(page, "Cost at least (USD)", "cheap");
  const alert = page.getByRole("form", { name: "Filter logs" }).getByRole("alert");
  await expect(alert).toContainText("cost_min");
  await expect(page.getByLabel("Cost at least (USD)", { exact: true })).toHaveAttribute("aria-invalid", "true");
  expect(page.url()).toBe(before);

  // A bad URL: an error state naming each parameter, not a crash.
  await page.goto("/logs?cost_min=abc&colour=red&status=7xx");
  const urlAlert = page.getByRole("form", { name: "Filter logs" }).getByRole("alert");
  await expect(urlAlert).toContainText("cost_min");
  await expect(urlAlert).toContainText("colour");
  await expect(urlAlert).toContainText("status");
  await expect(page.getByText("Nothing was queried")).toBeVisible();
  await expect(page.getByLabel("Cost at least (USD)", { exact: true })).toHaveValue("abc");

  // Nothing matches: an empty state that offers the way back.
  await page.goto(`/logs?${RUN_FILTER}&from=2100-01-01`);
  await expect(page.getByText("No requests match these filters.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Clear all filters" })).toBeVisible();
});

test("sorting and cursor pages live in the URL; Previous and the back button return", async ({ page }) => {
  await page.goto(`/logs?${RUN_FILTER}&limit=2`);
  await expect(dataRows(page)).toHaveCount(2);
  const firstPage = await dataRows(page).locator("td.col-time").allInnerTexts();

  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.getByText(/^Page 2 ·/)).toBeVisible();
  const secondPage = await dataRows(page).locator("td.col-time").allInnerTexts();
  expect(secondPage).toHaveLength(2);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page.getByText(/^Page 3 ·/)).toBeVisible();
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(page.getByText(/^Page 2 ·/)).toBeVisible();
  expect(await dataRows(page).locator("td.col-time").allInnerTexts()).toEqual(secondPage);
  await page.goBack();
  await expect(page.getByText(/^Page 3 ·/)).toBeVisible();
  await page.getByRole("link", { name: "First page" }).click();
  await expect(page.getByText(/^Page 1 ·/)).toBeVisible();
  expect(await dataRows(page).locator("td.col-time").allInnerTexts()).toEqual(firstPage);

  // Sort by cost, dearest first: the long prompt leads.
  await page.goto(`/logs?${RUN_FILTER}`);
  await page.getByRole("button", { name: "Cost" }).click();
  await expect(page).toHaveURL(/sort=-cost/);
  await expect(page.getByRole("columnheader", { name: "Cost" })).toHaveAttribute("aria-sort", "descending");
  await expect(dataRows(page).first()).toContainText(TRACE.ok);
  await page.getByRole("button", { name: "Cost" }).click();
  await expect(page).toHaveURL(/sort=cost/);
  await expect(page.getByRole("columnheader", { name: "Cost" })).toHaveAttribute("aria-sort", "ascending");
  // Unknown costs (the 503) come last in both directions.
  await expect(dataRows(page).last()).toContainText(TRACE.failed);
});

test("log bodies with <script> or HTML render as text", async ({ page }, info) => {
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const [log] = (await runLogs()).filter((l) => l.trace_id === TRACE.markup);
  await page.goto(`/logs/${log!.id}`);
  const request = page.getByRole("region", { name: "Request body" });
  await expect(request).toContainText(MARKUP);
  await expect(request.locator("script, b, img")).toHaveCount(0);
  const response = page.getByRole("region", { name: "Response body" });
  await expect(response).toContainText("<script>alert(1)</script>");
  await expect(response.locator("script, b, img")).toHaveCount(0);
  await expect(page.locator("main script")).toHaveCount(0);
  expect(dialogs).toEqual([]);
  await request.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath(info.outputDir, "log-detail-markup") });
});
