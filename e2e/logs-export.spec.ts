/**
 * The log explorer's Export control end to end: requests through Detour to the mock upstream, then
 * /logs sorted by a column header and filtered by a trace id like a person would, and the
 * downloaded files (CSV, then JSONL with bodies) read back: exactly the filtered rows, in the
 * page's sort, as GET /v1/logs lists them. Every request of this run carries
 * `x-portkey-metadata: {"e2e_run": RUN}`, so the page and the API narrow to this run's rows.
 */
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { parseCsv } from "../testing/csv";
import { admin, API, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const TRACE_A = `trace-export-a-${RUN}`;
const TRACE_B = `trace-export-b-${RUN}`;
const RUN_FILTER = `metadata.e2e_run=${RUN}`;

let mock: MockUpstream;
let apiKeyId: string | undefined;
let vk: string | undefined;

type ApiLog = { id: string; trace_id: string };

async function apiIds(query: string): Promise<string[]> {
  return (await admin<{ data: ApiLog[] }>("GET", `/logs?${RUN_FILTER}&limit=200&${query}`)).data.map((l) => l.id);
}

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  const created = await admin<{ id: string; key: string }>("POST", "/api-keys", { name: `e2e export ${RUN}`, scope: "gateway" });
  apiKeyId = created.id;
  vk = await openaiVirtualKey(`E2E export ${RUN}`, "sk-e2e-export-0000000000003333", mock.url);
  const send = async (trace: string, content: string) => {
    const res = await fetch(`${API}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": created.key,
        "x-portkey-virtual-key": vk!,
        "x-portkey-trace-id": trace,
        "x-portkey-metadata": JSON.stringify({ e2e_run: RUN }),
      },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  };
  // Prompts of different lengths: different costs, so the sort by cost matters.
  for (const [i, words] of [3, 300, 40].entries()) await send(TRACE_A, `export ${i}: ${"word ".repeat(words)}`);
  for (let i = 0; i < 2; i++) await send(TRACE_B, `other ${i}`);
  await expect.poll(async () => (await apiIds("")).length, { timeout: 15_000 }).toBe(5);
});

test.afterAll(async () => {
  if (vk) await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
  if (apiKeyId) await admin("DELETE", `/api-keys/${apiKeyId}`).catch(() => undefined);
  await mock?.close();
});

async function exportFile(page: Page): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export", exact: true }).click()]);
  return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, "utf8") };
}

test("Export downloads exactly the filtered rows, in the page's sort, as CSV and as JSONL with bodies", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto(`/logs?${RUN_FILTER}`);
  await page.getByRole("button", { name: "Cost" }).click();
  await expect(page).toHaveURL(/sort=-cost/);
  const trace = page.getByLabel("Trace ID", { exact: true });
  await trace.fill(TRACE_A);
  await trace.press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]trace_id=${TRACE_A}(&|$)`));
  await expect(page.getByRole("table", { name: "Request logs" }).locator("tbody tr")).toHaveCount(3);

  const expected = await apiIds(`trace_id=${TRACE_A}&sort=-cost`);
  expect(expected).toHaveLength(3);
  expect(await apiIds(`trace_id=${TRACE_A}&sort=cost`)).not.toEqual(expected); // the sort is not a no-op

  const csv = await exportFile(page);
  expect(csv.name).toMatch(/^detour-logs-.+\.csv$/);
  const [header, ...records] = parseCsv(csv.text);
  expect(header).not.toBeUndefined();
  const col = (name: string) => header!.indexOf(name);
  expect(col("request_body")).toBe(-1); // bodies are off by default
  expect(records.map((r) => r[col("id")])).toEqual(expected);
  expect(records.every((r) => r[col("trace_id")] === TRACE_A)).toBe(true);

  const exportGroup = page.getByRole("group", { name: "Export logs" });
  await exportGroup.getByLabel("Export as").selectOption("jsonl");
  await exportGroup.getByLabel("Include bodies").check();
  const jsonl = await exportFile(page);
  expect(jsonl.name).toMatch(/^detour-logs-.+\.jsonl$/);
  const rows = jsonl.text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as { id: string; trace_id: string; request_body: string | null });
  expect(rows.map((r) => r.id)).toEqual(expected);
  for (const row of rows) {
    expect(row.trace_id).toBe(TRACE_A);
    expect(row.request_body).toContain("export ");
  }
  expect(errors).toEqual([]);
});
