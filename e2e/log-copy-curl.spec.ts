/**
 * "Copy as curl" on a log's detail page (issue 18, item 15), end to end: a request sent with the
 * openai SDK through a saved config, its log opened in the browser, the command copied from the
 * clipboard with no secret in it, then run by a real shell and curl with DETOUR_API_KEY set: it
 * reaches Detour again, through the same config, with the same body and metadata.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import OpenAI from "openai";
import { admin, API, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let mock: MockUpstream;
let apiKeyId = "";
let apiKey = "";
let configSlug = "";
let vk = "";

type ApiLog = { id: string; status: number; config: string | null; request_body: string | null; metadata: Record<string, string> };

const logsOfRun = async () => (await admin<{ data: ApiLog[] }>("GET", `/logs?metadata.e2e_run=${RUN}&limit=10`)).data;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  ({ id: apiKeyId, key: apiKey } = await admin<{ id: string; key: string }>("POST", "/api-keys", {
    name: `e2e curl ${RUN}`,
    scope: "gateway",
  }));
  vk = await openaiVirtualKey(`E2E curl ${RUN}`, "sk-e2e-curl-000000000000005555", mock.url);
  configSlug = (await admin<{ slug: string }>("POST", "/configs", { name: `E2E curl ${RUN}`, config: { virtual_key: vk } })).slug;
  const client = new OpenAI({
    apiKey: "unused",
    baseURL: API,
    defaultHeaders: { "x-portkey-api-key": apiKey, "x-portkey-config": configSlug, "x-portkey-metadata": JSON.stringify({ e2e_run: RUN }) },
  });
  await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "It's a 'quoted' $HOME `test`" }] });
  await expect.poll(async () => (await logsOfRun()).length, { timeout: 15_000 }).toBe(1);
});
test.afterAll(async () => {
  if (apiKeyId) await admin("DELETE", `/api-keys/${apiKeyId}`).catch(() => undefined);
  await admin("DELETE", `/configs/${configSlug}`).catch(() => undefined);
  await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
  await mock?.close();
});

test("copy a logged request as curl: no secret in it, and the command repeats the request", async ({ page, context }, info) => {
  const errors = consoleErrors(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const [original] = await logsOfRun();
  await page.goto(`/logs/${original!.id}`);
  const request = page.getByRole("region", { name: "Request" });
  await request.getByRole("button", { name: "Copy as curl" }).click();
  await expect(request.getByText("Copied", { exact: true })).toBeAttached();
  const command = await page.evaluate(() => navigator.clipboard.readText());
  expect(command).toMatch(/^curl 'http:\/\/localhost:\d+\/v1\/chat\/completions'/);
  expect(command).not.toContain(apiKey);
  expect(command).not.toContain("[redacted]");
  expect(command).toContain(`x-portkey-config: ${configSlug}`);

  await request.getByText("Show the command").click();
  await expect(request.getByRole("region", { name: "curl command" })).toContainText("$DETOUR_API_KEY");
  await expect(request.getByRole("listitem").filter({ hasText: "Set DETOUR_API_KEY" })).toBeVisible();
  await page.screenshot({ path: screenshotPath(info.outputDir, "log-copy-curl"), fullPage: true });

  // A real shell runs it.
  // Not a synchronous exec: the mock upstream answers from this process's event loop.
  const { stdout: out } = await promisify(execFile)(
    "sh",
    ["-c", `${command} --silent --show-error --max-time 30 --write-out '\\n%{http_code}'`],
    { env: { ...process.env, DETOUR_API_KEY: apiKey }, encoding: "utf8" },
  );
  expect(out.trim().split("\n").pop(), `${command}\n-> ${out}`).toBe("200");
  await expect.poll(async () => (await logsOfRun()).length, { timeout: 15_000 }).toBe(2);
  const [again] = await logsOfRun();
  expect(again!.id).not.toBe(original!.id);
  expect(again).toMatchObject({ status: 200, config: configSlug, metadata: { e2e_run: RUN } });
  const detail = await admin<ApiLog>("GET", `/logs/${again!.id}`);
  const first = await admin<ApiLog>("GET", `/logs/${original!.id}`);
  expect(JSON.parse(detail.request_body!)).toEqual(JSON.parse(first.request_body!));
  expect(errors).toEqual([]);
});
