/**
 * The config builder's hedge control (docs/GATEWAY.md §5.11) on fallback and loadbalance nodes: off,
 * after N ms, or after the target's p95, and how many more attempts at once; the JSON and the
 * one-line summary follow, a bad delay shows the schema's error at the field, and the hedge stays
 * when the node moves between fallback and loadbalance.
 */
import { expect, test, type Page } from "@playwright/test";
import { admin, azureVirtualKey, openaiVirtualKey } from "../testing/e2e-admin-api";
import { configJson, configJsonValue, fillConfigJson } from "../testing/config-editor";
import { ADMIN_STATE, consoleErrors } from "../testing/e2e-fixtures";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let openaiKey: string;
let azureKey: string;

test.beforeAll(async () => {
  // Nothing is sent upstream: the keys only need a base URL.
  openaiKey = await openaiVirtualKey(`Hedge OpenAI ${RUN}`, `sk-e2e-hedge-openai-${RUN}-0000`, "http://127.0.0.1:9");
  azureKey = await azureVirtualKey(`Hedge Azure ${RUN}`, `e2e-hedge-azure-${RUN}-00000000`, "http://127.0.0.1:9");
});

test.afterAll(async () => {
  for (const slug of [openaiKey, azureKey]) if (slug) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
});

async function openBuilder(page: Page) {
  await page.goto("/configs/new");
  await expect(page.getByRole("heading", { name: "New config", level: 1 })).toBeVisible();
}

test("a hedge is set from the form: after N ms, after the p95, at most N more; the JSON and summary follow", async ({ page }) => {
  const errors = consoleErrors(page);
  await openBuilder(page);
  await fillConfigJson(
    page,
    JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }] }, null, 2),
  );
  const settings = page.getByRole("group", { name: "Config settings" });
  const summary = page.getByTestId("config-summary");
  const hedge = settings.getByLabel("Hedge", { exact: true });
  await expect(hedge).toHaveValue("off");
  await expect(summary).toHaveText("OpenAI -> Azure OpenAI on any failure");

  await hedge.selectOption("ms");
  await expect(summary).toHaveText("OpenAI -> Azure OpenAI on any failure, hedged after 2 s");
  await settings.getByLabel("Hedge after (ms)").fill("300");
  await expect(summary).toHaveText("OpenAI -> Azure OpenAI on any failure, hedged after 300 ms");
  expect(await configJsonValue(page)).toMatchObject({ strategy: { mode: "fallback", hedge: { after_ms: 300 } } });

  // A delay out of range: the schema's words at the field.
  await settings.getByLabel("Hedge after (ms)").fill("0");
  await expect(settings.getByLabel("Hedge after (ms)")).toHaveAccessibleDescription(
    /must be an integer from 1 to 600000 milliseconds, or "p95"/,
  );
  await settings.getByLabel("Hedge after (ms)").fill("300");

  await hedge.selectOption("p95");
  await settings.getByLabel("Hedge at most").selectOption("2");
  await expect(summary).toHaveText("OpenAI -> Azure OpenAI on any failure, hedged after each target's p95, up to 2 more at once");
  expect(await configJsonValue(page)).toMatchObject({ strategy: { mode: "fallback", hedge: { after_ms: "p95", max: 2 } } });

  // The hedge stays when the node becomes a load balance.
  await settings.getByLabel("Strategy mode").selectOption("loadbalance");
  await expect(settings.getByLabel("Hedge", { exact: true })).toHaveValue("p95");
  await expect(summary).toHaveText("OpenAI 50% / Azure OpenAI 50%, hedged after each target's p95, up to 2 more at once");
  await expect(configJson(page)).toHaveAccessibleDescription(/Valid: the gateway can run this config/);

  await settings.getByLabel("Hedge", { exact: true }).selectOption("off");
  await expect(summary).toHaveText("OpenAI 50% / Azure OpenAI 50%");
  expect(await configJsonValue(page)).toEqual({
    strategy: { mode: "loadbalance" },
    targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }],
  });
  expect(errors).toEqual([]);
});
