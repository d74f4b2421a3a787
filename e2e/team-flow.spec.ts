import { type Browser, expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN, E2E_OIDC } from "../playwright.config";
import { admin, API, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

/**
 * Teams, end to end, by two people in two browsers (issue 19's "done means"): the owner invites a
 * viewer from the Members page and copies the one-time link; the viewer opens it in another
 * browser, signs in through single sign-on (the real OpenID Connect provider e2e/global-setup.ts
 * runs), joins, sees the logs, finds no way to rotate a key, and is refused by the API when trying
 * anyway; the owner then finds the invitation, the viewer's sign-in and the refused rotation in
 * the audit trail.
 */
test.describe.configure({ mode: "serial" });

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const VIEWER = `viewer-${run}@corp.example`;
const TRACE = `team-flow-${run}`;
let mock: MockUpstream;
let vk: string;

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  vk = await openaiVirtualKey(`Team flow ${run}`, "sk-e2e-team-flow-000000000001111", mock.url);
  const { key } = await admin<{ key: string }>("POST", "/api-keys", { name: `team flow ${run}`, scope: "gateway" });
  const res = await fetch(`${API}/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": key,
      "x-portkey-config": JSON.stringify({ virtual_key: vk }),
      "x-portkey-trace-id": TRACE,
    },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello from the team flow" }] }),
  });
  expect(res.status, await res.text()).toBe(200);
});
test.afterAll(async () => mock?.close());

async function ownerPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ storageState: ADMIN_STATE })).newPage();
}

test("an owner invites a viewer, who signs in through SSO, reads logs, cannot rotate a key; the owner sees it all in the audit trail", async ({
  browser,
}, info) => {
  const owner = await ownerPage(browser);
  const viewerContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const viewer = await viewerContext.newPage();

  let link = "";
  await test.step("the owner invites the viewer from the Members page and copies the one-time link", async () => {
    await owner.goto("/members");
    await owner.getByRole("button", { name: "Invite member" }).click();
    const dialog = owner.getByRole("dialog", { name: "Invite member" });
    await dialog.getByLabel("Email").fill(VIEWER);
    await dialog.getByLabel("Role").selectOption("viewer");
    await dialog.getByRole("button", { name: "Create invitation" }).click();
    const shown = owner.getByRole("dialog", { name: `Invitation for ${VIEWER}` });
    link = await shown.getByLabel("Invitation link", { exact: true }).inputValue();
    await shown.getByRole("button", { name: "Done" }).click();
  });

  await test.step("the viewer opens the link in another browser and signs in through SSO", async () => {
    await viewer.goto(new URL(link).pathname);
    await expect(viewer.getByRole("main")).toContainText(VIEWER);
    await viewer.getByRole("button", { name: `Continue with ${E2E_OIDC.name}` }).click();
    await expect(viewer).toHaveURL(new RegExp(`^${E2E_OIDC.issuer}/interaction/`));
    await viewer.locator('input[name="login"]').fill(VIEWER);
    await viewer.locator('input[name="password"]').fill("any-password");
    await viewer.getByRole("button", { name: "Sign-in" }).click();
    await viewer.getByRole("button", { name: "Continue" }).click();
    // Back on the invitation, signed in as the invited address: one click joins.
    await viewer.getByRole("button", { name: /^Join / }).click();
    await expect(viewer.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(viewer.getByTitle("Your role here")).toHaveText("Viewer");
  });

  await test.step("the viewer sees the logs", async () => {
    await viewer.goto(`/logs?trace_id=${TRACE}`);
    await expect(viewer.getByRole("heading", { name: "Logs" })).toBeVisible();
    await expect(viewer.getByRole("row").filter({ hasText: TRACE }).first()).toBeVisible();
    await viewer.screenshot({ path: screenshotPath(info.outputDir, "viewer-logs"), fullPage: true });
  });

  await test.step("the viewer cannot rotate a key: no button in the page, 403 from the API", async () => {
    await viewer.goto(`/virtual-keys/${vk}`);
    await expect(viewer.getByText("Viewers can't change anything; ask an admin.")).toBeVisible();
    await expect(viewer.getByRole("button", { name: /Rotate/ })).toHaveCount(0);
    const refused = await viewer.evaluate(async (slug) => {
      const workspace = document.querySelector('meta[name="detour-workspace"]')?.getAttribute("content") ?? "";
      const res = await fetch(`/v1/virtual-keys/${slug}`, {
        method: "PUT",
        headers: { "content-type": "application/json", "x-detour-workspace": workspace },
        body: JSON.stringify({ key: "sk-e2e-viewer-must-not-rotate-0000" }),
      });
      return { status: res.status, body: await res.json() };
    }, vk);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect(refused.body.error.message).toContain("is viewer");
    expect((await admin<{ version: number }>("GET", `/virtual-keys/${vk}`)).version).toBe(1);
  });

  await test.step("the owner sees the invitation, the viewer's sign-in and the refused rotation in the audit trail", async () => {
    await owner.goto(`/audit?actor=${encodeURIComponent(VIEWER)}`);
    const table = owner.getByRole("table", { name: "Audit events" });
    await expect(table.getByRole("row").filter({ hasText: "auth.sign_in" }).first()).toBeVisible();
    await expect(table.getByRole("row").filter({ hasText: "invite.accept" })).toHaveCount(1);
    const denied = table.getByRole("row").filter({ hasText: "access.denied" });
    await expect(denied).toHaveCount(1);
    await denied.getByRole("button", { name: /Before and after/ }).click();
    await expect(owner.getByRole("dialog").getByRole("region", { name: "After (JSON)" })).toContainText(`/v1/virtual-keys/${vk}`);
    await owner.getByRole("dialog").getByRole("button", { name: "Close" }).click();

    await owner.goto(`/audit?action=invite.create&actor=${encodeURIComponent(E2E_ADMIN.email)}`);
    await expect(owner.getByRole("table", { name: "Audit events" }).getByRole("row").filter({ hasText: VIEWER })).toHaveCount(1);
    await owner.screenshot({ path: screenshotPath(info.outputDir, "owner-audit"), fullPage: true });
  });
  await viewerContext.close();
  await owner.context().close();
});
