/**
 * /analytics end to end: requests sent through Detour (a fallback config whose OpenAI target
 * answers 503 from the mock upstream, so some are rescued, and one direct call that fails), then
 * the page driven by its labelled selects: charts drawn (SVG) with accessible names, totals that
 * count at least this run's requests, an invalid URL naming its parameter. Nothing is inserted
 * directly and no other spec's rows are relied on.
 */
import { expect, test } from "@playwright/test";
import { Portkey } from "portkey-ai";
import { admin, API, azureVirtualKey, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, mainNav, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const SENT = { rescued: 3, failed: 1 };
const TOTAL = SENT.rescued + SENT.failed;

let mock: MockUpstream;

const ask = (content: string) => ({ model: "gpt-4o", messages: [{ role: "user" as const, content }] });
const cardValue = (text: string | null) => Number((text ?? "").replace(/[^0-9.]/g, ""));

let gatewayKeyId: string | null = null;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  const created = await admin<{ id: string; key: string }>("POST", "/api-keys", { name: `e2e analytics ${RUN}`, scope: "gateway" });
  gatewayKeyId = created.id;
  const apiKey = created.key;
  const openaiKey = await openaiVirtualKey(`Analytics OpenAI ${RUN}`, "sk-e2e-openai-000000000000003333", mock.url);
  const azureKey = await azureVirtualKey(`Analytics Azure ${RUN}`, "e2e-azure-0000000000000000004444", mock.url);
  const configSlug = (
    await admin<{ slug: string }>("POST", "/configs", {
      name: `Analytics fallback ${RUN}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiKey }, { virtual_key: azureKey }] },
    })
  ).slug;
  mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
  const metadata = { e2e_run: RUN };

  const viaFallback = new Portkey({ apiKey, baseURL: API, config: configSlug, metadata });
  for (let i = 0; i < SENT.rescued; i++) await viaFallback.chat.completions.create(ask(`Analytics question ${i}`));
  const failing = new Portkey({ apiKey, baseURL: API, virtualKey: openaiKey, metadata });
  await expect(failing.chat.completions.create(ask("Will this fail?"))).rejects.toMatchObject({ status: 503 });

  // Log rows are written in batches off the request path.
  await expect
    .poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?metadata.e2e_run=${RUN}&limit=200`)).data.length, { timeout: 15_000 })
    .toBe(TOTAL);
});

// Other specs count the workspace's active API keys: leave none behind.
test.afterAll(async () => {
  if (gatewayKeyId) await admin("DELETE", `/api-keys/${gatewayKeyId}`).catch(() => undefined);
  await mock?.close();
});

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test("charts this run's requests, and the range and split selects change the URL", async ({ page }, testInfo) => {
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      page.on("console", (msg) => {
        if (msg.type() === "error" && !msg.location().url.endsWith("/favicon.ico")) errors.push(msg.text());
      });

      await page.goto("/");
      await (await mainNav(page)).getByRole("link", { name: "Analytics" }).click();
      await expect(page).toHaveURL(/\/analytics$/);
      await expect(page.getByRole("heading", { level: 1, name: "Analytics" })).toBeVisible();

      const range = page.getByLabel("Time range");
      const split = page.getByLabel("Split by");
      await expect(range).toHaveValue("24h");
      await expect(split).toHaveValue("none");

      // Totals: at least this run's requests, rescues and one error.
      const totals = page.getByRole("region", { name: "Totals for the range" });
      expect(cardValue(await totals.getByTestId("total-requests").locator(".value").textContent())).toBeGreaterThanOrEqual(TOTAL);
      expect(cardValue(await totals.getByTestId("total-rescued-by-fallback").locator(".value").textContent())).toBeGreaterThanOrEqual(
        SENT.rescued,
      );
      expect(cardValue(await totals.getByTestId("total-error-rate").locator(".value").textContent())).toBeGreaterThan(0);

      // Five charts, each an SVG with a summary as its accessible name.
      for (const name of [
        /^Requests per hour, last 24 hours: \d+ in total/,
        /^Error rate \(status 400 and above\) per hour/,
        /^Cost \(USD\) per hour/,
        /^Latency per hour, last 24 hours: p50 \d+ ms, p95 \d+ ms/,
        /^Rescued by fallback per hour, last 24 hours: \d+ in total/,
      ]) {
        const chart = page.getByRole("img", { name });
        await expect(chart).toBeVisible();
        await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
      }
      await expect(page.getByRole("figure", { name: "Requests", exact: true })).toBeVisible();

      // Split by provider: the URL changes, the stacked chart names the providers it sent to.
      await split.selectOption("provider");
      await expect(page).toHaveURL(/[?&]split=provider/);
      await expect(page.getByRole("img", { name: /^Requests per hour, .*; by provider: .*azure-openai \d+/ })).toBeVisible();
      await expect(page.getByRole("img", { name: /^Rescued by fallback .*; by provider: .*azure-openai \d+/ })).toBeVisible();
      // Latency per provider: one p95 line per provider by default, every provider's p50 / p95 in the name; the toggle draws p50.
      const latency = page.getByRole("figure", { name: "Latency p95 by provider" });
      await expect(latency).toBeVisible();
      const perKey = (shown: string) =>
        page.getByRole("img", {
          name: new RegExp(
            `^Latency per hour, last 24 hours: p50 [\\d,]+ ms, p95 [\\d,]+ ms, p99 [\\d,]+ ms over the range; by provider, highest p50 / p95 in any hour: .*azure-openai [\\d,]+ ms / [\\d,]+ ms.*; highest ${shown} [\\d,]+ ms \\(.+\\) at .+ UTC; lines show ${shown} per provider\\.$`,
          ),
        });
      await expect(perKey("p95")).toBeVisible();
      await expect(perKey("p95").locator(".recharts-line")).not.toHaveCount(0);
      await latency.getByRole("group", { name: "Latency percentile" }).getByRole("button", { name: "p50" }).click();
      await expect(page.getByRole("figure", { name: "Latency p50 by provider" })).toBeVisible();
      await expect(perKey("p50")).toBeVisible();
      await expect(page.getByRole("button", { name: "p50" })).toHaveAttribute("aria-pressed", "true");

      // By API key, virtual key and config: the names, not the ids or slugs.
      const esc = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      await split.selectOption("api_key");
      await expect(page).toHaveURL(/[?&]split=api_key/);
      await expect(
        page.getByRole("img", { name: new RegExp(`^Requests per hour, .*; by API key: .*${esc(`e2e analytics ${RUN}`)} ${TOTAL}`) }),
      ).toBeVisible();
      await expect(page.getByRole("figure", { name: /^Latency p(50|95) by API key$/ })).toBeVisible();
      await split.selectOption("virtual_key");
      await expect(
        page.getByRole("img", { name: new RegExp(`^Requests per hour, .*; by virtual key: .*${esc(`Analytics Azure ${RUN}`)} \\d+`) }),
      ).toBeVisible();
      await split.selectOption("config");
      await expect(
        page.getByRole("img", {
          name: new RegExp(`^Requests per hour, .*; by config: .*${esc(`Analytics fallback ${RUN}`)} ${SENT.rescued}`),
        }),
      ).toBeVisible();
      await expect(page.getByRole("img", { name: /^Requests per hour, .*; by config: .*no config \d+/ })).toBeVisible();

      await split.selectOption("provider");
      await expect(page).toHaveURL(/[?&]split=provider/);

      // Last 30 days, by model: daily buckets.
      await range.selectOption("30d");
      await expect(page).toHaveURL(/[?&]range=30d/);
      await expect(page).toHaveURL(/[?&]split=provider/);
      await split.selectOption("model");
      await expect(page).toHaveURL(/range=30d&split=model/);
      await expect(page.getByLabel("Time range")).toHaveValue("30d");
      const requests = page.getByRole("img", { name: /^Requests per day, last 30 days: \d+ in total.*; by model: .*gpt-4o/ });
      await expect(requests).toBeVisible();
      await expect(requests.locator(".recharts-bar-rectangle").first()).toBeVisible();

      await page.getByLabel("Time range").selectOption("7d");
      await expect(page).toHaveURL(/range=7d&split=model/);
      await expect(page.getByRole("img", { name: /^Requests per hour, last 7 days/ })).toBeVisible();
      await page.screenshot({ path: screenshotPath(testInfo.outputDir, `analytics-${viewport.width}`), fullPage: true });
      expect(errors).toEqual([]);
    });

    test("line and bar charts share their x positions, and a lone point sits in its bucket, not on the edge", async ({
      page,
    }, testInfo) => {
      await page.goto("/analytics?range=24h&split=none");
      // This run's requests are all in the current hour: one bar there, and one error-rate point.
      const bar = await page.getByTestId("chart-requests").evaluate((el) => {
        const rects = [...el.querySelectorAll(".recharts-bar-rectangle path")].map((r) => (r as SVGGraphicsElement).getBBox());
        const tallest = rects.reduce((a, b) => (b.height > a.height ? b : a));
        return { center: tallest.x + tallest.width / 2, width: tallest.width };
      });
      const dots = await page.getByTestId("chart-error-rate").evaluate((el) =>
        [...el.querySelectorAll(".recharts-line-dots circle")].map((c) => ({
          cx: Number(c.getAttribute("cx")),
          r: Number(c.getAttribute("r")),
        })),
      );
      const plotWidth = await page
        .getByTestId("chart-error-rate")
        .evaluate((el) => el.querySelector("svg.recharts-surface")!.getBoundingClientRect().width);
      expect(dots.length).toBeGreaterThanOrEqual(1);
      const last = dots[dots.length - 1]!;
      // Both charts are as wide, with the same y-axis: the point is over the bar's middle.
      expect(Math.abs(last.cx - bar.center)).toBeLessThan(1.5);
      // Half a bucket in from the plot's right edge, drawn larger when it stands alone.
      expect(plotWidth - 8 - last.cx).toBeGreaterThan(bar.width / 2 - 1);
      if (dots.length === 1) expect(last.r).toBe(4);
      await page
        .getByTestId("chart-error-rate")
        .screenshot({ path: screenshotPath(testInfo.outputDir, `analytics-lone-point-${viewport.width}`) });
    });

    test("an invalid parameter is named, with the controls to fix it", async ({ page }) => {
      await page.goto("/analytics?range=1y&split=model");
      const alert = page.getByRole("alert").filter({ hasText: "invalid parameter" });
      await expect(alert).toBeVisible();
      await expect(alert.locator("code")).toHaveText("range");
      await expect(page.getByLabel("Time range")).toHaveValue("24h");
      await expect(page.getByLabel("Split by")).toHaveValue("model");
      await page.getByLabel("Time range").selectOption("7d");
      await expect(page).toHaveURL(/range=7d&split=model/);
      await expect(page.getByRole("alert").filter({ hasText: "invalid parameter" })).toHaveCount(0);
    });
  });
}
