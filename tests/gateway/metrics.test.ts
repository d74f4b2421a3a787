/** GET /metrics: Prometheus text with request, fallback, retry, latency/overhead and log-queue figures; protected. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/testing/server-process";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const ADMIN_KEY = "detour-metrics-test-admin-key-000";
const METRICS_TOKEN = "metrics-scraper-token-0123456789";

function sample(text: string, name: string, labels: Record<string, string>): number | null {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf("}"));
    if (wanted.every((w) => inner.split(",").includes(w))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return null;
}

describe("metrics", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    h = await startHarness({
      DETOUR_ADMIN_API_KEY: ADMIN_KEY,
      DETOUR_METRICS_TOKEN: METRICS_TOKEN,
      DETOUR_METRICS_PORT: String(metricsPort),
    });
    openaiVk = await h.openaiKey("OpenAI");
    azureVk = await h.azureKey("Azure");
  });
  afterAll(async () => h?.close());

  const scrape = async (headers: Record<string, string>) => {
    const res = await fetch(`${h.url}/metrics`, { headers });
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  };
  const scrapeText = async () => (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text;
  /** A sample's value, 0 when the series does not exist yet (each test counts from what it finds). */
  const value = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) ?? 0;
  const chatVia = async (headers: Record<string, string>) => {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers(headers),
      body: JSON.stringify(chatBody()),
    });
    await res.arrayBuffer();
    return res.status;
  };

  it("is refused without credentials, and with a gateway-scope key", async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ "x-portkey-api-key": h.apiKey })).status).toBe(403);
    expect((await scrape({ authorization: "Bearer not-the-token-000000000" })).status).toBe(401);
  });

  it("counts requests, fallbacks, retries and attempts, with latency and overhead histograms", async () => {
    const fallback = JSON.stringify({
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openaiVk, retry: { attempts: 1 } }, { virtual_key: azureVk }],
    });
    // Counted from what this test finds: the other tests (in any order) leave their own requests.
    const expected: [name: string, labels: Record<string, string>, added: number][] = [
      ["detour_requests_total", { provider: "azure-openai", status: "200" }, 3],
      ["detour_requests_total", { provider: "openai", status: "200" }, 1],
      ["detour_fallbacks_total", { provider: "azure-openai" }, 3],
      ["detour_retries_total", { provider: "openai" }, 3],
      ["detour_upstream_attempts_total", { provider: "openai", outcome: "5xx" }, 6],
      ["detour_request_duration_ms_count", { provider: "azure-openai" }, 3],
      ["detour_overhead_ms_count", { provider: "openai" }, 1],
    ];
    const before = await scrapeText();
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, times: 6 });
    for (let i = 0; i < 3; i++) expect(await chatVia({ "x-portkey-config": fallback })).toBe(200);
    expect(await chatVia({ "x-portkey-virtual-key": openaiVk })).toBe(200);

    const m = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(m.status).toBe(200);
    expect(m.type).toContain("text/plain");
    const added = (name: string, labels: Record<string, string>) => value(m.text, name, labels) - value(before, name, labels);
    expect(expected.map(([name, labels]) => [name, labels, added(name, labels)])).toEqual(expected);
    expect(m.text).toMatch(/^detour_log_rows\{state="written"\} \d+/m);
    expect(sample(m.text, "detour_log_rows", { state: "dropped" })).toBe(0);
    // The database is up: nothing spilled to disk, nothing waiting there.
    expect(sample(m.text, "detour_log_rows", { state: "spilled" })).toBe(0);
    expect(sample(m.text, "detour_log_rows", { state: "spill_pending" })).toBe(0);
    expect(m.text).toMatch(/^detour_log_spill_files 0$/m);
    expect(m.text).toMatch(/^detour_log_spill_pending_bytes 0$/m);
    expect(m.text).toContain("detour_process_resident_memory_bytes");
    // The admin key works too.
    expect((await scrape({ "x-portkey-api-key": ADMIN_KEY })).status).toBe(200);
  });

  it("is also served on DETOUR_METRICS_PORT (loopback), with the same token, and only /metrics there", async () => {
    const separate = `http://127.0.0.1:${metricsPort}`;
    expect((await fetch(`${separate}/metrics`)).status).toBe(401);
    expect((await fetch(`${separate}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).status).toBe(401);
    // The same registry as /metrics on the main port: a request of this test shows on both.
    const labels = { provider: "openai", status: "200" };
    const before = value(await scrapeText(), "detour_requests_total", labels);
    expect(await chatVia({ "x-portkey-virtual-key": openaiVk })).toBe(200);
    const res = await fetch(`${separate}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(value(text, "detour_requests_total", labels)).toBe(before + 1);
    expect(value(await scrapeText(), "detour_requests_total", labels)).toBe(before + 1);
    expect((await fetch(`${separate}/v1/models`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
  });
});
