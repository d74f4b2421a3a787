/**
 * "Replay" on a log's page, at 1440x900 and 390x844: a request that fell back from a 503 to a 200 is
 * replayed with another saved config whose target answers; the replay's attempts show beside the
 * original's (two timelines), with a link to the replay's own log, which names the original in its
 * metadata (detour_replay_of). The body is never sent by the browser: the page posts only the
 * config choice.
 */
import { expect, test } from "@playwright/test";
import { E2E_ADMIN_API_KEY } from "../playwright.config";
import { admin, API, gatewayChat, openaiVirtualKey, tracedLogs } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const DOWN_KEY = `sk-e2e-replay-down-${RUN}-0000aaaa`;
const UP_NAME = `Replay answers ${RUN}`;

let mock: MockUpstream;
let logId: string;
const configs: string[] = [];
const virtualKeys: string[] = [];

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  mock.script({ match: { key: DOWN_KEY }, fault: { kind: "status", status: 503 } });
  const down = await openaiVirtualKey(`Replay down ${RUN}`, DOWN_KEY, mock.url);
  const up = await openaiVirtualKey(`Replay up ${RUN}`, `sk-e2e-replay-up-${RUN}-0000bbbb`, mock.url);
  virtualKeys.push(down, up);
  const fallback = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `Replay fallback ${RUN}`,
      config: { strategy: { mode: "fallback", on_status_codes: [503] }, targets: [{ virtual_key: down }, { virtual_key: up }] },
    })
  ).slug;
  const answers = (await admin<{ slug: string }>("POST", "/configs", { name: UP_NAME, config: { virtual_key: up } })).slug;
  configs.push(fallback, answers);
  const trace = `replay-${RUN}`;
  const res = await gatewayChat({ config: fallback, traceId: trace, content: "replay me" });
  expect(res.status).toBe(200);
  logId = (await tracedLogs(trace))[0]!.id;
});

test.afterAll(async () => {
  for (const slug of configs) await admin("DELETE", `/configs/${slug}`).catch(() => undefined);
  for (const slug of virtualKeys) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  await mock?.close();
});

for (const vp of [
  { name: "desktop", size: { width: 1440, height: 900 } },
  { name: "phone", size: { width: 390, height: 844 } },
] as const) {
  test(`${vp.name}: replay a rescued request with another config, both timelines side by side`, async ({ page }, info) => {
    await page.setViewportSize(vp.size);
    const errors = consoleErrors(page);
    const posted: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname.endsWith("/replay")) posted.push(r.postData() ?? "");
    });
    await page.goto(`/logs/${logId}`);
    const panel = page.getByRole("region", { name: "Replay", exact: true });
    await expect(panel).toBeVisible();
    const select = panel.getByLabel("Config", { exact: true });
    // The exact version the request was logged with comes first.
    await expect(select.locator("option").first()).toHaveText(/^Same config, as logged: Replay fallback .* v1\)$/);
    const answers = await select.locator("option", { hasText: UP_NAME }).getAttribute("value");
    await select.selectOption(answers!);
    await panel.getByRole("button", { name: "Replay" }).click();

    const result = panel.getByRole("region", { name: "Replay result" });
    await expect(result).toBeVisible({ timeout: 30_000 });
    const original = result.getByRole("region", { name: "Original attempts" });
    const replay = result.getByRole("region", { name: "Replay attempts" });
    await expect(original.getByRole("listitem")).toHaveCount(2);
    await expect(original.getByRole("listitem").first()).toContainText("503");
    await expect(replay.getByRole("listitem")).toHaveCount(1);
    await expect(replay.getByRole("listitem").first()).toContainText("200");
    await expect(result).toContainText("Answered");
    // The browser sent the config choice only, never the logged body.
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0]!)).toEqual({ slug: answers });
    if (vp.name === "desktop") {
      const [a, b] = await Promise.all([original.boundingBox(), replay.boundingBox()]);
      expect(Math.abs(a!.y - b!.y), "the timelines sit side by side").toBeLessThan(2);
      expect(b!.x).toBeGreaterThan(a!.x);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "the page does not scroll sideways").toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath(info.outputDir, `log-replay-${vp.name}`), fullPage: true });

    await result.getByRole("link", { name: "Open the replay's log" }).click();
    await expect(page).toHaveURL((url) => url.pathname.startsWith("/logs/log_") && !url.pathname.includes(logId));
    const metadata = page.getByRole("table", { name: "Metadata" });
    await expect(metadata).toContainText("detour_replay_of");
    await expect(metadata).toContainText(logId);
    await expect(page.getByRole("region", { name: "Replay", exact: true })).toBeVisible();
    expect(errors).toEqual([]);
  });
}

test("a request whose body cannot be replayed says why instead of offering the button", async ({ page }) => {
  // Refused at its headers (bad metadata), before its body was read: logged without a body.
  const res = await gatewayChat({ config: configs[1]!, headers: { "x-portkey-metadata": "not json" }, content: "x" });
  expect(res.status).toBe(400);
  const id = res.headers.get("x-portkey-request-id")!;
  await expect
    .poll(async () => (await fetch(`${API}/logs/${id}`, { headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY } })).status, {
      timeout: 15_000,
    })
    .toBe(200);
  await page.goto(`/logs/${id}`);
  const panel = page.getByRole("region", { name: "Replay", exact: true });
  await expect(panel).toContainText("its request body was not logged");
  await expect(panel.getByRole("button", { name: "Replay" })).toHaveCount(0);
});
