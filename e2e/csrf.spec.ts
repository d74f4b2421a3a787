/**
 * CSRF in a real browser: a page served from another port of the same host (same-site, so the
 * dashboard's SameSite=Lax session cookie goes along) tries to create configs at Detour with a
 * text/plain form POST (a body that parses as JSON) and with fetch(..., {credentials: "include"}).
 * Detour refuses each (403: the request is not same-origin) and nothing is created.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { E2E_PORT } from "../playwright.config";
import { admin } from "../testing/e2e-admin-api";
import { ADMIN_STATE } from "../testing/e2e-fixtures";

test.use({ storageState: ADMIN_STATE });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const DETOUR = `http://localhost:${E2E_PORT}`;

let evil: http.Server;
let evilOrigin: string;
let vk: string;

function evilPage(formName: string, fetchName: string, noCorsName: string): string {
  const body = (name: string) => JSON.stringify({ name, config: { virtual_key: vk } });
  // text/plain form encoding sends `<input name>=<value>\r\n`: split inside the name string, this
  // is a valid create body for a config named `${formName}=`.
  const json = body(formName);
  const split = json.indexOf(formName) + formName.length;
  const attr = (text: string) => text.replace(/&/g, "&amp;").replace(/'/g, "&#39;");
  return `<!doctype html><html><body>
<form id="attack" method="POST" action="${DETOUR}/v1/configs" enctype="text/plain">
  <input type="hidden" name='${attr(json.slice(0, split))}' value='${attr(json.slice(split))}'>
</form>
<script>
  window.attempts = Promise.all([
    fetch(${JSON.stringify(`${DETOUR}/v1/configs`)}, { method: "POST", credentials: "include", headers: { "content-type": "text/plain" }, body: ${JSON.stringify(body(fetchName))} })
      .then((r) => "answered " + r.status, (e) => "refused by the browser: " + e.message),
    fetch(${JSON.stringify(`${DETOUR}/v1/configs`)}, { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: ${JSON.stringify(body(noCorsName))} })
      .then((r) => "opaque " + r.type, (e) => "refused by the browser: " + e.message),
  ]);
</script>
</body></html>`;
}

const configsNamed = async (names: string[]) =>
  (await admin<{ data: { name: string }[] }>("GET", "/configs?page_size=500")).data.filter((c) => names.includes(c.name));

test.beforeAll(async () => {
  vk = (
    await admin<{ slug: string }>("POST", "/virtual-keys", {
      name: `CSRF target ${RUN}`,
      provider: "openai",
      key: "sk-e2e-csrf-000000000000",
    })
  ).slug;
  evil = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/") return void res.writeHead(404).end(); // the browser's /favicon.ico
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(evilPage(url.searchParams.get("form")!, url.searchParams.get("fetch")!, url.searchParams.get("nocors")!));
  });
  await new Promise<void>((resolve) => evil.listen(0, resolve)); // every interface, like Detour
  evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => evil?.close(resolve));
  if (vk) await admin("DELETE", `/virtual-keys/${vk}`).catch(() => undefined);
});

test("a page on another port of the same host cannot create configs with the session cookie", async ({ page }) => {
  const names = { form: `csrf form ${RUN}`, fetch: `csrf fetch ${RUN}`, nocors: `csrf no-cors ${RUN}` };
  // The session is real: from Detour's own origin, the same browser context creates a config.
  await page.goto("/configs");
  await expect(page.getByRole("heading", { name: "Configs", level: 1 })).toBeVisible();
  const own = await page.evaluate(
    async (body) => {
      const res = await fetch("/v1/configs", { method: "POST", headers: { "content-type": "application/json" }, body });
      return { status: res.status, slug: ((await res.json()) as { slug?: string }).slug };
    },
    JSON.stringify({ name: `csrf own ${RUN}`, config: { virtual_key: vk } }),
  );
  expect(own.status).toBe(201);
  await admin("DELETE", `/configs/${own.slug}`);

  await page.goto(`${evilOrigin}/?${new URLSearchParams(names)}`);
  const fetchOutcomes = await page.evaluate(() => (window as unknown as { attempts: Promise<string[]> }).attempts);
  // The form: a top-level POST navigation to Detour.
  const formAnswer = page.waitForResponse(
    (res) => res.url() === `${DETOUR}/v1/configs` && res.request().method() === "POST" && res.request().resourceType() === "document",
  );
  await page.locator("#attack").evaluate((form: HTMLFormElement) => form.submit());
  const answer = await formAnswer;
  expect(answer.status()).toBe(403);
  expect(await answer.text()).toContain("cross_origin_write");

  // Both fetches went out (the browser sends a same-site request with the cookie; without the
  // check they create their configs): the CORS one cannot read the answer, the no-cors one gets an
  // opaque answer. The server is the judge: nothing was created.
  expect(fetchOutcomes).toEqual([expect.stringMatching(/^refused by the browser/), "opaque opaque"]);
  expect(await configsNamed([`${names.form}=`, names.fetch, names.nocors])).toEqual([]);
});
