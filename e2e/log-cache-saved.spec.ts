/**
 * A cache hit's log detail, in the browser: the header's badge and the Cache fact say it was a hit
 * and what it saved (the cost the original answer had), and the answer that went upstream shows
 * its cache status alone (docs/GATEWAY.md §5.5, §9 cost_saved).
 */
import { expect, test } from "@playwright/test";
import { admin, API, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

let mock: MockUpstream;
let apiKeyId: string;
let vk: string;
let missId: string;
let hitId: string;

type ApiLog = { id: string; cost: number | null; cost_saved: number | null; cache_status: string };

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  const created = await admin<{ id: string; key: string }>("POST", "/api-keys", { name: `e2e cache saved ${RUN}`, scope: "gateway" });
  apiKeyId = created.id;
  vk = await openaiVirtualKey(`E2E cache saved ${RUN}`, "sk-e2e-cache-000000000000004444", mock.url);
  const config = JSON.stringify({ cache: { mode: "simple", max_age: 600 }, virtual_key: vk });
  const ask = async () => {
    const res = await fetch(`${API}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": created.key, "x-portkey-config": config },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `cache me ${RUN}` }] }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return { id: res.headers.get("x-portkey-request-id")!, cache: res.headers.get("x-portkey-cache-status") };
  };
  const miss = await ask();
  expect(miss.cache).toBe("MISS");
  const hit = await ask();
  expect(hit.cache).toBe("HIT");
  missId = miss.id;
  hitId = hit.id;
  await expect
    .poll(async () => (await admin<ApiLog>("GET", `/logs/${hitId}`).catch(() => null))?.cache_status, { timeout: 15_000 })
    .toBe("HIT");
});

test.afterAll(async () => {
  if (vk) await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
  if (apiKeyId) await admin("DELETE", `/api-keys/${apiKeyId}`).catch(() => undefined);
  await mock?.close();
});

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test("a hit's detail shows what it saved beside its cache status; the miss shows none", async ({ page }, info) => {
      const errors = consoleErrors(page);
      const [miss, hit] = await Promise.all([admin<ApiLog>("GET", `/logs/${missId}`), admin<ApiLog>("GET", `/logs/${hitId}`)]);
      expect(miss.cost).toBeGreaterThan(0);
      expect(hit).toMatchObject({ cost: 0, cost_saved: miss.cost });
      // formatCost: six decimals below a cent.
      const saved = `$${miss.cost!.toFixed(miss.cost! >= 0.01 ? 4 : 6)}`;

      await page.goto(`/logs/${hitId}`);
      await expect(page.getByText(`cache hit, saved ${saved}`, { exact: true })).toBeVisible();
      const cacheFact = page.locator(".facts > div").filter({ has: page.getByText("Cache", { exact: true }) });
      await expect(cacheFact).toContainText(`HIT (saved ${saved})`);
      await page.screenshot({ path: screenshotPath(info.outputDir, `log-cache-saved-${viewport.width}`), fullPage: true });

      await page.goto(`/logs/${missId}`);
      const missFact = page.locator(".facts > div").filter({ has: page.getByText("Cache", { exact: true }) });
      await expect(missFact).toContainText("MISS");
      await expect(missFact).not.toContainText("saved");
      expect(errors).toEqual([]);
    });
  });
}
