/**
 * The seed's flow with Anthropic as a third target, in the dashboard: an Anthropic virtual key made
 * in the create dialog, a fallback config OpenAI -> Azure -> Anthropic built in the config builder,
 * its id copied and used by the real `openai` SDK (OpenAI and Azure answer 503 from the mock, Claude
 * answers through the translation), then the log explorer: the fallback icon on the row, and the
 * detail's three attempts with Anthropic's answer (docs/GATEWAY.md §1.3).
 */
import { expect, test } from "@playwright/test";
import OpenAI from "openai";
import { admin, API, azureVirtualKey, openaiVirtualKey } from "../testing/e2e-admin-api";
import { configJsonValue } from "../testing/config-editor";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE, permissions: ["clipboard-read", "clipboard-write"] });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const ANTHROPIC_NAME = `e2e Claude ${RUN}`;
const ANTHROPIC_SECRET = "sk-ant-e2e-fallback-000033334444";
const TRACE = `trace-claude-${RUN}`;

let mock: MockUpstream;
let gatewayKey: string;
let gatewayKeyId: string;
let openaiKey: string;
let azureKey: string;
let anthropicKey: string | undefined;
let configId: string | undefined;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  ({ key: gatewayKey, id: gatewayKeyId } = await admin<{ key: string; id: string }>("POST", "/api-keys", {
    name: `e2e claude ${RUN}`,
    scope: "gateway",
  }));
  openaiKey = await openaiVirtualKey(`Claude run OpenAI ${RUN}`, "sk-e2e-claude-openai-00001111", mock.url);
  azureKey = await azureVirtualKey(`Claude run Azure ${RUN}`, "e2e-claude-azure-000000002222", mock.url);
});

test.afterAll(async () => {
  if (configId) await admin("DELETE", `/configs/${configId}`).catch(() => undefined);
  for (const slug of [openaiKey, azureKey, anthropicKey]) if (slug) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  if (gatewayKeyId) await admin("DELETE", `/api-keys/${gatewayKeyId}`).catch(() => undefined);
  await mock?.close();
});

test("an Anthropic key in the dialog, an OpenAI -> Azure -> Anthropic config in the builder, the openai SDK rescued by Claude", async ({
  page,
}, info) => {
  const errors = consoleErrors(page);

  // 1. The Anthropic virtual key, in the create dialog.
  await page.goto("/virtual-keys");
  await page.getByRole("button", { name: /^Create (your first )?virtual key/ }).click();
  const dialog = page.getByRole("dialog", { name: "Create virtual key" });
  await dialog.getByLabel("Name", { exact: true }).fill(ANTHROPIC_NAME);
  await dialog.getByLabel("Provider", { exact: true }).selectOption("anthropic");
  await expect(dialog.getByLabel("Provider API key")).toHaveAttribute("placeholder", "sk-ant-...");
  await dialog.getByLabel("Provider API key").fill(ANTHROPIC_SECRET);
  await dialog.getByLabel("Custom host").fill(mock.url);
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: ANTHROPIC_NAME, exact: true }) });
  await expect(row).toContainText("Anthropic");
  await expect(row).toContainText("sk-...4444");
  expect(await page.content()).not.toContain(ANTHROPIC_SECRET);
  await page.getByRole("link", { name: ANTHROPIC_NAME, exact: true }).click();
  await expect(page.getByRole("heading", { name: ANTHROPIC_NAME, level: 1 })).toBeVisible();
  anthropicKey = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);

  // 2. The fallback config with three targets, in the builder.
  await page.goto("/configs/new");
  await page.getByLabel("Config name").fill(`e2e claude fallback ${RUN}`);
  await page.getByRole("group", { name: "Target 1", exact: true }).getByLabel("Virtual key").selectOption(openaiKey);
  await page.getByRole("group", { name: "Target 2", exact: true }).getByLabel("Virtual key").selectOption(azureKey);
  await page.getByRole("button", { name: "Add target", exact: true }).click();
  await page.getByRole("group", { name: "Target 3", exact: true }).getByLabel("Virtual key").selectOption(anthropicKey);
  expect(await configJsonValue(page)).toEqual({
    strategy: { mode: "fallback" },
    targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }, { virtual_key: anthropicKey }],
  });
  await expect(page.getByLabel("Config JSON")).toHaveAccessibleDescription(/Valid/);
  await page.getByRole("button", { name: "Save config" }).click();
  await expect(page).toHaveURL(/\/configs\/pc-[a-z0-9]+-[0-9a-f]{6}\?saved=1$/);
  await page.getByRole("button", { name: "Copy config id" }).click();
  configId = await page.evaluate(() => navigator.clipboard.readText());
  expect(configId).toMatch(/^pc-/);

  // 3. The openai SDK with the copied id: OpenAI and Azure answer 503, Claude answers.
  mock.reset();
  mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
  mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 503 } });
  const client = new OpenAI({
    apiKey: gatewayKey,
    baseURL: API,
    defaultHeaders: { "x-portkey-config": configId, "x-portkey-trace-id": TRACE },
    maxRetries: 0,
  });
  const res = await client.chat.completions.create({
    model: "claude-sonnet-4-5",
    messages: [{ role: "user", content: "Who rescued me?" }],
  });
  expect(res.choices[0]?.message?.content).toContain("Mock answer from anthropic");
  expect(res.choices[0]?.finish_reason).toBe("stop");
  expect(mock.requests().map((r) => [r.provider, r.status])).toEqual([
    ["openai", 503],
    ["azure", 503],
    ["anthropic", 200],
  ]);

  // 4. The log explorer (once the row is written: batched, off the request path): the fallback
  // icon, then the three attempts in the detail.
  await expect
    .poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?trace_id=${TRACE}`)).data.length, { timeout: 15_000 })
    .toBe(1);
  await page.goto(`/logs?trace_id=${TRACE}`);
  const rows = page.getByRole("table", { name: "Request logs" }).locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByRole("img", { name: "Fallback used" })).toBeVisible();
  await expect(rows.first().getByRole("cell", { name: "anthropic" })).toBeVisible();
  await rows.first().getByRole("link").first().click();
  const attempts = page.getByRole("list", { name: "Attempt timeline" }).getByRole("listitem");
  await expect(attempts).toHaveCount(3);
  await expect(attempts.nth(0)).toContainText("openai");
  await expect(attempts.nth(0)).toContainText("503");
  await expect(attempts.nth(1)).toContainText("azure-openai");
  await expect(attempts.nth(1)).toContainText("503");
  await expect(attempts.nth(2)).toContainText("anthropic");
  await expect(attempts.nth(2)).toContainText("200");
  await expect(page.getByText("Fallback used", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Response body" })).toContainText("Mock answer from anthropic");
  await page.screenshot({ path: screenshotPath(info.outputDir, "anthropic-fallback-log"), fullPage: true });
  expect(errors).toEqual([]);
});
